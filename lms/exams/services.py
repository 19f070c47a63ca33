"""Attempts: start with a fresh random draw, autosave answers, enforce the deadline, submit exactly once."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.courses.models import Enrolment
from lms.courses.services import RuleError
from lms.exams import grading
from lms.exams.gates import attempts_used, exam_gate, open_attempt, window
from lms.exams.models import (
    ESSAY,
    IN_PROGRESS,
    MATCHING,
    MULTI,
    NUMERIC,
    SHORT,
    SINGLE,
    SUBMITTED,
    TRUEFALSE,
    AttemptQuestion,
    Exam,
    ExamAttempt,
    ExtraTime,
    Question,
)
from lms.extensions import db
from lms.timeutil import utcnow

MAX_TEXT = 20_000
_rng = random.SystemRandom()


def with_slots(attempt: ExamAttempt) -> ExamAttempt:
    """Load an attempt's questions and their options in three queries, not three per question."""
    db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.id == attempt.id)
        .options(selectinload(ExamAttempt.slots).selectinload(AttemptQuestion.question)
                 .selectinload(Question.options))
        .execution_options(populate_existing=True)).one()
    return attempt


def extra_minutes(exam: Exam, enrolment: Enrolment) -> int:
    return db.session.scalar(
        select(ExtraTime.minutes).where(ExtraTime.exam_id == exam.id, ExtraTime.enrolment_id == enrolment.id)) or 0


def set_extra_time(exam: Exam, enrolment: Enrolment, minutes: int) -> None:
    row = db.session.scalar(
        select(ExtraTime).where(ExtraTime.exam_id == exam.id, ExtraTime.enrolment_id == enrolment.id))
    if minutes <= 0:
        if row:
            db.session.delete(row)
    elif row:
        row.minutes = minutes
    else:
        db.session.add(ExtraTime(exam_id=exam.id, enrolment_id=enrolment.id, minutes=minutes))
    db.session.flush()


def draw_questions(exam: Exam, rng: random.Random = _rng) -> list[Question]:
    """A new random draw per attempt: `count` active questions from each rule's category."""
    drawn: list[Question] = []
    for rule in exam.rules:
        pool = list(db.session.scalars(select(Question).where(
            Question.category_id == rule.category_id, Question.active.is_(True)).order_by(Question.id)))
        if len(pool) < rule.count:
            raise RuleError(_("The question bank “%(cat)s” has %(have)d questions; the exam needs %(need)d.",
                              cat=rule.category.name, have=len(pool), need=rule.count))
        drawn.extend(rng.sample(pool, rule.count))
    if not drawn:
        raise RuleError(_("This exam has no questions yet."))
    if exam.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def _option_order(exam: Exam, question: Question, rng: random.Random) -> list:
    if question.qtype in (SINGLE, MULTI):
        ids = [o.id for o in question.options]
        if exam.shuffle_options:
            rng.shuffle(ids)
        return ids
    if question.qtype == TRUEFALSE:
        return [o.id for o in question.options]
    if question.qtype == MATCHING:
        answers = sorted({o.match for o in question.options if o.match})
        rng.shuffle(answers)
        return answers
    return []


def compute_deadline(exam: Exam, enrolment: Enrolment, now: datetime) -> datetime | None:
    if not exam.time_limit_minutes:
        deadline = None
    else:
        deadline = now + timedelta(minutes=exam.time_limit_minutes + extra_minutes(exam, enrolment))
    bounds = window(enrolment.cohort, exam)
    if bounds is not None:
        # An attempt never outlives its window, but extra time (an accommodation) may carry it past.
        close = bounds[1] + timedelta(minutes=extra_minutes(exam, enrolment))
        deadline = min(deadline, close) if deadline else close
    return deadline


def start_attempt(exam: Exam, enrolment: Enrolment, now: datetime | None = None,
                  rng: random.Random = _rng) -> ExamAttempt:
    """Resume the open attempt, or start a new one if the gate allows."""
    now = now or utcnow()
    current = open_attempt(enrolment, exam)
    if current is not None:
        if close_if_expired(current, now):
            raise RuleError(_("The time for this attempt ran out; it has been submitted."))
        return current
    gate = exam_gate(enrolment, exam, now)
    if not gate.open:
        raise RuleError(gate.reason)
    attempt = ExamAttempt(exam=exam, enrolment=enrolment, number=attempts_used(enrolment, exam) + 1,
                          started_at=now, deadline=compute_deadline(exam, enrolment, now), status=IN_PROGRESS)
    for position, question in enumerate(draw_questions(exam, rng), start=1):
        attempt.slots.append(AttemptQuestion(question=question, position=position,
                                             option_order=_option_order(exam, question, rng)))
    attempt.max_score = sum(slot.question.points for slot in attempt.slots)
    try:
        # A SAVEPOINT: losing the race below undoes this insert only, not the rest of the request.
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # A double click or a second tab started this same attempt number a moment earlier: go on with it.
        winner = db.session.scalar(select(ExamAttempt).where(
            ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id,
            ExamAttempt.number == attempt.number))
        if winner is None:
            raise
        return winner
    return attempt


