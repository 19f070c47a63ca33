"""Taking a certificate elsewhere: LinkedIn's add-to-profile link and the credential file for wallets."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from lms.certificates.credential import DEFAULT_ISSUER
from lms.certificates.models import Certificate
from lms.urls import external_url

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def issuing_organisation(certificate: Certificate) -> str:
    """The programme's issuing institutions on one line (one a line in the programme), or the default issuer."""
    lines = (certificate.enrolment.cohort.programme.issuer or "").splitlines()
    return ", ".join(line.strip() for line in lines if line.strip()) or DEFAULT_ISSUER


def linkedin_name(certificate: Certificate) -> str:
    """The title as printed, with the programme when the title does not name it already."""
    title, programme = certificate.title.strip(), certificate.programme_name.strip()
    if not programme or programme.casefold() in title.casefold():
        return title
    return f"{title}: {programme}"


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's add-to-profile address, pre-filled; the holder confirms on LinkedIn, nothing is sent first."""
    fields = {
        "startTask": "CERTIFICATION_NAME",
        "name": linkedin_name(certificate),
        "organizationName": issuing_organisation(certificate),
    }
    if certificate.issued_on:
        fields |= {"issueYear": certificate.issued_on.year, "issueMonth": certificate.issued_on.month}
    if certificate.expires_on:
        fields |= {"expirationYear": certificate.expires_on.year, "expirationMonth": certificate.expires_on.month}
    fields |= {"certUrl": external_url("verify.certificate", code=certificate.code), "certId": certificate.code}
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(fields, quote_via=quote)}"


def wallet_filename(certificate: Certificate) -> str:
    """The signed credential's download name: an Open Badges 3.0 credential, as wallets' file pickers expect."""
    return f"{certificate.code}-ob3-credential.json"
