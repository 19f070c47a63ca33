"""Certificates, their stored PDFs, and the audit trail of issues, revocations and reissues."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow

TRAINER_CERTIFICATE, ATTENDANCE_CERTIFICATE = "trainer", "attendance"
PENDING, ISSUED, REVOKED = "pending", "issued", "revoked"


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=TRAINER_CERTIFICATE)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    # What the document says, fixed at issue so later edits to a programme or a name don't alter it.
    holder_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    programme_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="en")
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    revoked_on: Mapped[date | None]
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    pdf_file: Mapped[str] = mapped_column(String(100), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    rendered_at: Mapped[datetime | None]
    verifications: Mapped[int] = mapped_column(default=0)
    listed: Mapped[bool] = mapped_column(default=False)  # the holder chose to appear in the public registry
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    def status_on(self, day: date) -> str:
        """valid, expired or revoked (pending certificates are not public)."""
        if self.status == REVOKED:
            return "revoked"
        if self.expires_on and day > self.expires_on:
            return "expired"
        return "valid"


class AuditEntry(db.Model):
    """Who did what to which record, and when: issues, approvals, revocations, reissues."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()


class Withholding(db.Model):
    """A coordinator's decision that an enrolment's due certificate is not issued (yet), with the reason;
    `issue_due` skips the enrolment until the coordinator lifts it (the row is then deleted, both audited)."""

    __tablename__ = "certificate_withholdings"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    actor: Mapped[User | None] = relationship()
