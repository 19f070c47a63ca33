"""The `sessions` stage kind (attendance at sessions in the room or online, passed at an attendance share)
and the `practical` stage kind (a rubric-scored teach-back with the two-marker rules)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.extensions import db
from lms.intensive.models import ABSENT, EXCUSED, Attendance, IntensiveSession, PracticalScore
from lms.intensive.services import (
    AttendanceSummary,
    PracticalResult,
    ensure_sessions,
    mark_attendance,
    score_practical,
    stage_attendance,
    stage_practicals,
    stage_rubric,
)
from lms.pipeline.registry import CalendarEvent, Cell, StageKind, StageResult, register, stage_title
from lms.pipeline.timeline import CLOSED, DONE, LOCKED, OPEN


def _need(stage, key: str) -> int:
    return int((stage.rule or {}).get(key, 0))


@register
class SessionsKind(StageKind):
    name = "sessions"

    def results(self, stages, cohort, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], StageResult]:
        wanted = set(enrolment_ids)
        results = {}
        for (stage_id, enrolment_id), summary in stage_attendance(cohort, stages).items():
            if enrolment_id in wanted:
                stage = next(s for s in stages if s.id == stage_id)
                results[(stage_id, enrolment_id)] = StageResult(
                    passed=summary.percent >= _need(stage, "attendance"), percent=summary.percent,
                    attempts=summary.marked, detail=summary)
        for stage in stages:  # nobody marked yet: 0 % attended, passed only where nothing is required
            planned = int((stage.settings or {}).get("sessions", 0))
            for enrolment_id in wanted:
                results.setdefault((stage.id, enrolment_id), StageResult(
                    passed=_need(stage, "attendance") <= 0, percent=0.0, detail=AttendanceSummary(planned)))
        return results

    def reason(self, stage, result: StageResult) -> str:
        return _("Attendance %(have)s %%, %(need)d %% needed.", have=f"{result.percent or 0:g}",
                 need=_need(stage, "attendance"))

    def gate_reason(self, stage, result: StageResult) -> str:
        return self.reason(stage, result)

    def has_results(self, stage) -> bool:
        return bool(db.session.scalar(select(func.count()).select_from(Attendance)
                                      .join(IntensiveSession, IntensiveSession.id == Attendance.session_id)
                                      .where(IntensiveSession.stage_id == stage.id)))

    def cell(self, stage, result: StageResult) -> Cell:
        summary = result.detail
        note = _("%(marked)d/%(planned)d days marked", marked=summary.marked,
                 planned=summary.total_days) if summary else ""
        return Cell(result.percent or 0.0, note=note)

    def events(self, stage, opens, closes, cohort) -> list[CalendarEvent]:
        """A day a session, where the cohort meets and with its online link."""
        if opens is None:
            return []
        days = max(1, ((closes or opens) - opens).days + 1)
        return [CalendarEvent(f"{stage.key}{n}", _("%(stage)s, day %(n)d", stage=stage_title(stage), n=n),
                              opens + timedelta(days=n - 1), opens + timedelta(days=n - 1), cohort.venue,
                              cohort.online_link, cohort.online_link or None)
                for n in range(1, days + 1)]

    def simulate(self, stage, enrolment, opens, closes, skill, rng, actor) -> None:
        """Attendance each day; a weaker participant misses more."""
        for session in ensure_sessions(enrolment.cohort, stage):
            status = "present" if rng.random() < 0.75 + skill / 4 else rng.choice(["late", "absent", "excused"])
            mark_attendance(session, {enrolment.id: (status, "")}, actor, session.on)

    def certificate_detail(self, stage, opens, closes) -> str:
        days = (closes - opens).days + 1 if opens and closes else 0
        return ngettext("%(num)d day", "%(num)d days", days) if days else ""

    def risks(self, stage, result: StageResult) -> list[str]:
        statuses = list(result.detail.by_day.values()) if result.detail else []
        absences, excused = statuses.count(ABSENT), statuses.count(EXCUSED)
        flags = [ngettext("%(num)d absence", "%(num)d absences", absences)] if absences else []
        if excused:
            flags.append(ngettext("%(num)d excused", "%(num)d excused", excused))
        return flags

    def card(self, context):
        status, stage = context.window_status(), context.stage
        planned = int((stage.settings or {}).get("sessions", 0))
        if status == LOCKED:
            return context.card(LOCKED, _("%(days)d days from %(date)s.", days=planned,
                                          date=format_date(context.opens)))
        attendance = _("Attendance %(have)s %% (%(need)d %% needed).", have=f"{context.result.percent or 0:g}",
                       need=_need(stage, "attendance"))
        if status == OPEN:
            return context.card(
                OPEN, _("Running until %(date)s.", date=format_date(context.closes)) + " " + attendance,
                extra_url=url_for("intensive.checkin", cohort_id=context.enrolment.cohort_id),
                extra_action=_("Check in"))
        return context.card(DONE if context.result.passed else CLOSED, attendance)


@register
class PracticalKind(StageKind):
    name = "practical"
    scored = True

    def events(self, stage, opens, closes, cohort) -> list[CalendarEvent]:
        return []  # scored during the sessions, which are in the calendar already

    def simulate(self, stage, enrolment, opens, closes, skill, rng, actor) -> None:
        criteria = stage_rubric(stage)
        if criteria and actor is not None:
            scores = {c.id: min(c.scale_max, max(0, round(c.scale_max * skill + rng.uniform(-1, 0.5))))
                      for c in criteria}
            score_practical(enrolment, actor, scores, "Simulated teach-back.", stage=stage)

    def cell(self, stage, result: StageResult) -> Cell:
        cell = super().cell(stage, result)
        if result.detail is not None and result.detail.disagreement:
            return Cell(cell.value, (*cell.badges, "disagree"))
        return cell

    def results(self, stages, cohort, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], StageResult]:
        wanted = set(enrolment_ids)
        found, max_totals = stage_practicals(cohort, stages)
        results = {key: StageResult(passed=bool(result.passed), percent=result.percent, attempts=result.markers,
                                    detail=result)
                   for key, result in found.items() if key[1] in wanted}
        for stage in stages:  # not scored yet
            for enrolment_id in wanted:
                results.setdefault((stage.id, enrolment_id),
                                   StageResult(detail=PracticalResult(0, max_total=max_totals[stage.id])))
        return results

    def reason(self, stage, result: StageResult) -> str:
        title, practical = stage_title(stage), result.detail
        if practical is None or practical.markers == 0:
            return _("%(stage)s not scored yet.", stage=title)
        if practical.below_minimum:
            return _("%(stage)s: below the minimum on %(names)s.", stage=title,
                     names=", ".join(practical.below_minimum))
        return _("%(stage)s %(have)s %%, %(need)d %% needed.", stage=title, have=f"{practical.percent or 0:g}",
                 need=_need(stage, "score"))

    def gate_reason(self, stage, result: StageResult) -> str:
        return _("Opens after your “%(stage)s” is scored and passed.", stage=stage_title(stage))

    def has_results(self, stage) -> bool:
        return bool(db.session.scalar(select(func.count()).select_from(PracticalScore)
                                      .where(PracticalScore.stage_id == stage.id)))

    def card(self, context):
        result, status = context.result, context.window_status()
        if result.passed:
            return context.card(DONE, _("Passed with %(percent)s %%.", percent=f"{result.percent:g}"))
        if status == LOCKED:
            return context.card(LOCKED, _("Scored between %(start)s and %(end)s.", start=format_date(context.opens),
                                          end=format_date(context.closes)))
        return context.card(OPEN if status == OPEN else CLOSED, self.reason(context.stage, result))
