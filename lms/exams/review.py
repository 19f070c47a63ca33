"""What a trainee may see of a finished attempt, by the exam's review policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from lms.exams.models import (
    MATCHING,
    MULTI,
    REVIEW_ANSWERS,
    REVIEW_FEEDBACK,
    SINGLE,
    TRUEFALSE,
    ExamAttempt,
)
from lms.markup import render_markdown


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
    show_answers: bool
    show_feedback: bool
    items: list[ReviewItem]


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


def review_for(attempt: ExamAttempt, staff: bool = False) -> Review:
    """Staff see everything; a trainee sees the score once released, and more as the policy allows."""
    policy = attempt.exam.review_policy
    released = attempt.released  # the score exists only once every answer is graded, for staff too
    show_answers = staff or (attempt.released and policy in (REVIEW_ANSWERS, REVIEW_FEEDBACK))
    show_feedback = staff or (attempt.released and policy == REVIEW_FEEDBACK)
    items = []
    if show_answers:
        for slot in attempt.slots:
            question = slot.question
            items.append(ReviewItem(
                position=slot.position, text=render_markdown(question.text), points=question.points,
                score=slot.score, given=_given(slot), right=[] if question.qtype == "essay" else _right(slot),
                feedback=question.feedback if show_feedback else "",
                explanation=render_markdown(question.explanation) if show_feedback and question.explanation else None,
                trainer_feedback=slot.feedback if show_feedback else "",
            ))
    return Review(released, show_answers, show_feedback, items)
