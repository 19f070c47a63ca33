"""When an exam is open to a trainee, as one service that the later stages plug into.

The stage-1 exam opens when every distance module is done and its window is open; the final exam needs
stage 1 passed and its day; a practice quiz opens with its module. Each closed gate says why and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Cohort, Enrolment
from lms.courses.services import enrolment_progress, is_module_open, module_opens_on
from lms.exams.models import FINAL, GRADED, IN_PROGRESS, PRACTICE, STAGE1, Exam, ExamAttempt
from lms.extensions import db
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
    """The exam's window from the cohort calendar, as UTC datetimes [start, end). None for practice."""
    if exam.kind == STAGE1:
        first, last = cohort.stage1_opens, cohort.stage1_closes
    elif exam.kind == FINAL:
        first = last = cohort.final_exam_on
    else:
        return None
    return datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)


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


def final_requirements() -> list:
    """Requirements of the final exam beyond stage 1: each returns why the gate stays closed, or None."""
    from lms.intensive.services import attendance_requirement

    return [attendance_requirement]


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
    start, end = window(cohort, exam)
    if has_passed(enrolment, exam):
        return Gate(False, _("You have passed this exam."))
    if exam.kind == STAGE1 and not enrolment_progress(enrolment).complete:
        return Gate(False, _("Opens when every distance module is done."), start.date())
    if exam.kind == FINAL:
        if not has_passed(enrolment, exam_for(cohort.programme_id, STAGE1)):
            return Gate(False, _("Opens after you pass the stage-1 exam."), start.date())
        for requirement in final_requirements():
            problem = requirement(enrolment, now)
            if problem:
                return Gate(False, problem, start.date())
    if now < start:
        return Gate(False, _("Opens on %(date)s.", date=format_date(start.date())), start.date())
    if now >= end:
        return Gate(False, _("The exam window closed on %(date)s.", date=format_date(end.date() - timedelta(days=1))))
    if exam.max_attempts is not None and attempts_used(enrolment, exam) >= exam.max_attempts:
        return Gate(False, _("You have used all %(n)d attempts.", n=exam.max_attempts))
    return Gate(True)
