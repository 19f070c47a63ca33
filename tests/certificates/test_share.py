"""The holder takes the certificate elsewhere: LinkedIn's add-to-profile link and the credential for wallets."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from lms.certificates.services import create_certificate, revoke
from tests.conftest import login

LINKEDIN = re.compile(r'<a [^>]*href="(https://www\.linkedin\.com/profile/add\?[^"]*)"[^>]*>')


def _certified(db, make_cohort, make_programme, make_trainee, issuer="", **programme_fields):
    programme = make_programme(issuer=issuer, **programme_fields)
    trainee = make_trainee(name="Şəhla Əliyeva")
    cohort = make_cohort(programme=programme, trainees=[trainee], days_in=60)
    certificate = create_certificate(cohort.enrolments[0], "trainer", today=date(2025, 11, 28))
    db.session.commit()
    return trainee, certificate


def _linkedin_link(page: str) -> tuple[str, dict[str, list[str]]]:
    match = LINKEDIN.search(page)
    assert match, "no LinkedIn link on the page"
    href = html.unescape(match.group(1))
    return match.group(0), parse_qs(urlsplit(href).query, keep_blank_values=True, strict_parsing=True)


def test_the_holder_adds_the_certificate_to_linkedin(client, db, make_cohort, make_programme, make_trainee):
    trainee, certificate = _certified(db, make_cohort, make_programme, make_trainee,
                                      issuer="Baku Training Institute & Partners\nMinistry of Labour",
                                      name="Health, Safety & Rights: 100% practical", validity_years=3)
    login(client, trainee)
    tag, fields = _linkedin_link(client.get("/home").get_data(as_text=True))

    assert 'target="_blank"' in tag and 'rel="noopener"' in tag
    assert fields == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": [f"{certificate.title}: Health, Safety & Rights: 100% practical"],
        "organizationName": ["Baku Training Institute & Partners, Ministry of Labour"],
        "issueYear": ["2025"], "issueMonth": ["11"],
        "expirationYear": ["2028"], "expirationMonth": ["11"],
        "certUrl": [f"http://lms.test/verify/{certificate.code}"],
        "certId": [certificate.code],
    }


def test_the_link_is_percent_encoded_and_falls_back_to_the_default_issuer(client, db, make_cohort,
                                                                          make_programme, make_trainee):
    trainee, certificate = _certified(db, make_cohort, make_programme, make_trainee)
    login(client, trainee)
    page = client.get("/home").get_data(as_text=True)
    tag, fields = _linkedin_link(page)
    href = html.unescape(LINKEDIN.search(page).group(1))
    assert " " not in href and "+" not in href  # spaces as %20, so no reader can take them for plus signs
    assert fields["organizationName"] == ["International Training Centre"]
    assert fields["certId"] == [certificate.code]


def test_a_certificate_without_expiry_sends_no_expiry(db, app, make_cohort, make_programme, make_trainee):
    from lms.certificates.share import linkedin_add_url

    _trainee, certificate = _certified(db, make_cohort, make_programme, make_trainee)
    certificate.expires_on = None
    query = parse_qs(urlsplit(linkedin_add_url(certificate)).query)
    assert "expirationYear" not in query and "expirationMonth" not in query
    assert query["issueYear"] == ["2025"] and query["issueMonth"] == ["11"]


def test_nobody_else_sees_the_holders_links(app, client, db, make_cohort, make_programme, make_trainee):
    holder, certificate = _certified(db, make_cohort, make_programme, make_trainee)
    other = make_trainee(name="Another Trainee")
    make_cohort(programme=certificate.enrolment.cohort.programme, trainees=[other], days_in=60)
    login(client, other)
    page = client.get("/home").get_data(as_text=True)
    assert "linkedin.com" not in page and certificate.code not in page
    assert client.get(f"/certificates/{certificate.id}/credential.json").status_code == 403


def test_a_revoked_certificate_is_not_offered_for_linkedin(client, db, make_cohort, make_programme,
                                                            make_trainee, make_coordinator):
    holder, certificate = _certified(db, make_cohort, make_programme, make_trainee)
    revoke(certificate, "Issued in error", make_coordinator())
    db.session.commit()
    login(client, holder)
    assert "linkedin.com" not in client.get("/home").get_data(as_text=True)


def test_the_credential_downloads_with_a_name_for_wallets(client, db, make_cohort, make_programme, make_trainee):
    trainee, certificate = _certified(db, make_cohort, make_programme, make_trainee)
    login(client, trainee)
    page = client.get("/home").get_data(as_text=True)
    link = f'href="/certificates/{certificate.id}/credential.json"'
    assert link in page and "Download the signed credential for your digital wallet (Open Badges 3.0)" in page

    response = client.get(f"/certificates/{certificate.id}/credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{certificate.code}-ob3-credential.json"')
    document = json.loads(response.data)
    assert "VerifiableCredential" in document["type"]