def seconds_left(attempt: ExamAttempt, now: datetime | None = None) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (now or utcnow())).total_seconds()))


def clean_response(slot: AttemptQuestion, raw: dict) -> dict:
    """Keep only a well-formed answer for this question; refuse anything else."""
    question = slot.question
    if not isinstance(raw, dict):
        raise RuleError(_("The answer could not be read."))
    if question.qtype in (SINGLE, TRUEFALSE):
        choice = raw.get("choice")
        if choice in (None, ""):
            return {}
        try:
            choice = int(choice)
        except (TypeError, ValueError, OverflowError) as exc:
            raise RuleError(_("The answer could not be read.")) from exc
        if choice not in {o.id for o in question.options}:
            raise RuleError(_("That option is not part of this question."))
        return {"choice": choice}
    if question.qtype == MULTI:
        try:
            choices = sorted({int(c) for c in raw.get("choices") or []})
        except (TypeError, ValueError, OverflowError) as exc:
            raise RuleError(_("The answer could not be read.")) from exc
        if not set(choices) <= {o.id for o in question.options}:
            raise RuleError(_("That option is not part of this question."))
        return {"choices": choices}
    if question.qtype == MATCHING:
        pairs = raw.get("pairs") or {}
        if not isinstance(pairs, dict):
            raise RuleError(_("The answer could not be read."))
        prompts = {str(o.id) for o in question.options}
        allowed = set(slot.option_order)
        cleaned = {}
        for key, value in pairs.items():
            if str(key) not in prompts or (value and value not in allowed):
                raise RuleError(_("That option is not part of this question."))
            if value:
                cleaned[str(key)] = value
        return {"pairs": cleaned}
    if question.qtype in (SHORT, NUMERIC, ESSAY):
        text = raw.get("text") or ""
        if not isinstance(text, str):
            raise RuleError(_("The answer could not be read."))
        if len(text) > MAX_TEXT:
            raise RuleError(_("The answer is longer than %(n)d characters.", n=MAX_TEXT))
        return {"text": text}
    raise RuleError(_("The answer could not be read."))


def save_answer(attempt: ExamAttempt, slot_id: int, raw: dict, now: datetime | None = None) -> AttemptQuestion:
    """Autosave one answer. Refused once the attempt is submitted or its deadline has passed."""
    now = now or utcnow()
    if not attempt.is_open:
        raise RuleError(_("This attempt has been submitted; answers can no longer change."))
    if close_if_expired(attempt, now):
        raise RuleError(_("The time is up; the attempt has been submitted with the answers saved before."))
    if not 0 < slot_id < 2**31:  # ids are 32-bit integers; anything else names no question
        raise RuleError(_("That question is not part of this attempt."))
    # One answer, one question: load just that slot, never the whole attempt.
    slot = db.session.scalar(
        select(AttemptQuestion).where(AttemptQuestion.id == slot_id, AttemptQuestion.attempt_id == attempt.id)
        .options(selectinload(AttemptQuestion.question).selectinload(Question.options)))
    if slot is None:
        raise RuleError(_("That question is not part of this attempt."))
    slot.response = clean_response(slot, raw)
    slot.saved_at = now
    db.session.flush()
    return slot


def submit_attempt(attempt: ExamAttempt, now: datetime | None = None) -> bool:
    """Submit and grade, exactly once however many times it is called at the same moment.

    The status changes from in progress to submitted in one conditional UPDATE; only the call whose UPDATE
    changed the row grades. Returns True for that call, False for the others.
    """
    now = now or utcnow()
    submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    result = db.session.execute(
        update(ExamAttempt)
        .where(ExamAttempt.id == attempt.id, ExamAttempt.status == IN_PROGRESS)
        .values(status=SUBMITTED, submitted_at=submitted_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    if result.rowcount != 1:
        return False
    grading.grade_attempt(with_slots(attempt))
    return True


def close_if_expired(attempt: ExamAttempt, now: datetime | None = None) -> bool:
    """Submit an attempt left open past its deadline. True if this call closed it."""
    now = now or utcnow()
    if attempt.is_open and attempt.deadline is not None and now >= attempt.deadline:
        return submit_attempt(attempt, now)
    return False


def close_expired_attempts(now: datetime | None = None) -> int:
    """Submit and grade every attempt whose deadline has passed. Returns how many were closed."""
    now = now or utcnow()
    expired = db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.status == IN_PROGRESS, ExamAttempt.deadline.is_not(None), ExamAttempt.deadline <= now))
    return sum(1 for attempt in list(expired) if submit_attempt(attempt, now))
