"""A participant's timeline: one card per stage of their programme, in order, each asked of the stage's kind,
then the award; and one clear next step. The core knows no kind; kinds and the award register here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.pipeline.outcome import (
    PipelineOutcome,
    cohort_windows,
    decide,
    last_day,
    programme_stages,
    stage_results,
)
from lms.pipeline.registry import StageResult, kind_of, stage_title
from lms.timeutil import utcnow

DONE, OPEN, WAITING, LOCKED, CLOSED = "done", "open", "waiting", "locked", "closed"
STATUS_LABELS = {DONE: _l("Done"), OPEN: _l("Open now"), WAITING: _l("Waiting for grading"), LOCKED: _l("Locked"),
                 CLOSED: _l("Closed")}


@dataclass
class Card:
    key: str
    title: str
    status: str
    detail: str
    starts: date | None = None
    ends: date | None = None
    url: str | None = None
    action: str | None = None
    extra_url: str | None = None  # a second link the kind offers while the stage runs (e.g. check in)
    extra_action: str | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class NextStep:
    text: str
    url: str | None = None
    label: str | None = None


@dataclass
class StageContext:
    """What a kind needs to draw its card: the stage, this cohort's dates for it, the participant's result,
    whether the stages it comes after are passed (and if not, why), and the moment."""

    enrolment: object
    stage: object
    opens: date | None
    closes: date | None
    result: StageResult
    prerequisite: str | None  # why the earlier stages still hold this one, or None
    now: datetime
    outcome: PipelineOutcome

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def title(self) -> str:
        return stage_title(self.stage)

    def window_status(self) -> str:
        if self.opens and self.today < self.opens:
            return LOCKED
        if self.closes and self.today > self.closes:
            return CLOSED
        return OPEN

    def card(self, status: str, detail: str, **links) -> Card:
        return Card(self.stage.key, self.title, status, detail, self.opens, self.closes, **links)

    def opens_text(self) -> str:
        return _("Opens on %(date)s.", date=format_date(self.opens)) if self.opens else ""


@dataclass
class Timeline:
    enrolment: object
    stages: list[Card]
    next_step: NextStep
    outcome: PipelineOutcome
    progress: object = None  # filled by the page that shows distance learning by week


# The award's card: given (enrolment, outcome, last day), returns a Card or None. Registered by certificates.
AWARD_CARDS: list[Callable] = []


def build_timeline(enrolment, today: date | None = None) -> Timeline:
    """Every stage of the enrolment's programme. `today` (for tests and previews) is read as noon of that day."""
    now = utcnow() if today is None else datetime.combine(today, time(12))
    cohort = enrolment.cohort
    stages = programme_stages(cohort.programme_id)
    windows = cohort_windows(cohort.id)
    results = stage_results(stages, cohort, [enrolment.id])[enrolment.id]
    ends = last_day(stages, windows)
    outcome = decide(stages, results, cohort.programme.fallback_rule, finished=ends is not None and now.date() > ends)
    by_key = {s.key: s for s in stages}
    cards, contexts = [], []
    for stage in stages:
        window = windows.get(stage.id)
        unmet = next((by_key[k] for k in stage.after or [] if k in by_key and not results[k].passed), None)
        context = StageContext(enrolment, stage, window.opens_on if window else None,
                               window.closes_on if window else None, results[stage.key],
                               kind_of(unmet).gate_reason(unmet, results[unmet.key]) if unmet else None, now, outcome)
        contexts.append(context)
        cards.append(kind_of(stage).card(context))
    for award in AWARD_CARDS:
        card = award(enrolment, outcome, ends)
        if card is not None:
            cards.append(card)
    return Timeline(enrolment, cards, _next_step(contexts, cards), outcome)


def _next_step(contexts: list[StageContext], cards: list[Card]) -> NextStep:
    for context, card in zip(contexts, cards, strict=False):
        if card.status in (OPEN, WAITING):
            step = kind_of(context.stage).next_step(context, card)
            if step is not None:
                return step
    for card in cards:
        if card.status == OPEN:
            return NextStep(_("%(stage)s: %(detail)s", stage=card.title, detail=card.detail), card.url, card.action)
        if card.status == WAITING:
            return NextStep(_("%(stage)s: %(detail)s", stage=card.title, detail=card.detail), card.url, card.action)
        if card.status == LOCKED:
            return NextStep(_("Next: %(stage)s. %(detail)s", stage=card.title, detail=card.detail))
    last = cards[-1] if cards else None
    return NextStep(last.detail if last else "")
