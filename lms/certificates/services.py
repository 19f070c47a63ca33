"""Issuing, approving, revoking and reissuing certificates, each in the audit trail."""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.certificates.codes import generate_code
from lms.certificates.models import (
    ATTENDANCE_CERTIFICATE,
    ISSUED,
    PENDING,
    REVOKED,
    TRAINER_CERTIFICATE,
    AuditEntry,
    Certificate,
    Withholding,
)
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import RuleError
from lms.extensions import db
from lms.monitoring.outcomes import ATTENDANCE_ONLY, CERTIFIED, cohort_outcomes
from lms.timeutil import today as clock_today
from lms.urls import base_url_problem

log = logging.getLogger(__name__)
SUPERSEDED = "Superseded by a reissued certificate"


def audit(action: str, certificate: Certificate, actor=None, note: str = "", **details) -> None:
    db.session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, subject="certificate",
                              subject_id=certificate.id, details=details, note=note))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 March + 1 month: 30 April)."""
    import calendar  # noqa: PLC0415

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _unique_code() -> str:
    while True:
        code = generate_code()
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def current_certificate(enrolment: Enrolment, kind: str | None = None) -> Certificate | None:
    """The enrolment's certificate that is not revoked (pending or issued), newest first."""
    query = select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.status != REVOKED)
    if kind:
        query = query.where(Certificate.kind == kind)
    return db.session.scalar(query.order_by(Certificate.id.desc()))


def ensure_issuable_address() -> None:
    """A certificate carries BASE_URL for good (QR code, printed link, credential): refuse a wrong one."""
    problem = base_url_problem(current_app.config)
    if problem:
        raise RuleError(problem)


def create_certificate(enrolment: Enrolment, kind: str, actor=None, today: date | None = None,
                       holder_name: str | None = None) -> Certificate:
    ensure_issuable_address()
    today = today or clock_today()
    programme = enrolment.cohort.programme
    certificate = Certificate(
        enrolment=enrolment, kind=kind, code=_unique_code(),
        holder_name=holder_name or enrolment.user.name,
        title=programme.certificate_title if kind == TRAINER_CERTIFICATE else programme.attendance_certificate_title,
        programme_name=programme.name, language=enrolment.user.language or "en",
    )
    db.session.add(certificate)
    db.session.flush()
    if programme.requires_approval:
        certificate.status = PENDING
        audit("requested", certificate, actor, kind=kind)
    else:
        _mark_issued(certificate, today, actor)
    return certificate


def _mark_issued(certificate: Certificate, today: date, actor=None) -> None:
    programme = certificate.enrolment.cohort.programme
    certificate.status = ISSUED
    certificate.issued_on = today
    months = programme.validity_months if programme.validity_months is not None else 12 * programme.validity_years
    certificate.expires_on = (add_months(today, months)
                              if certificate.kind == TRAINER_CERTIFICATE and months else None)
    audit("issued", certificate, actor, code=certificate.code, kind=certificate.kind,
          expires_on=certificate.expires_on.isoformat() if certificate.expires_on else None)
    db.session.flush()


def approve(certificate: Certificate, actor, today: date | None = None) -> None:
    if certificate.status != PENDING:
        raise RuleError(_("Only a certificate waiting for approval can be approved."))
    ensure_issuable_address()
    _mark_issued(certificate, today or clock_today(), actor)


def revoke(certificate: Certificate, reason: str, actor, today: date | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("Give the reason for the revocation; employers who verify the code will see it."))
    if certificate.status == REVOKED:
        raise RuleError(_("This certificate is already revoked."))
    certificate.status = REVOKED
    certificate.revoked_on = today or clock_today()
    certificate.revoked_reason = reason[:500]
    certificate.listed = False
    audit("revoked", certificate, actor, note=reason, code=certificate.code)
    db.session.flush()


def reissue(certificate: Certificate, holder_name: str, actor, today: date | None = None) -> Certificate:
    """A corrected certificate with a new code; the old code then verifies as revoked, superseded."""
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise RuleError(_("Give the name as it should appear on the certificate."))
    if certificate.status == REVOKED:
        raise RuleError(_("A revoked certificate cannot be reissued."))
    today = today or clock_today()
    new = create_certificate(certificate.enrolment, certificate.kind, actor, today, holder_name=holder_name)
    if new.status == PENDING:  # a correction of an issued certificate needs no second approval
        _mark_issued(new, today, actor)
    new.issued_on, new.expires_on = today, certificate.expires_on
    new.listed = certificate.listed
    certificate.status, certificate.revoked_on = REVOKED, today
    certificate.revoked_reason, certificate.superseded_by_id, certificate.listed = SUPERSEDED, new.id, False
    audit("reissued", certificate, actor, note=holder_name, old_code=certificate.code, new_code=new.code)
    db.session.flush()
    return new


