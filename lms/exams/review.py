"""What a trainee may see of a finished attempt, and from when, by the exam's four review settings.

Each part of the review — the trainee's own responses, the marks per question, the correct answers and the
feedback — has its own setting (as Moodle's review options): immediately (once graded), after the last attempt
(no attempt left, or passed: no retake can follow), after the cohort's exam window has closed, after both, or
never. The score and the verdict are always shown once released; staff always see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markupsafe import Markup

from lms.exams.gates import attempts_used, has_passed, open_attempt, window
from lms.exams.models import (
    AFTER_CLOSE,
    AFTER_LAST_ATTEMPT,
    AFTER_LAST_ATTEMPT_AND_CLOSE,
    IMMEDIATELY,
    MATCHING,
    MULTI,
    NEVER,
    REVIEW_TIMINGS,
    SINGLE,
    TRUEFALSE,
    ExamAttempt,
)
from lms.markup import render_markdown
from lms.timeutil import utcnow

# the parts of a review, each with its own setting on the exam (Exam.review_<part>)
RESPONSES, MARKS, ANSWERS, FEEDBACK = "responses", "marks", "answers", "feedback"
PARTS = (RESPONSES, MARKS, ANSWERS, FEEDBACK)


@dataclass(frozen=True)
class ReviewState:
    """Where a trainee stands on an exam, as far as the review settings care."""

    released: bool  # this attempt is graded
    last_attempt_done: bool  # passed, or no attempt left, and none in progress
    window_closed: bool  # the cohort's window for this exam is over (an exam without a window counts as closed)
    closes_on: date | None = None  # the window's last day, to tell the trainee when


def visible(setting: str, state: ReviewState) -> bool:
    """May a trainee see a part of the review with this setting now? Unknown settings show nothing."""
    if not state.released:
        return False
    if setting == IMMEDIATELY:
        return True
    if setting == AFTER_LAST_ATTEMPT:
        return state.last_attempt_done
    if setting == AFTER_CLOSE:
        return state.window_closed
    if setting == AFTER_LAST_ATTEMPT_AND_CLOSE:
        return state.last_attempt_done and state.window_closed
    return False


def waiting_for(setting: str, state: ReviewState) -> str | None:
    """For a hidden part, what it still waits for, as a setting value (NEVER if it will not be shown);
    None when it is visible. Before release every part waits for the grading (IMMEDIATELY)."""
    if visible(setting, state):
        return None
    if setting == NEVER or setting not in REVIEW_TIMINGS:
        return NEVER
    if not state.released:
        return IMMEDIATELY
    need_last = setting in (AFTER_LAST_ATTEMPT, AFTER_LAST_ATTEMPT_AND_CLOSE) and not state.last_attempt_done
    need_close = setting in (AFTER_CLOSE, AFTER_LAST_ATTEMPT_AND_CLOSE) and not state.window_closed
    if need_last and need_close:
        return AFTER_LAST_ATTEMPT_AND_CLOSE
    return AFTER_LAST_ATTEMPT if need_last else AFTER_CLOSE


def review_state(attempt: ExamAttempt, now: datetime | None = None) -> ReviewState:
    exam, enrolment = attempt.exam, attempt.enrolment
    now = now or utcnow()
    # An attempt in progress (of any number) keeps the key hidden: the questions may repeat in it.
    no_retake = open_attempt(enrolment, exam) is None and (
        has_passed(enrolment, exam)
        or (exam.max_attempts is not None and attempts_used(enrolment, exam) >= exam.max_attempts))
    bounds = window(enrolment.cohort, exam)
    if bounds is None:  # a practice quiz opens with its module and never closes: nothing to wait for
        return ReviewState(attempt.released, no_retake, True)
    end = bounds[1]
    return ReviewState(attempt.released, no_retake, now >= end, (end - timedelta(days=1)).date())


@dataclass
class ReviewItem:
    position: int
    text: Markup
    points: float
    score: float | None
    given: list[str]
    right: list[str] = field(default_factory=list)
    feedback: str = ""
    explanation: Markup | None = None
    trainer_feedback: str = ""


@dataclass
class Review:
    released: bool
    show_responses: bool
    show_marks: bool
    show_answers: bool
    show_feedback: bool
    items: list[ReviewItem]
    hidden: dict[str, str] = field(default_factory=dict)  # part -> what it waits for (see waiting_for)
    closes_on: date | None = None


def _given(slot) -> list[str]:
    question, response = slot.question, slot.response or {}
    by_id = {o.id: o for o in question.options}
    if question.qtype in (SINGLE, TRUEFALSE):
        option = by_id.get(response.get("choice"))
        return [option.text] if option else []
    if question.qtype == MULTI:
        return [by_id[c].text for c in response.get("choices", []) if c in by_id]
    if question.qtype == MATCHING:
        pairs = response.get("pairs", {})
        return [f"{o.text} → {pairs.get(str(o.id), '—')}" for o in question.options]
    text = response.get("text", "")
    return [text] if text else []


def _right(slot) -> list[str]:
    question = slot.question
    if question.qtype == MATCHING:
        return [f"{o.text} → {o.match}" for o in question.options]
    if question.qtype in ("short", "numeric"):
        return [o.text for o in question.options]
    return [o.text for o in question.options if o.correct]


def review_for(attempt: ExamAttempt, staff: bool = False, now: datetime | None = None) -> Review:
    """Staff see everything; a trainee sees the score once released, and each part as its setting allows."""
    exam = attempt.exam
    released = attempt.released  # the score exists only once every answer is graded, for staff too
    state = review_state(attempt, now)
    settings = {part: getattr(exam, f"review_{part}") for part in PARTS}
    shown = {part: staff or visible(settings[part], state) for part in PARTS}
    hidden = {} if staff or not released else {
        part: waiting_for(settings[part], state) for part in PARTS if not shown[part]}
    items = []
    if any(shown.values()):
        show_feedback = shown[FEEDBACK]
        for slot in attempt.slots:
            question = slot.question
            items.append(ReviewItem(
                position=slot.position, text=render_markdown(question.text), points=question.points,
                score=slot.score if shown[MARKS] else None,
                given=_given(slot) if shown[RESPONSES] else [],
                right=_right(slot) if shown[ANSWERS] and question.qtype != "essay" else [],
                feedback=question.feedback if show_feedback else "",
                explanation=render_markdown(question.explanation) if show_feedback and question.explanation else None,
                trainer_feedback=slot.feedback if show_feedback else "",
            ))
    return Review(released, shown[RESPONSES], shown[MARKS], shown[ANSWERS], shown[FEEDBACK], items, hidden,
                  state.closes_on)
