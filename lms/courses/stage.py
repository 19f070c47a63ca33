"""The `modules` stage kind: a block of distance modules, passed when the stage's share of lessons is done."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Enrolment, Lesson, LessonCompletion, Module
from lms.courses.services import enrolment_progress, mark_lesson_done, next_lesson
from lms.extensions import db
from lms.pipeline.registry import CalendarEvent, Cell, StageKind, StageResult, register, stage_title
from lms.pipeline.timeline import DONE, LOCKED, OPEN, NextStep


def required_share(stage) -> int:
    return int((stage.rule or {}).get("modules", 100))


@register
class ModulesKind(StageKind):
    name = "modules"

    def results(self, stages, cohort, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], StageResult]:
        """Lessons done of each stage's modules. Two queries."""
        lessons: dict[int, int] = {}  # lesson id -> stage id
        stage_ids = [s.id for s in stages]
        for stage_id, lesson_id in db.session.execute(
                select(Module.stage_id, Lesson.id).join(Lesson.module).where(Module.stage_id.in_(stage_ids))):
            lessons[lesson_id] = stage_id
        totals: dict[int, int] = defaultdict(int)
        for stage_id in lessons.values():
            totals[stage_id] += 1
        done: dict[tuple[int, int], int] = defaultdict(int)
        for enrolment_id, lesson_id in db.session.execute(
                select(LessonCompletion.enrolment_id, LessonCompletion.lesson_id)
                .join(Enrolment, Enrolment.id == LessonCompletion.enrolment_id)
                .where(Enrolment.cohort_id == cohort.id)):
            if lesson_id in lessons:
                done[(lessons[lesson_id], enrolment_id)] += 1
        results = {}
        for stage in stages:
            total = totals.get(stage.id, 0)
            for enrolment_id in enrolment_ids:
                count = done.get((stage.id, enrolment_id), 0)
                percent = round(100 * count / total, 1) if total else 0.0
                results[(stage.id, enrolment_id)] = StageResult(
                    passed=total > 0 and percent >= required_share(stage), percent=percent, attempts=count,
                    detail=(count, total))
        return results

    def reason(self, stage, result: StageResult) -> str:
        return _("%(stage)s: %(have)s %% of the lessons done, %(need)d %% needed.", stage=stage_title(stage),
                 have=f"{result.percent or 0:g}", need=required_share(stage))

    def gate_reason(self, stage, result: StageResult) -> str:
        if required_share(stage) >= 100:
            return _("Opens when every module of “%(stage)s” is done.", stage=stage_title(stage))
        return _("Opens when %(need)d %% of “%(stage)s” is done.", need=required_share(stage),
                 stage=stage_title(stage))

    def has_results(self, stage) -> bool:
        return bool(db.session.scalar(select(func.count()).select_from(LessonCompletion)
                                      .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                                      .join(Module, Module.id == Lesson.module_id).where(Module.stage_id == stage.id)))

    def cell(self, stage, result: StageResult) -> Cell:
        return Cell(result.percent or 0.0)

    def certificate_detail(self, stage, opens, closes) -> str:
        weeks = int((stage.settings or {}).get("weeks", 0)) or (
            ((closes - opens).days // 7 + 1) if opens and closes else 0)
        return ngettext("%(num)d week", "%(num)d weeks", weeks) if weeks else ""

    def events(self, stage, opens, closes, cohort) -> list[CalendarEvent]:
        """A week at a time, as the modules are released."""
        if opens is None:
            return []
        weeks = max(1, ((closes or opens) - opens).days // 7 + 1)
        return [CalendarEvent(f"{stage.key}-week{n}", _("%(stage)s: week %(n)d", stage=stage_title(stage), n=n),
                              opens + timedelta(days=7 * (n - 1)),
                              min(opens + timedelta(days=7 * n - 1), closes or opens))
                for n in range(1, weeks + 1)]

    def simulate(self, stage, enrolment, opens, closes, skill, rng, actor) -> None:
        for module in db.session.scalars(select(Module).where(Module.stage_id == stage.id)):
            for lesson in module.lessons:
                mark_lesson_done(enrolment, lesson, closes or opens)

    def card(self, context):
        done, total = context.result.detail or (0, 0)
        if context.result.passed:
            detail = (_("All %(n)d lessons done.", n=total) if done >= total else
                      _("%(done)d of %(total)d lessons done.", done=done, total=total))
            return context.card(DONE, detail)
        if context.opens and context.today < context.opens:
            return context.card(LOCKED, context.opens_text())
        return context.card(OPEN, _("%(done)d of %(total)d lessons done.", done=done, total=total))

    def next_step(self, context, card):
        if card.status != OPEN:
            return None
        enrolment = context.enrolment
        progress = enrolment_progress(enrolment)
        lesson = next_lesson(enrolment, progress, context.today)
        if lesson:
            return NextStep(
                _("Continue with “%(lesson)s” in %(module)s.", lesson=lesson.title, module=lesson.module.title),
                url_for("courses.lesson", cohort_id=enrolment.cohort_id, lesson_id=lesson.id),
                _("Continue learning"))
        week = next((w for w in progress.weeks if w.opens_on > context.today), None)
        if week:
            return NextStep(_("You are up to date. Week %(n)d opens on %(date)s.", n=week.week,
                              date=format_date(week.opens_on)))
        return None