def issue_due(cohort: Cohort, actor=None, today: date | None = None) -> list[Certificate]:
    """Issue (or request approval of) the certificate of every enrolment whose outcome now earns one."""
    ensure_issuable_address()
    today = today or clock_today()
    outcomes = cohort_outcomes(cohort, today)
    existing = {(c.enrolment_id, c.kind) for c in db.session.scalars(
        select(Certificate).join(Enrolment).where(Enrolment.cohort_id == cohort.id, Certificate.status != REVOKED))}
    has_trainer = {eid for eid, kind in existing if kind == TRAINER_CERTIFICATE}
    withheld = withheld_enrolment_ids(cohort)
    made = []
    enrolments = {e.id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))}
    for enrolment_id, outcome in outcomes.items():
        if enrolment_id in withheld:
            continue
        if outcome.status == CERTIFIED:
            kind = TRAINER_CERTIFICATE
        elif outcome.status == ATTENDANCE_ONLY and enrolment_id not in has_trainer:
            kind = ATTENDANCE_CERTIFICATE
        else:
            continue
        if (enrolment_id, kind) in existing:
            continue
        made.append(create_certificate(enrolments[enrolment_id], kind, actor, today))
    return made


def certificates_of(user) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).join(Enrolment).where(Enrolment.user_id == user.id)
                                   .order_by(Certificate.id.desc())))


def find_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code, Certificate.status != PENDING))


# ---- one person: a coordinator's decision, with the reason, in the audit trail -------------------------------


def _audit_enrolment(action: str, enrolment: Enrolment, actor, note: str, **details) -> None:
    db.session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, subject="enrolment",
                              subject_id=enrolment.id, details=details, note=note))


def withheld_enrolment_ids(cohort: Cohort) -> set[int]:
    return set(db.session.scalars(select(Withholding.enrolment_id).join(Enrolment)
                                  .where(Enrolment.cohort_id == cohort.id)))


def withholding_of(enrolment: Enrolment) -> Withholding | None:
    return db.session.scalar(select(Withholding).where(Withholding.enrolment_id == enrolment.id))


def issue_one(enrolment: Enrolment, kind: str, reason: str, actor, today: date | None = None) -> Certificate:
    """Issue a certificate to one person on a coordinator's decision (e.g. a recognised equivalent), whatever
    the outcome rules say; the reason goes to the audit trail. A withholding of the enrolment is lifted."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("Give the reason for issuing this certificate; it is kept in the audit trail."))
    if kind not in (TRAINER_CERTIFICATE, ATTENDANCE_CERTIFICATE):
        raise RuleError(_("Choose the kind of certificate."))
    if current_certificate(enrolment, kind) is not None:
        raise RuleError(_("%(name)s already has this certificate.", name=enrolment.user.name))
    withholding = withholding_of(enrolment)
    if withholding is not None:
        db.session.delete(withholding)
    certificate = create_certificate(enrolment, kind, actor, today)
    audit("issued_by_decision", certificate, actor, note=reason[:500], code=certificate.code, kind=kind,
          withholding_lifted=withholding is not None)
    db.session.flush()
    return certificate


def withhold(enrolment: Enrolment, reason: str, actor) -> Withholding:
    """Keep an enrolment's due certificate from being issued until the coordinator lifts it."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("Give the reason for withholding the certificate; it is kept in the audit trail."))
    if withholding_of(enrolment) is not None:
        raise RuleError(_("The certificate of %(name)s is already withheld.", name=enrolment.user.name))
    withholding = Withholding(enrolment=enrolment, reason=reason[:500], actor_id=actor.id if actor else None)
    db.session.add(withholding)
    _audit_enrolment("withheld", enrolment, actor, reason[:500], holder=enrolment.user.name)
    db.session.flush()
    return withholding


def lift_withholding(enrolment: Enrolment, actor) -> None:
    withholding = withholding_of(enrolment)
    if withholding is None:
        raise RuleError(_("The certificate of %(name)s is not withheld.", name=enrolment.user.name))
    db.session.delete(withholding)
    _audit_enrolment("withholding_lifted", enrolment, actor, withholding.reason, holder=enrolment.user.name)
    db.session.flush()
