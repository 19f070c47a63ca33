"""Verification for employers and machines: look a code up, count it, check an uploaded PDF, the registry."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import current_app, g
from sqlalchemy import bindparam, func, or_, select, update

from lms.auth.models import User
from lms.certificates.codes import CodeError, normalise
from lms.certificates.credential import verify_issued
from lms.certificates.models import ISSUED, PENDING, TRAINER_CERTIFICATE, Certificate
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.timeutil import today as clock_today

log = logging.getLogger(__name__)


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


# The API's one query: the columns its answer needs, compiled once (SQLAlchemy caches the statement by shape).
_API_QUERY = select(Certificate.id, Certificate.code, Certificate.status, Certificate.holder_name,
                    Certificate.programme_name, Certificate.issued_on, Certificate.expires_on,
                    Certificate.revoked_reason).where(Certificate.code == bindparam("code"),
                                                      Certificate.status != PENDING)


def api_record(code: str, today: date | None = None) -> tuple[int, dict] | None:
    """(certificate id, the API's body) for a normalised code, or None: one narrow Core select, no ORM objects."""
    row = db.session.connection().execute(_API_QUERY, {"code": code}).first()
    if row is None:
        return None
    return row.id, {
        "code": row.code,
        "status": Certificate.status_on(row, today or clock_today()),  # the model's rule, on the selected row
        "holder": row.holder_name,
        "programme": row.programme_name,
        "issued_on": row.issued_on.isoformat() if row.issued_on else None,
        "expires_on": row.expires_on.isoformat() if row.expires_on else None,
        "revoked_reason": row.revoked_reason or None,
    }


class _Counts:
    """Verification counts gathered in the process and written in one short transaction every few seconds.

    Verification is the hot public path: a write per request would serialise every request on SQLite and
    make one row hot on PostgreSQL. A crash loses at most the last few seconds of counts.
    """

    def __init__(self) -> None:
        self.pending: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()

    def add(self, certificate_id: int) -> None:
        with self.lock:
            self.pending[certificate_id] += 1

    def flush_due(self, every: float) -> bool:
        return bool(self.pending) and time.monotonic() - self.last_flush >= every

    def take(self) -> dict[int, int]:
        with self.lock:
            taken, self.pending = dict(self.pending), Counter()
            self.last_flush = time.monotonic()
        return taken


def init_app(app) -> None:
    """The counts belong to the application (and so to its database), one set per app."""
    app.extensions["verification_counts"] = _Counts()


def _app_counts() -> _Counts:
    return current_app.extensions["verification_counts"]


def count_verification(certificate: Certificate | int) -> bool:
    """One more verification; nothing about who verified is stored. True when counts were written (commit)."""
    counts = _app_counts()
    counts.add(certificate if isinstance(certificate, int) else certificate.id)
    if not counts.flush_due(current_app.config.get("VERIFY_COUNT_FLUSH_SECONDS", 5)):
        return False
    return flush_verification_counts()


def flush_verification_counts() -> bool:
    taken = _app_counts().take()
    for certificate_id, n in taken.items():
        db.session.execute(update(Certificate).where(Certificate.id == certificate_id)
                           .values(verifications=Certificate.verifications + n)
                           .execution_options(synchronize_session=False))
    return bool(taken)


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


def is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF at all: its header, which readers accept within the first 1024 bytes."""
    return b"%PDF-" in data[:1024]


# How an uploaded PDF was matched to a certificate (g.upload_match, for templates/verify/upload.html).
MATCHED_EXACTLY = "exact"  # the very bytes we stored when the certificate was rendered
MATCHED_BY_CREDENTIAL = "credential"  # other bytes, but carrying our signed credential of the certificate
CREDENTIAL_ATTACHMENT = "credential.json"  # as lms.certificates.pdf embeds it
MAX_CREDENTIAL_BYTES = 256 * 1024


@dataclass
class UploadMatch:
    certificate: Certificate
    how: str


def check_upload(data: bytes) -> UploadMatch | None:
    """Match an uploaded PDF: by the SHA-256 of the stored file, else by the signed credential embedded in it.

    A copy that was saved again (by a viewer, a printer driver, an e-mail system) has other bytes, so its hash
    is unknown; if it still carries a credential.json whose proof verifies with our key and whose certificate
    exists, the certificate is reported with MATCHED_BY_CREDENTIAL: the credential is ours, the printed part
    could not be compared byte for byte.
    """
    digest = hashlib.sha256(data).hexdigest()
    certificate = db.session.scalar(select(Certificate).where(Certificate.pdf_sha256 == digest,
                                                              Certificate.status != PENDING))
    if certificate is not None:
        return UploadMatch(certificate, MATCHED_EXACTLY)
    credential = embedded_credential(data)
    if credential is None or not verify_issued(credential):  # our keys, current or retired
        return None
    code = _credential_code(credential)
    found = lookup(code).certificate if code else None
    return UploadMatch(found, MATCHED_BY_CREDENTIAL) if found is not None else None


def match_upload(data: bytes) -> Certificate | None:
    """The certificate an uploaded PDF belongs to (see check_upload), if any; how it matched goes to g."""
    match = check_upload(data)
    g.upload_match = match.how if match else None
    return match.certificate if match else None


def embedded_credential(data: bytes) -> dict | None:
    """The JSON object of the PDF's embedded credential.json, or None (no PDF, no such file, not JSON)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        for attachment in reader.attachment_list:
            if attachment.name != CREDENTIAL_ATTACHMENT:
                continue
            content = attachment.content
            if len(content) > MAX_CREDENTIAL_BYTES:
                return None
            document = json.loads(content)
            return document if isinstance(document, dict) else None
    except Exception:  # noqa: BLE001 - an uploaded file may be broken in any way pypdf can meet
        log.info("Could not read an embedded credential from an uploaded PDF", exc_info=True)
    return None


def _credential_code(credential: dict) -> str | None:
    """The certificate code of our credential: its id is <BASE_URL>/verify/<code>."""
    identifier = credential.get("id")
    if not isinstance(identifier, str) or "/verify/" not in identifier:
        return None
    return identifier.rsplit("/verify/", 1)[1].split("?", 1)[0].split("#", 1)[0] or None


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
