"""Verification for employers and machines: look a code up, count it, check an uploaded PDF, the registry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, update

from lms.auth.models import User
from lms.certificates.codes import CodeError, normalise
from lms.certificates.models import ISSUED, PENDING, TRAINER_CERTIFICATE, Certificate
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.timeutil import today as clock_today


@dataclass
class Lookup:
    code: str | None
    certificate: Certificate | None
    error: str | None = None
    typo: bool = False


def lookup(text: str) -> Lookup:
    """Normalise a typed code and find its certificate (pending ones are not public)."""
    try:
        code = normalise(text)
    except CodeError as error:
        return Lookup(None, None, str(error), error.typo)
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code,
                                                              Certificate.status != PENDING))
    return Lookup(code, certificate)


def count_verification(certificate: Certificate) -> None:
    """One more verification; nothing about who verified is stored."""
    db.session.execute(update(Certificate).where(Certificate.id == certificate.id)
                       .values(verifications=Certificate.verifications + 1)
                       .execution_options(synchronize_session=False))


def public_record(certificate: Certificate, today: date | None = None) -> dict:
    """What anyone may know about a certificate: the JSON API's body. Never an e-mail address."""
    today = today or clock_today()
    return {
        "code": certificate.code,
        "status": certificate.status_on(today),
        "holder": certificate.holder_name,
        "programme": certificate.programme_name,
        "title": certificate.title,
        "kind": certificate.kind,
        "issued_on": certificate.issued_on.isoformat() if certificate.issued_on else None,
        "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
        "revoked_on": certificate.revoked_on.isoformat() if certificate.revoked_on else None,
        "revoked_reason": certificate.revoked_reason or None,
    }


def match_upload(data: bytes) -> Certificate | None:
    """The certificate whose stored PDF is exactly these bytes, if any."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(select(Certificate).where(Certificate.pdf_sha256 == digest,
                                                       Certificate.status != PENDING))


def registry(name: str = "", programme: str = "", country: str = "", today: date | None = None,
             limit: int = 200) -> list[tuple[Certificate, str]]:
    """Listed, valid trainer certificates with the holder's country, searchable. One query."""
    today = today or clock_today()
    query = (select(Certificate, User.country).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
             .join(User, User.id == Enrolment.user_id)
             .where(Certificate.listed.is_(True), Certificate.status == ISSUED,
                    Certificate.kind == TRAINER_CERTIFICATE,
                    or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today))
             .order_by(func.lower(Certificate.holder_name)).limit(limit))
    if name.strip():
        query = query.where(func.lower(Certificate.holder_name).contains(name.strip().lower(), autoescape=True))
    if programme.strip():
        query = query.where(func.lower(Certificate.programme_name).contains(programme.strip().lower(), autoescape=True))
    if country.strip():
        query = query.where(func.lower(User.country).contains(country.strip().lower(), autoescape=True))
    return list(db.session.execute(query).tuples())
