"""The `modules` stage kind: a block of distance modules, passed when the stage's share of lessons is done."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Enrolment, Lesson, LessonCompletion, Module
from lms.extensions import db
from lms.pipeline.registry import StageKind, StageResult, register, stage_title


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
                    passed=total > 0 and percent >= required_share(stage), percent=percent, attempts=count)
        return results

    def reason(self, stage, result: StageResult) -> str:
        return _("%(stage)s: %(have)s %% of the lessons done, %(need)d %% needed.", stage=stage_title(stage),
                 have=f"{result.percent or 0:g}", need=required_share(stage))

    def gate_reason(self, stage, result: StageResult) -> str:
        if required_share(stage) >= 100:
            return _("Opens when every module of “%(stage)s” is done.", stage=stage_title(stage))
        return _("Opens when %(need)d %% of “%(stage)s” is done.", need=required_share(stage),
                 stage=stage_title(stage))
