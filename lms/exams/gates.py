"""When an exam is open to a trainee.

An exam stage opens when the stages it comes after are passed (the pipeline core asks their kinds) and the
cohort's window for it is open; a practice quiz opens with its module. Each closed gate says why and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Cohort, Enrolment
from lms.courses.services import is_module_open, module_opens_on
from lms.exams.models import GRADED, IN_PROGRESS, PRACTICE, Exam, ExamAttempt
from lms.extensions import db
from lms.pipeline.models import CohortStageWindow
from lms.pipeline.outcome import prerequisites_gate
from lms.timeutil import utcnow


@dataclass
class Gate:
    open: bool
    reason: str = ""
    opens_on: date | None = None


def exam_for(programme_id: int, kind: str) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.programme_id == programme_id, Exam.kind == kind))


def practice_quiz(module) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.module_id == module.id, Exam.kind == PRACTICE))


def window(cohort: Cohort, exam: Exam) -> tuple[datetime, datetime] | None:
    """The exam's window from the cohort's dates for its stage, as UTC datetimes [start, end). None for a
    practice quiz (or an exam of no stage)."""
    if exam.stage_id is None:
        return None
    row = db.session.scalar(select(CohortStageWindow).where(CohortStageWindow.cohort_id == cohort.id,
                                                            CohortStageWindow.stage_id == exam.stage_id))
    if row is None:
        return None
    return datetime.combine(row.opens_on, time.min), datetime.combine(row.closes_on + timedelta(days=1), time.min)


def has_passed(enrolment: Enrolment, exam: Exam | None) -> bool:
    if exam is None:
        return False
    return bool(db.session.scalar(
        select(func.count()).select_from(ExamAttempt).where(
            ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id,
            ExamAttempt.status == GRADED, ExamAttempt.passed.is_(True))))


def best_attempt(enrolment: Enrolment, exam: Exam) -> ExamAttempt | None:
    """The attempt that counts: the best graded one, else the latest submitted one."""
    attempts = list(db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id,
        ExamAttempt.status != IN_PROGRESS).order_by(ExamAttempt.number)))
    graded = [a for a in attempts if a.status == GRADED]
    if graded:
        return max(graded, key=lambda a: (a.percent or 0, a.number))
    return attempts[-1] if attempts else None


def attempts_used(enrolment: Enrolment, exam: Exam) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ExamAttempt).where(
            ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id)) or 0


def open_attempt(enrolment: Enrolment, exam: Exam) -> ExamAttempt | None:
    return db.session.scalar(select(ExamAttempt).where(
        ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id,
        ExamAttempt.status == IN_PROGRESS))


def exam_gate(enrolment: Enrolment, exam: Exam, now: datetime | None = None) -> Gate:
    """May this trainee start (or resume) an attempt at this exam now?"""
    now = now or utcnow()
    cohort = enrolment.cohort
    if exam.programme_id != cohort.programme_id:
        return Gate(False, _("This exam belongs to another programme."))
    if exam.kind == PRACTICE:
        if exam.module is not None and not is_module_open(cohort, exam.module, now.date()):
            opens = module_opens_on(cohort, exam.module)
            return Gate(False, _("Opens with its module on %(date)s.", date=format_date(opens)), opens)
        return Gate(True)
    if open_attempt(enrolment, exam) is not None:
        return Gate(True)
    bounds = window(cohort, exam)
    if bounds is None:
        return Gate(False, _("This exam is not on your cohort's calendar."))
    start, end = bounds
    if has_passed(enrolment, exam):
        return Gate(False, _("You have passed this exam."))
    prerequisites = prerequisites_gate(enrolment, exam.stage, now)
    if not prerequisites.open:
        return Gate(False, prerequisites.reason, start.date())
    if now < start:
        return Gate(False, _("Opens on %(date)s.", date=format_date(start.date())), start.date())
    if now >= end:
        return Gate(False, _("The exam window closed on %(date)s.", date=format_date(end.date() - timedelta(days=1))))
    if exam.max_attempts is not None and attempts_used(enrolment, exam) >= exam.max_attempts:
        return Gate(False, _("You have used all %(n)d attempts.", n=exam.max_attempts))
    return Gate(True)
