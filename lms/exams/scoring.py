"""Scoring of one answer to one question, as a fraction of its points. Pure functions, no database.

Responses are JSON objects, by question type:
  single, truefalse  {"choice": option_id}
  multi              {"choices": [option_id, ...]}
  short, numeric     {"text": "..."}
  matching           {"pairs": {"<prompt option id>": "<chosen match text>"}}
  essay              {"text": "..."}   (graded by a trainer: score() returns None)
"""

from __future__ import annotations

import math
import re
import unicodedata

from lms.exams.models import (
    ESSAY,
    MATCHING,
    MULTI,
    NUMERIC,
    PARTIAL,
    SHORT,
    SINGLE,
    TRUEFALSE,
    Question,
)

_SPACES = re.compile(r"\s+")
# Dotted and dotless i differ between Azerbaijani/Turkish and English case rules; ё is often typed as е.
_FOLD = str.maketrans({"ı": "i", "ё": "е"})


def normalise_text(text: str) -> str:
    """Case, spacing and Unicode form folded, so that equal answers compare equal in any language."""
    text = unicodedata.normalize("NFKC", text or "").casefold().translate(_FOLD)
    # casefold() turns İ into i + a combining dot above; drop the dot so İ, I, ı and i all meet.
    text = unicodedata.normalize("NFKD", text).replace("\u0307", "")
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def parse_number(text: str) -> float | None:
    """A number typed by a person: spaces ignored, a decimal comma accepted. None if it is not one."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def score(question: Question, response: dict | None) -> float | None:
    """Fraction of the question's points earned, in [0, 1]; None when a trainer must grade it."""
    response = response or {}
    qtype = question.qtype
    if qtype == ESSAY:
        return None if (response.get("text") or "").strip() else 0.0
    if qtype in (SINGLE, TRUEFALSE):
        choice = response.get("choice")
        return 1.0 if any(o.correct and o.id == choice for o in question.options) else 0.0
    if qtype == MULTI:
        return _score_multi(question, response.get("choices") or [])
    if qtype == SHORT:
        given = normalise_text(response.get("text", ""))
        return 1.0 if given and any(normalise_text(o.text) == given for o in question.options) else 0.0
    if qtype == NUMERIC:
        value = parse_number(response.get("text", ""))
        if value is None:
            return 0.0
        for option in question.options:
            target = parse_number(option.text)
            if target is not None and abs(value - target) <= question.tolerance + 1e-9:
                return 1.0
        return 0.0
    if qtype == MATCHING:
        pairs = response.get("pairs") or {}
        prompts = [o for o in question.options if o.text.strip()]
        if not prompts:
            return 0.0
        right = sum(1 for o in prompts if normalise_text(pairs.get(str(o.id), "")) == normalise_text(o.match))
        return right / len(prompts)
    raise ValueError(f"unknown question type {qtype!r}")


def _score_multi(question: Question, choices: list) -> float:
    picked = set(choices)
    correct = {o.id for o in question.options if o.correct}
    wrong = {o.id for o in question.options if not o.correct}
    if question.scoring != PARTIAL:
        return 1.0 if picked == correct else 0.0
    if not correct:
        return 1.0 if not picked else 0.0
    gained = len(picked & correct) / len(correct)
    penalty = len(picked & wrong) / len(wrong) if wrong else 0.0
    return max(0.0, min(1.0, gained - penalty))
