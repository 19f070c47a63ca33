"""Item analysis of an exam: facility, discrimination and reliability (KR-20 / Cronbach's alpha),
and an accessible SVG histogram of the scores.

The measures are pure functions on a score matrix (no database), so they can be checked by hand;
`exam_statistics` loads one exam's graded attempts in a constant number of queries and applies them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.exams.models import GRADED, AttemptQuestion, Exam, ExamAttempt, Question
from lms.extensions import db

# ---- pure measures ----------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _is_constant(values: Sequence[float]) -> bool:
    """All values equal, up to rounding: a zero variance, which no correlation or ratio can divide by."""
    low, high = min(values), max(values)
    return high - low <= 1e-12 * max(1.0, abs(low), abs(high))


def _pvariance(values: Sequence[float]) -> float:
    """Population variance (divide by n), as the KR-20 formula uses."""
    if _is_constant(values):
        return 0.0
    m = _mean(values)
    return math.fsum((v - m) ** 2 for v in values) / len(values)


def facility(scores: Sequence[float], max_points: float) -> float | None:
    """The mean fraction of the question's points earned, 0..1; None if nobody answered it."""
    if not scores or max_points <= 0:
        return None
    return min(1.0, max(0.0, _mean(scores) / max_points))


def discrimination(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Pearson correlation between the item's scores and each candidate's score on the rest of the test
    (total minus this item), as Moodle's discrimination index, as a fraction -1..1.

    None when fewer than 2 candidates or when either side does not vary (no correlation is defined).
    """
    if len(item) != len(rest):
        raise ValueError("item and rest must have one score per candidate")
    if len(item) < 2 or _is_constant(item) or _is_constant(rest):
        return None
    mx, my = _mean(item), _mean(rest)
    dx = [x - mx for x in item]
    dy = [y - my for y in rest]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    denominator = math.sqrt(sxx) * math.sqrt(syy)
    if denominator == 0:
        return None
    r = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / denominator
    if not math.isfinite(r):
        return None
    return min(1.0, max(-1.0, r))


def kr20(matrix: Sequence[Sequence[float]], max_points: Sequence[float]) -> float | None:
    """Cronbach's alpha over items, which equals KR-20 when every item scores 0 or 1.

    `matrix` has one row per candidate and one column per item; `max_points` one entry per item (it
    fixes k and the width of every row). Scores are used as raw points, as Moodle does, so a 2-point
    item weighs twice a 1-point one. alpha = k/(k-1) * (1 - sum(var(item)) / var(total)), with
    population variances. None when k < 2, fewer than 2 candidates, or the totals do not vary.
    """
    k = len(max_points)
    if any(len(row) != k for row in matrix):
        raise ValueError("every row of the matrix needs one score per item")
    if k < 2 or len(matrix) < 2:
        return None
    totals = [math.fsum(row) for row in matrix]
    var_total = _pvariance(totals)
    if var_total == 0:
        return None
    var_items = math.fsum(_pvariance([row[i] for row in matrix]) for i in range(k))
    alpha = k / (k - 1) * (1 - var_items / var_total)
    # var(total) <= k * sum(var(item)) (Cauchy-Schwarz), so alpha <= 1 but for rounding.
    return min(1.0, alpha)


# ---- histogram --------------------------------------------------------------------------------

_WIDTH, _HEIGHT = 640, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 40, 56
_PLOT_W, _PLOT_H = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
_BAR_FILL = "#2f6690"


def _num(x: float) -> str:
    """A coordinate, short: 12, 12.5, 12.33."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _edge_label(edge: float) -> str:
    return f"{edge:.0f}" if abs(edge - round(edge)) < 1e-9 else f"{edge:.1f}"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def bin_counts(percents: Sequence[float], bins: int = 10) -> list[int]:
    """How many percents fall in each of `bins` equal bins over 0-100 (100 in the last; out of range clamped)."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    counts = [0] * bins
    for p in percents:
        index = int(max(0.0, min(100.0, p)) * bins / 100)
        counts[min(index, bins - 1)] += 1
    return counts


def histogram_svg(percents: Sequence[float], bins: int = 10, title: str = "") -> str:
    """A self-contained, accessible SVG bar chart of the score distribution.

    No inline styles (the CSP forbids them): presentation attributes and class names only.
    """
    counts = bin_counts(percents, bins)
    edges = [100 * i / bins for i in range(bins + 1)]
    heading = title or _("Score distribution")
    n = len(percents)
    if n:
        summary = ngettext("%(num)d attempt.", "%(num)d attempts.", n) + " " + "; ".join(
            f"{_edge_label(edges[i])}–{_edge_label(edges[i + 1])} %: {c}" for i, c in enumerate(counts)
        )
    else:
        summary = _("No attempts yet")
    label = f"{heading}. {summary}"

    base = _TOP + _PLOT_H
    bar_w = _PLOT_W / bins
    gap = min(4.0, bar_w / 4)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" role="img" '
        f'width="{_WIDTH}" height="{_HEIGHT}" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'aria-label="{_attr(label)}" font-family="sans-serif" font-size="12" fill="currentColor">',
        f"<title>{escape(heading)}</title>",
        f"<desc>{escape(summary)}</desc>",
    ]
    if title:
        out.append(f'<text class="histogram-title" x="{_WIDTH / 2:g}" y="22" text-anchor="middle" '
                   f'font-size="15" font-weight="bold">{escape(title)}</text>')
    # axes
    out.append(f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{_LEFT + _PLOT_W}" y2="{base}" '
               f'stroke="currentColor" stroke-width="1"/>')
    out.append(f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" '
               f'stroke="currentColor" stroke-width="1"/>')
    for i, edge in enumerate(edges):
        x = _LEFT + i * bar_w
        text = _edge_label(edge) + (" %" if i == bins else "")
        out.append(f'<line class="tick" x1="{_num(x)}" y1="{base}" x2="{_num(x)}" y2="{base + 4}" '
                   f'stroke="currentColor" stroke-width="1"/>')
        out.append(f'<text class="axis-label" x="{_num(x)}" y="{base + 18}" text-anchor="middle">{text}</text>')
    out.append(f'<text class="axis-title" x="{_num(_LEFT + _PLOT_W / 2)}" y="{_HEIGHT - 10}" '
               f'text-anchor="middle">{escape(_("Score"))}</text>')
    y_mid = _TOP + _PLOT_H / 2
    out.append(f'<text class="axis-title" x="16" y="{_num(y_mid)}" text-anchor="middle" '
               f'transform="rotate(-90 16 {_num(y_mid)})">{escape(_("Attempts"))}</text>')

    if not n:
        out.append(f'<text class="empty" x="{_num(_LEFT + _PLOT_W / 2)}" y="{_num(y_mid)}" '
                   f'text-anchor="middle">{escape(summary)}</text>')
    else:
        tallest = max(counts)
        usable = _PLOT_H - 20  # room for the count above the tallest bar
        for i, count in enumerate(counts):
            height = usable * count / tallest
            x = _LEFT + i * bar_w + gap / 2
            y = base - height
            lo, hi = _edge_label(edges[i]), _edge_label(edges[i + 1])
            out.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w - gap)}" '
                       f'height="{_num(height)}" fill="{_BAR_FILL}">'
                       f"<title>{lo}–{hi} %: {count}</title></rect>")
            out.append(f'<text class="count" x="{_num(x + (bar_w - gap) / 2)}" y="{_num(y - 5)}" '
                       f'text-anchor="middle">{count}</text>')
    out.append("</svg>")
    return "\n".join(out)


# ---- one exam, from the database --------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStats:
    question_id: int
    name: str
    qtype: str
    attempts: int  # graded attempts in which the question appeared
    facility: float | None  # 0..1
    discrimination: float | None  # -1..1
    negative_discrimination: bool


@dataclass(frozen=True)
class ExamStats:
    attempts: int
    mean_percent: float | None
    median_percent: float | None
    pass_rate: float | None  # fraction of attempts passed, 0..1
    alpha: float | None  # KR-20 over the questions that appeared in every graded attempt
    questions: list[QuestionStats] = field(default_factory=list)
    histogram_svg: str = ""


def _percent(row) -> float | None:
    if row.percent is not None:
        return row.percent
    if row.score is not None and row.max_score:
        return 100 * row.score / row.max_score
    return None


def exam_statistics(exam: Exam, enrolment_ids: Sequence[int] | None = None) -> ExamStats:
    """Statistics of an exam's graded attempts (optionally only those of some enrolments).

    Two queries, however many attempts and questions: the attempts, then their answers joined to
    their questions. Each attempt draws its own questions, so each question is analysed over the
    attempts in which it appeared, against the rest of that attempt's score.
    """
    conditions = [ExamAttempt.exam_id == exam.id, ExamAttempt.status == GRADED]
    if enrolment_ids is not None:
        conditions.append(ExamAttempt.enrolment_id.in_(list(enrolment_ids)))

    attempts = db.session.execute(
        select(ExamAttempt.id, ExamAttempt.score, ExamAttempt.max_score, ExamAttempt.percent,
               ExamAttempt.passed)
        .where(*conditions)
        .order_by(ExamAttempt.id)
    ).all()
    slots = db.session.execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.score,
               Question.name, Question.qtype, Question.points)
        .join(ExamAttempt, AttemptQuestion.attempt_id == ExamAttempt.id)
        .join(Question, AttemptQuestion.question_id == Question.id)
        .where(*conditions)
        .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)
    ).all()

    # per attempt: question id -> points earned (unanswered or ungraded counts as 0)
    answers: dict[int, dict[int, float]] = {a.id: {} for a in attempts}
    questions: dict[int, tuple[str, str, float]] = {}
    for slot in slots:
        given = answers[slot.attempt_id]
        given[slot.question_id] = given.get(slot.question_id, 0.0) + (slot.score or 0.0)
        questions[slot.question_id] = (slot.name, slot.qtype, slot.points)
    totals = {attempt_id: math.fsum(given.values()) for attempt_id, given in answers.items()}

    items: dict[int, list[float]] = defaultdict(list)
    rests: dict[int, list[float]] = defaultdict(list)
    for attempt_id, given in answers.items():
        for question_id, score in given.items():
            items[question_id].append(score)
            rests[question_id].append(totals[attempt_id] - score)

    question_stats = []
    for question_id, (name, qtype, points) in questions.items():
        d = discrimination(items[question_id], rests[question_id])
        question_stats.append(QuestionStats(
            question_id=question_id, name=name, qtype=qtype, attempts=len(items[question_id]),
            facility=facility(items[question_id], points), discrimination=d,
            negative_discrimination=d is not None and d < 0,
        ))
    question_stats.sort(key=lambda q: (q.name, q.question_id))

    common = sorted(q for q in questions if len(items[q]) == len(attempts)) if attempts else []
    alpha = None
    if len(common) >= 2:
        matrix = [[answers[a.id][q] for q in common] for a in attempts]
        alpha = kr20(matrix, [questions[q][2] for q in common])

    percents = [p for p in map(_percent, attempts) if p is not None]
    return ExamStats(
        attempts=len(attempts),
        mean_percent=_mean(percents) if percents else None,
        median_percent=median(percents) if percents else None,
        pass_rate=sum(1 for a in attempts if a.passed) / len(attempts) if attempts else None,
        alpha=alpha,
        questions=question_stats,
        histogram_svg=histogram_svg(percents, title=_("Score distribution: %(exam)s", exam=exam.title)),
    )
