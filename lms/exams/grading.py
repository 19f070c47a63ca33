"""Grading: objective answers on submission, essays by trainers, regrading after a key correction,
with every manual grade and every change of grade in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.access import can_monitor_cohort
from lms.courses.models import Enrolment, cohort_trainers
from lms.courses.services import RuleError
from lms.exams.models import (
    GRADED,
    IN_PROGRESS,
    SUBMITTED,
    AttemptQuestion,
    Exam,
    ExamAttempt,
    GradeAudit,
    Question,
)
from lms.exams.scoring import score
from lms.extensions import db
from lms.timeutil import utcnow


def grade_attempt(attempt: ExamAttempt) -> None:
    """Score every objective answer; essays wait in the grading queue."""
    for slot in attempt.slots:
        fraction = score(slot.question, slot.response)
        if fraction is None:
            slot.needs_grading, slot.score = True, None
        else:
            slot.needs_grading, slot.score = False, round(fraction * slot.question.points, 4)
    finalise(attempt)


def finalise(attempt: ExamAttempt) -> None:
    """Total the attempt; release it (status graded) once nothing waits for a trainer."""
    attempt.max_score = sum(slot.question.points for slot in attempt.slots)
    if any(slot.needs_grading for slot in attempt.slots):
        attempt.status, attempt.score, attempt.percent, attempt.passed = SUBMITTED, None, None, None
    else:
        attempt.score = round(sum(slot.score or 0.0 for slot in attempt.slots), 4)
        attempt.percent = round(100 * attempt.score / attempt.max_score, 2) if attempt.max_score else 0.0
        attempt.passed = attempt.percent >= attempt.exam.required_percent
        attempt.status = GRADED
    db.session.flush()


def grade_answer(slot: AttemptQuestion, points: float, feedback: str, actor, reason: str = "") -> None:
    """A trainer's grade for one answer, audited; a change of an earlier grade needs a reason."""
    if slot.attempt.status == IN_PROGRESS:
        raise RuleError(_("This attempt is still in progress."))
    maximum = slot.question.points
    if points is None or not (0 <= points <= maximum):
        raise RuleError(_("The grade must be between 0 and %(max)s.", max=_fmt(maximum)))
    old = slot.score
    if not slot.needs_grading and not reason.strip():
        raise RuleError(_("Give a reason for changing a grade."))
    slot.score = round(points, 4)
    slot.feedback = feedback.strip()
    slot.needs_grading = False
    slot.graded_by_id = actor.id
    slot.graded_at = utcnow()
    db.session.add(GradeAudit(slot_id=slot.id, actor_id=actor.id, old_score=old, new_score=slot.score,
                              reason=reason.strip() or _("Graded")))
    finalise(slot.attempt)


def regrade_question(question: Question, actor, reason: str) -> int:
    """Re-score every submitted answer to this question after its key changed. Returns answers changed."""
    slots = db.session.scalars(
        select(AttemptQuestion).join(AttemptQuestion.attempt)
        .where(AttemptQuestion.question_id == question.id, ExamAttempt.status != IN_PROGRESS))
    changed = 0
    touched: dict[int, ExamAttempt] = {}
    for slot in slots:
        fraction = score(question, slot.response)
        if fraction is None:
            continue  # essays keep their trainer's grade
        new = round(fraction * question.points, 4)
        if slot.score != new:
            db.session.add(GradeAudit(slot_id=slot.id, actor_id=actor.id if actor else None,
                                      old_score=slot.score, new_score=new, reason=reason))
            slot.score = new
            changed += 1
            touched[slot.attempt_id] = slot.attempt
    for attempt in touched.values():
        finalise(attempt)
    return changed


def _fmt(value: float) -> str:
    return f"{value:g}"


# ---- the trainers' grading queue --------------------------------------------------------------


@dataclass
class QueueItem:
    exam: Exam
    question: Question
    waiting: int


def _visible_enrolments(user):
    """Enrolment ids whose answers this user may grade: their cohorts, or all for a coordinator."""
    query = select(Enrolment.id)
    if not user.is_coordinator:
        query = query.join(cohort_trainers, cohort_trainers.c.cohort_id == Enrolment.cohort_id).where(
            cohort_trainers.c.user_id == user.id)
    return query


def grading_queue(user) -> list[QueueItem]:
    """Questions with answers waiting for a grade, per exam, with how many wait."""
    rows = db.session.execute(
        select(ExamAttempt.exam_id, AttemptQuestion.question_id, func.count())
        .join(AttemptQuestion.attempt)
        .where(AttemptQuestion.needs_grading.is_(True), ExamAttempt.status == SUBMITTED,
               ExamAttempt.enrolment_id.in_(_visible_enrolments(user)))
        .group_by(ExamAttempt.exam_id, AttemptQuestion.question_id)
    ).all()
    exams = {e.id: e for e in db.session.scalars(select(Exam).where(Exam.id.in_({r[0] for r in rows})))}
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_({r[1] for r in rows})))}
    return [QueueItem(exams[e], questions[q], n) for e, q, n in rows]


def answers_to_grade(user, exam: Exam, question: Question, include_graded: bool = False) -> list[AttemptQuestion]:
    """Every answer to one question in one exam that this user may grade, oldest first (anonymised)."""
    query = (select(AttemptQuestion).join(AttemptQuestion.attempt)
             .where(AttemptQuestion.question_id == question.id, ExamAttempt.exam_id == exam.id,
                    ExamAttempt.status != IN_PROGRESS, ExamAttempt.enrolment_id.in_(_visible_enrolments(user)))
             .order_by(ExamAttempt.submitted_at, AttemptQuestion.id))
    if not include_graded:
        query = query.where(AttemptQuestion.needs_grading.is_(True))
    return list(db.session.scalars(query))


def may_see_programme(user, programme_id: int) -> bool:
    """Coordinators, and trainers of a cohort of this programme, may read its questions and marking guides."""
    from lms.courses.models import Cohort

    if user.is_coordinator:
        return True
    return bool(db.session.scalar(
        select(func.count()).select_from(Cohort)
        .join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id)
        .where(Cohort.programme_id == programme_id, cohort_trainers.c.user_id == user.id)))


def may_grade(user, slot: AttemptQuestion) -> bool:
    """Whoever may monitor the trainee's cohort may grade the answer: the one shared access rule."""
    return can_monitor_cohort(user, slot.attempt.enrolment.cohort)
