"""The trainee's timeline of the five stages, each done, open, locked or closed, with one next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.certificates.models import ISSUED
from lms.certificates.services import current_certificate
from lms.courses.models import Enrolment
from lms.courses.services import Progress, enrolment_progress, next_lesson
from lms.exams.gates import best_attempt, exam_for, exam_gate
from lms.exams.models import FINAL, STAGE1, SUBMITTED
from lms.monitoring.outcomes import ATTENDANCE_ONLY, CERTIFIED, NOT_COMPLETED, enrolment_outcome
from lms.timeutil import utcnow

DONE, OPEN, LOCKED, CLOSED = "done", "open", "locked", "closed"
STATUS_LABELS = {DONE: _l("Done"), OPEN: _l("Open now"), LOCKED: _l("Locked"), CLOSED: _l("Closed")}


@dataclass
class Stage:
    key: str
    title: str
    status: str
    detail: str
    starts: date
    ends: date
    url: str | None = None
    action: str | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class NextStep:
    text: str
    url: str | None = None
    label: str | None = None


@dataclass
class Timeline:
    enrolment: Enrolment
    progress: Progress
    stages: list[Stage]
    next_step: NextStep


def _window(today: date, starts: date, ends: date) -> str:
    if today < starts:
        return LOCKED
    if today > ends:
        return CLOSED
    return OPEN


def _exam_stage(enrolment: Enrolment, kind: str, title: str, starts: date, ends: date, now: datetime) -> Stage:
    """An exam stage: done when passed, open when its gate is, else locked or closed with the reason."""
    today = now.date()
    exam = exam_for(enrolment.cohort.programme_id, kind)
    if exam is None:
        status = _window(today, starts, ends)
        detail = {LOCKED: _("Opens on %(date)s.", date=format_date(starts)), OPEN: _("The exam is being prepared."),
                  CLOSED: _("The window closed on %(date)s.", date=format_date(ends))}[status]
        return Stage(kind, title, status, detail, starts, ends)
    best = best_attempt(enrolment, exam)
    url = url_for("exams.exam", cohort_id=enrolment.cohort_id, exam_id=exam.id)
    if best is not None and best.passed:
        return Stage(kind, title, DONE, _("Passed with %(percent)s %%.", percent=f"{best.percent:g}"), starts, ends,
                     url, _("See your result"))
    gate = exam_gate(enrolment, exam, now)
    if gate.open:
        return Stage(kind, title, OPEN, _("Open until %(date)s.", date=format_date(ends)), starts, ends, url,
                     _("Go to the exam"))
    waiting = best is not None and best.status == SUBMITTED
    if waiting:
        return Stage(kind, title, OPEN, _("Submitted; waiting for the written answers to be graded."), starts,
                     ends, url, _("See your attempt"))
    status = CLOSED if today > ends else LOCKED
    return Stage(kind, title, status, gate.reason, starts, ends, url if best else None,
                 _("See your result") if best else None)


def _intensive_stage(enrolment: Enrolment, outcome, today: date) -> Stage:
    cohort = enrolment.cohort
    programme = cohort.programme
    status = _window(today, cohort.intensive_start, cohort.intensive_ends)
    title = _("Intensive")
    if status == LOCKED:
        detail = _("%(days)d days from %(date)s.", days=len(cohort.intensive_dates),
                   date=format_date(cohort.intensive_start))
        return Stage("intensive", title, LOCKED, detail, cohort.intensive_start, cohort.intensive_ends)
    attendance = _("Attendance %(have)s %% (%(need)d %% needed).", have=f"{outcome.attendance.percent:g}",
                   need=programme.attendance_threshold)
    if status == OPEN:
        detail = _("Running until %(date)s.", date=format_date(cohort.intensive_ends)) + " " + attendance
        return Stage("intensive", title, OPEN, detail, cohort.intensive_start, cohort.intensive_ends)
    met = outcome.attendance.percent >= programme.attendance_threshold
    return Stage("intensive", title, DONE if met else CLOSED, attendance, cohort.intensive_start,
                 cohort.intensive_ends)


def _certificate_stage(enrolment: Enrolment, outcome, today: date) -> Stage:
    cohort = enrolment.cohort
    title = _("Certificate")
    certificate = current_certificate(enrolment)
    if certificate is not None and certificate.status == ISSUED:
        return Stage("certificate", title, DONE, _("%(title)s, code %(code)s.", title=certificate.title,
                                                    code=certificate.code), cohort.final_exam_on, cohort.final_exam_on)
    if certificate is not None:
        return Stage("certificate", title, OPEN, _("Every requirement is met; the certificate awaits a "
                                                   "coordinator's approval."), cohort.final_exam_on,
                     cohort.final_exam_on)
    if outcome.status == CERTIFIED:
        return Stage("certificate", title, OPEN, _("Every requirement is met."), cohort.final_exam_on,
                     cohort.final_exam_on)
    detail = _("Still needed: %(reasons)s", reasons=" ".join(outcome.reasons))
    if outcome.status == ATTENDANCE_ONLY:
        detail = _("Eligible for a certificate of attendance.") + " " + detail
    status = CLOSED if outcome.status in (ATTENDANCE_ONLY, NOT_COMPLETED) else LOCKED
    return Stage("certificate", title, status, detail, cohort.final_exam_on, cohort.final_exam_on)


def build_timeline(enrolment: Enrolment, today: date | None = None) -> Timeline:
    """The five stages for one enrolment. `today` (for tests and previews) is read as noon of that day."""
    now = utcnow() if today is None else datetime.combine(today, time(12))
    today = now.date()
    cohort = enrolment.cohort
    progress = enrolment_progress(enrolment)
    d = format_date

    if progress.complete:
        distance = Stage("distance", _("Distance learning"), DONE,
                         _("All %(n)d lessons done.", n=progress.total), cohort.distance_start, cohort.distance_ends)
    elif today < cohort.distance_start:
        distance = Stage("distance", _("Distance learning"), LOCKED,
                         _("Opens on %(date)s.", date=d(cohort.distance_start)), cohort.distance_start,
                         cohort.distance_ends)
    else:
        distance = Stage("distance", _("Distance learning"), OPEN,
                         _("%(done)d of %(total)d lessons done.", done=progress.done, total=progress.total),
                         cohort.distance_start, cohort.distance_ends)

    stage1 = _exam_stage(enrolment, STAGE1, _("Stage-1 exam"), cohort.stage1_opens, cohort.stage1_closes, now)
    outcome = enrolment_outcome(enrolment, today)
    intensive = _intensive_stage(enrolment, outcome, today)
    final = _exam_stage(enrolment, FINAL, _("Final exam"), cohort.final_exam_on, cohort.final_exam_on, now)

    certificate = _certificate_stage(enrolment, outcome, today)

    stages = [distance, stage1, intensive, final, certificate]
    return Timeline(enrolment, progress, stages, _next_step(enrolment, progress, stages, today))


def _next_step(enrolment: Enrolment, progress: Progress, stages: list[Stage], today: date) -> NextStep:
    distance, stage1, intensive, final, _certificate = stages
    cohort = enrolment.cohort
    for stage in (stage1, final):
        if stage.status == OPEN and stage.url:
            return NextStep(_("%(stage)s: %(detail)s", stage=stage.title, detail=stage.detail), stage.url,
                            stage.action)
    if distance.status == OPEN:
        lesson = next_lesson(enrolment, progress, today)
        if lesson:
            return NextStep(
                _("Continue with “%(lesson)s” in %(module)s.", lesson=lesson.title, module=lesson.module.title),
                url_for("courses.lesson", cohort_id=cohort.id, lesson_id=lesson.id),
                _("Continue learning"),
            )
        week = next((w for w in progress.weeks if w.opens_on > today), None)
        if week:
            return NextStep(_("You are up to date. Week %(n)d opens on %(date)s.", n=week.week,
                              date=format_date(week.opens_on)))
    if distance.status == LOCKED:
        return NextStep(_("Distance learning starts on %(date)s.", date=format_date(cohort.distance_start)))
    for stage in (stage1, intensive, final):
        if stage.status == OPEN:
            return NextStep(_("%(stage)s: %(detail)s", stage=stage.title, detail=stage.detail))
        if stage.status == LOCKED:
            return NextStep(_("Next: %(stage)s. %(detail)s", stage=stage.title, detail=stage.detail))
    if _certificate.status == DONE:
        return NextStep(_("Congratulations: you are certified. Download your certificate below."))
    if _certificate.status == OPEN:
        return NextStep(_("Every requirement is met: your certificate is on its way."))
    return NextStep(_certificate.detail)
