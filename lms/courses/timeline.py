"""The trainee's timeline of the five stages, each done, open, locked or closed, with one next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.courses.models import Enrolment
from lms.courses.services import Progress, enrolment_progress, next_lesson
from lms.timeutil import today as clock_today

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


def build_timeline(enrolment: Enrolment, today: date | None = None) -> Timeline:
    today = today or clock_today()
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

    stage1_status = _window(today, cohort.stage1_opens, cohort.stage1_closes)
    if stage1_status == LOCKED:
        stage1_detail = _("Opens on %(date)s.", date=d(cohort.stage1_opens))
    elif stage1_status == CLOSED:
        stage1_detail = _("The window closed on %(date)s.", date=d(cohort.stage1_closes))
    elif not progress.complete:
        stage1_status = LOCKED
        stage1_detail = _("Opens when every distance module is done (window until %(date)s).",
                          date=d(cohort.stage1_closes))
    else:
        stage1_detail = _("Open until %(date)s.", date=d(cohort.stage1_closes))
    stage1 = Stage("stage1", _("Stage-1 exam"), stage1_status, stage1_detail, cohort.stage1_opens,
                   cohort.stage1_closes)

    intensive_status = _window(today, cohort.intensive_start, cohort.intensive_ends)
    intensive_detail = {
        LOCKED: _("%(days)d days from %(date)s.", days=len(cohort.intensive_dates), date=d(cohort.intensive_start)),
        OPEN: _("Running until %(date)s.", date=d(cohort.intensive_ends)),
        CLOSED: _("Ended on %(date)s.", date=d(cohort.intensive_ends)),
    }[intensive_status]
    if intensive_status == CLOSED:
        intensive_status = DONE
    intensive = Stage("intensive", _("Intensive"), intensive_status, intensive_detail, cohort.intensive_start,
                      cohort.intensive_ends)

    final_status = _window(today, cohort.final_exam_on, cohort.final_exam_on)
    final_detail = {
        LOCKED: _("On %(date)s.", date=d(cohort.final_exam_on)),
        OPEN: _("Today."),
        CLOSED: _("Held on %(date)s.", date=d(cohort.final_exam_on)),
    }[final_status]
    final = Stage("final", _("Final exam"), final_status, final_detail, cohort.final_exam_on, cohort.final_exam_on)

    certificate = Stage("certificate", _("Certificate"), LOCKED,
                        _("Issued when every requirement is met."), cohort.final_exam_on, cohort.final_exam_on)

    stages = [distance, stage1, intensive, final, certificate]
    return Timeline(enrolment, progress, stages, _next_step(enrolment, progress, stages, today))


def _next_step(enrolment: Enrolment, progress: Progress, stages: list[Stage], today: date) -> NextStep:
    distance, stage1, intensive, final, _certificate = stages
    cohort = enrolment.cohort
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
    return NextStep(_("Your certificate is issued once every requirement is met."))
