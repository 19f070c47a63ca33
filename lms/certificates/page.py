"""What the public verification page shows beyond the public record: the issuer, what the certificate entitles
its holder to, the stages they passed with their dates, and the validity in words.

The page is a hot public path: a fixed number of queries whatever the certificate (the certificate; its enrolment,
cohort and programme together; the stages and the cohort's windows; one call per stage kind)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, format_timedelta
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from lms.certificates.credential import DEFAULT_ISSUER
from lms.certificates.models import Certificate
from lms.content import pick
from lms.courses.models import Cohort, Enrolment, Programme
from lms.extensions import db
from lms.pipeline.outcome import cohort_windows, programme_stages, stage_results
from lms.pipeline.registry import stage_title
from lms.timeutil import today as clock_today
from lms.urls import external_url

VALID, EXPIRED, REVOKED, SUPERSEDED = "valid", "expired", "revoked", "superseded"


@dataclass
class CompletedStage:
    title: str
    completed_on: date | None  # the day the cohort's window for the stage closed


@dataclass
class VerifyPage:
    state: str  # valid, expired, revoked or superseded (a revocation by a corrected reissue)
    issuer: str  # the first issuing institution
    validity: str  # "Valid for another 2 years, until …", "Expired 3 months ago, on …"
    entitlement: str
    share_url: str
    stages: list[CompletedStage] = field(default_factory=list)


def state_of(certificate: Certificate, today: date) -> str:
    status = certificate.status_on(today)
    return SUPERSEDED if status == REVOKED and certificate.superseded_by_id else status


def validity_words(certificate: Certificate, state: str, today: date) -> str:
    if state in (REVOKED, SUPERSEDED):
        return _("Not in force since %(date)s.", date=format_date(certificate.revoked_on, format="long"))
    if certificate.expires_on is None:
        return _("Does not expire.")
    until = format_date(certificate.expires_on, format="long")
    if state == EXPIRED:
        ago = format_timedelta(certificate.expires_on - today, granularity="day", add_direction=True)
        return _("Expired %(ago)s, on %(date)s.", ago=ago, date=until)
    left = format_timedelta(certificate.expires_on - today, granularity="day")
    return _("Valid for another %(time)s, until %(date)s.", time=left, date=until)


def completed_stages(enrolment: Enrolment, cohort: Cohort) -> list[CompletedStage]:
    """The programme's stages the holder passed, in order, each with its window's closing day."""
    stages = programme_stages(cohort.programme_id)
    if not stages:
        return []
    windows = cohort_windows(cohort.id)
    results = stage_results(stages, cohort, [enrolment.id])[enrolment.id]
    return [CompletedStage(stage_title(s), windows[s.id].closes_on if s.id in windows else None)
            for s in stages if results[s.key].passed]


def verify_page(certificate: Certificate, today: date | None = None) -> VerifyPage:
    today = today or clock_today()
    # One query puts the enrolment, its cohort and programme in the session: the template reads them for free.
    enrolment, cohort, programme = db.session.execute(
        select(Enrolment, Cohort, Programme).join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id)
        .where(Enrolment.id == certificate.enrolment_id)).one()
    # The session holds objects weakly: tie them to the certificate, so the template's reads cost no query.
    set_committed_value(certificate, "enrolment", enrolment)
    set_committed_value(enrolment, "cohort", cohort)
    set_committed_value(cohort, "programme", programme)
    state = state_of(certificate, today)
    issuer = next((line.strip() for line in (programme.issuer or "").splitlines() if line.strip()), DEFAULT_ISSUER)
    return VerifyPage(state=state, issuer=issuer, validity=validity_words(certificate, state, today),
                      entitlement=pick(programme.entitlement),
                      share_url=external_url("verify.certificate", code=certificate.code),
                      stages=completed_stages(enrolment, cohort))
