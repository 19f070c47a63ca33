"""The `exam` stage kind: an online exam of the stage's own, passed at the stage's pass mark."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Enrolment
from lms.exams import grading, services
from lms.exams.gates import attempts_used, exam_gate
from lms.exams.models import GRADED, IN_PROGRESS, Exam, ExamAttempt
from lms.extensions import db
from lms.pipeline.registry import CalendarEvent, Cell, StageKind, StageResult, register, stage_title
from lms.pipeline.timeline import CLOSED, DONE, LOCKED, OPEN, WAITING, NextStep


def pass_mark(stage) -> int:
    return int((stage.rule or {}).get("score", 0))


def exam_of(stage) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.stage_id == stage.id).order_by(Exam.id).limit(1))


@register
class ExamKind(StageKind):
    name = "exam"
    scored = True

    def results(self, stages, cohort, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], StageResult]:
        """The attempt that counts is the best graded one; any ungraded submission means waiting. One query."""
        wanted = set(enrolment_ids)
        results: dict[tuple[int, int], StageResult] = {}
        rows = db.session.execute(
            select(ExamAttempt.enrolment_id, Exam.stage_id, ExamAttempt.status, ExamAttempt.percent,
                   ExamAttempt.passed)
            .join(Exam, Exam.id == ExamAttempt.exam_id)
            .join(Enrolment, Enrolment.id == ExamAttempt.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id, Exam.stage_id.in_([s.id for s in stages]),
                   ExamAttempt.status != IN_PROGRESS))
        for enrolment_id, stage_id, status, percent, passed in rows:
            if enrolment_id not in wanted:
                continue
            result = results.setdefault((stage_id, enrolment_id), StageResult())
            result.attempts += 1
            if status != GRADED:
                result.waiting = True
                continue
            if result.percent is None or (percent or 0) > result.percent:
                result.percent = percent
            result.passed = result.passed or bool(passed)
        for result in results.values():
            result.waiting = result.waiting and not result.passed
        return results

    def reason(self, stage, result: StageResult) -> str:
        title = stage_title(stage)
        if result.waiting:
            return _("%(stage)s waiting for grading.", stage=title)
        if result.attempts:
            return _("%(stage)s %(have)s %%, %(need)d %% needed.", stage=title, have=f"{result.percent or 0:g}",
                     need=pass_mark(stage))
        return _("%(stage)s not taken yet.", stage=title)

    def gate_reason(self, stage, result: StageResult) -> str:
        if result.waiting:
            return _("Opens when your answers in “%(stage)s” are graded.", stage=stage_title(stage))
        return _("Opens after you pass “%(stage)s”.", stage=stage_title(stage))

    def has_results(self, stage) -> bool:
        return bool(db.session.scalar(select(func.count()).select_from(ExamAttempt)
                                      .join(Exam, Exam.id == ExamAttempt.exam_id).where(Exam.stage_id == stage.id)))

    def card(self, context):
        """Passed; waiting for grading; open (with what a retake needs); every attempt used (and what happens
        next); or locked / closed with the reason."""
        stage, result = context.stage, context.result
        exam = exam_of(stage)
        if exam is None:
            status = context.window_status()
            detail = {LOCKED: context.opens_text(), OPEN: _("The exam is being prepared."),
                      CLOSED: _("The window closed on %(date)s.", date=format_date(context.closes))}[status]
            return context.card(status, detail)
        url = url_for("exams.exam", cohort_id=context.enrolment.cohort_id, exam_id=exam.id)
        if result.passed:
            return context.card(DONE, _("Passed with %(percent)s %%.", percent=f"{result.percent:g}"), url=url,
                                action=_("See your result"))
        if result.waiting:
            return context.card(WAITING, _("Submitted; waiting for the written answers to be graded."), url=url,
                                action=_("See your attempt"))
        gate = exam_gate(context.enrolment, exam, context.now)
        used, allowed = attempts_used(context.enrolment, exam), exam.max_attempts
        failed = _("Not passed yet: %(have)s %%, %(need)d %% needed.", have=f"{result.percent or 0:g}",
                   need=pass_mark(stage)) if result.attempts else ""
        if gate.open:
            left = "" if allowed is None or not used else ngettext(
                "%(num)d attempt left.", "%(num)d attempts left.", allowed - used)
            until = _("Open until %(date)s.", date=format_date(context.closes)) if context.closes else ""
            return context.card(OPEN, " ".join(t for t in (failed, left, until) if t), url=url,
                                action=_("Go to the exam"))
        if result.attempts and allowed is not None and used >= allowed:
            return context.card(CLOSED, failed + " " + ngettext(
                "You have used your only attempt. Ask your coordinator about a re-sit or an appeal.",
                "You have used all %(num)d attempts. Ask your coordinator about a re-sit or an appeal.", allowed),
                url=url, action=_("See your result"))
        status = CLOSED if context.closes and context.today > context.closes else LOCKED
        return context.card(status, gate.reason, url=url if result.attempts else None,
                            action=_("See your result") if result.attempts else None)

    def cell(self, stage, result: StageResult) -> Cell:
        cell = super().cell(stage, result)
        return Cell(cell.value, (*cell.badges, "waiting")) if result.waiting else cell

    def events(self, stage, opens, closes, cohort) -> list[CalendarEvent]:
        """The exam's window; an exam of one day is held where the cohort meets."""
        if opens is None:
            return []
        if closes is None or closes == opens:
            return [CalendarEvent(stage.key, stage_title(stage), opens, opens, cohort.venue)]
        return [CalendarEvent(stage.key, _("%(stage)s window", stage=stage_title(stage)), opens, closes)]

    def simulate(self, stage, enrolment, opens, closes, skill, rng, actor) -> None:
        """Sit the exam on its first day if its gate is open; a participant held at a gate stops there."""
        from lms.exams.simulation import answer  # noqa: PLC0415 - the demo's answering robot

        exam = exam_of(stage)
        when = datetime.combine(opens, time(9)) if opens else None
        if exam is None or when is None or not exam_gate(enrolment, exam, when).open:
            return
        attempt = services.start_attempt(exam, enrolment, when, rng=rng)
        answer(attempt, when + timedelta(minutes=5), skill=skill, rng=rng)
        services.submit_attempt(attempt, when + timedelta(minutes=20))
        for slot in attempt.slots:
            if slot.needs_grading and actor is not None:
                grading.grade_answer(slot, round(slot.question.points * skill), "Simulated grade.", actor)

    def risks(self, stage, result: StageResult) -> list[str]:
        if result.attempts and not result.passed and not result.waiting:
            return [_("%(stage)s failed", stage=stage_title(stage))]
        return []

    def next_step(self, context, card):
        if card.status == OPEN and card.url:
            return NextStep(_("%(stage)s: %(detail)s", stage=card.title, detail=card.detail), card.url, card.action)
        return None
