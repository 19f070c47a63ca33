"""Answering exams as a simulated trainee would, through the same services a person uses."""

from __future__ import annotations

import random
from datetime import datetime

from lms.exams import services
from lms.exams.models import ESSAY, MATCHING, MULTI, NUMERIC, SHORT, ExamAttempt

ESSAY_TEXT = (
    "I would start with a walk-through risk assessment with the workers, remove or substitute the hazard "
    "where possible, then add engineering and administrative controls, and use PPE only as the last line. "
    "I would check understanding with open questions and agree follow-up actions with the safety committee."
)


def _right(slot) -> dict:
    question = slot.question
    if question.qtype == ESSAY:
        return {"text": ESSAY_TEXT}
    if question.qtype in (SHORT, NUMERIC):
        return {"text": question.options[0].text if question.options else ""}
    if question.qtype == MULTI:
        return {"choices": [o.id for o in question.options if o.correct]}
    if question.qtype == MATCHING:
        return {"pairs": {str(o.id): o.match for o in question.options if o.match}}
    return {"choice": next((o.id for o in question.options if o.correct), None)}


def _wrong(slot, rng: random.Random) -> dict:
    question = slot.question
    if question.qtype == ESSAY:
        return {"text": "Use PPE."}
    if question.qtype in (SHORT, NUMERIC):
        return {"text": "0" if question.qtype == NUMERIC and question.options[0].text != "0" else "unsure"}
    if question.qtype == MULTI:
        wrong = [o.id for o in question.options if not o.correct]
        return {"choices": wrong[:1] or [question.options[0].id]}
    if question.qtype == MATCHING:
        answers = list(slot.option_order)
        rng.shuffle(answers)
        return {"pairs": {str(o.id): a for o, a in zip(question.options, answers, strict=False)}}
    wrong = [o.id for o in question.options if not o.correct]
    return {"choice": rng.choice(wrong) if wrong else None}


def answer(attempt: ExamAttempt, now: datetime, skill: float = 1.0, rng: random.Random | None = None) -> None:
    """Answer every question: right with probability `skill`, else wrong. Answers are autosaved as usual."""
    rng = rng or random.Random()
    for slot in attempt.slots:
        response = _right(slot) if rng.random() < skill else _wrong(slot, rng)
        services.save_answer(attempt, slot.id, response, now)
