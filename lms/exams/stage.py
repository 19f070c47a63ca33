"""The `exam` stage kind: an online exam of the stage's own, passed at the stage's pass mark."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.exams.models import GRADED, IN_PROGRESS, Exam, ExamAttempt
from lms.extensions import db
from lms.pipeline.registry import StageKind, StageResult, register, stage_title


@register
class ExamKind(StageKind):
    name = "exam"

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


def pass_mark(stage) -> int:
    return int((stage.rule or {}).get("score", 0))
