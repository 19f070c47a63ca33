"""A cohort's certificate PDFs as one ZIP, for a ceremony: every issued certificate, rendered first if need be."""

from __future__ import annotations

import re
import tempfile
import zipfile

from sqlalchemy import select

from lms.certificates.models import ISSUED, Certificate
from lms.certificates.pdf import store_pdf, stored_pdf_path
from lms.courses.models import Cohort, Enrolment
from lms.extensions import db

# Characters that file systems or unzip tools take for something else; a code's check symbol may be * ~ $ =.
_UNSAFE = re.compile(r'[\\/:*?"<>|~$=\x00-\x1f]+')


def member_name(certificate: Certificate) -> str:
    """`<holder name> <code>.pdf`, e.g. "Şəhla Əliyeva ITC-7K2M-Q9XD-4HT8.pdf" (stored as UTF-8 in the ZIP)."""
    name = _UNSAFE.sub(" ", certificate.holder_name).strip(" .") or "certificate"
    code = _UNSAFE.sub("_", certificate.code)
    return f"{' '.join(name.split())} {code}.pdf"


def cohort_certificates(cohort: Cohort) -> list[Certificate]:
    """The cohort's issued certificates (pending and revoked ones are not handed out), by holder."""
    return list(db.session.scalars(select(Certificate).join(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Certificate.status == ISSUED).order_by(Certificate.holder_name,
                                                                                 Certificate.id)))


def write_zip(cohort: Cohort) -> tuple[tempfile.SpooledTemporaryFile, list[Certificate], list[Certificate]]:
    """(the ZIP, rewound; certificates in it; certificates whose PDF could not be rendered). Renders missing
    PDFs through the one helper (the caller commits what it recorded)."""
    included, missing = [], []
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - handed to the caller
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for certificate in cohort_certificates(cohort):
            path = stored_pdf_path(certificate)
            if path is None:
                store_pdf(certificate)
                path = stored_pdf_path(certificate)
            if path is None:
                missing.append(certificate)
                continue
            archive.write(path, member_name(certificate))
            included.append(certificate)
    out.seek(0)
    return out, included, missing
