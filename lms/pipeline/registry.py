"""Stage kinds behind one interface, looked up by the name stored on the stage row.

A kind lives in the area that owns its data (modules in courses, exams in exams, sessions and practicals in
intensive) and registers itself here; the core asks kinds and never imports an area. As CTFd does with its
challenge types: one class per kind, a dictionary of them, and a lookup from the stored name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from flask_babel import gettext as _

from lms.content import pick


@dataclass
class StageResult:
    """Where one participant stands in one stage."""

    passed: bool = False
    percent: float | None = None  # the figure shown and compared with the pass rule; None: nothing yet
    attempts: int = 0  # how much was recorded (attempts, marks, scores, lessons)
    waiting: bool = False  # done, but waiting for someone else (essays to grade)
    detail: object = None  # the kind's own record, for its own cards and columns


class UnknownKind(LookupError):
    pass


@dataclass
class CalendarEvent:
    """An all-day event of a stage in the cohort's calendar feed; `key` makes its stable UID."""

    key: str
    title: str
    first: object  # date
    last: object  # date, inclusive
    location: str = ""
    description: str = ""
    url: str | None = None


@dataclass
class Cell:
    """One participant's figure in one stage, as the dashboard shows it."""

    value: float | None  # the percent shown; None: nothing yet
    badges: tuple[str, ...] = ()  # words the dashboard translates once: passed, failed, waiting, disagree
    note: str = ""  # small text under the figure, e.g. "3/4 days marked"


class StageKind:
    """What every kind answers. `results` loads every stage of its kind in a cohort at once, so pages that
    show a cohort make one call per kind however many participants and stages there are."""

    name: ClassVar[str]
    scored: ClassVar[bool] = False  # the dashboard charts the distribution of this kind's figures

    def results(self, stages: list, cohort, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], StageResult]:
        """(stage id, enrolment id) -> result, for every stage and enrolment asked (missing ones: nothing yet)."""
        raise NotImplementedError

    def reason(self, stage, result: StageResult) -> str:
        """Why a participant has not passed this stage yet, in words for them and their trainer."""
        return _("%(stage)s not passed yet.", stage=stage_title(stage))

    def gate_reason(self, stage, result: StageResult) -> str:
        """Why a later stage that needs this one is still closed."""
        return _("Opens after you pass “%(stage)s”.", stage=stage_title(stage))

    def has_results(self, stage) -> bool:
        """Has any participant of any cohort a result in this stage (so it may not be removed or change kind)?"""
        return False

    def card(self, context):
        """The participant's timeline card for this stage (`lms.pipeline.timeline.Card`)."""
        raise NotImplementedError

    def cell(self, stage, result: StageResult) -> Cell:
        """The dashboard's cell for this stage: the figure, passed or not."""
        if result.percent is None:
            return Cell(None)
        return Cell(result.percent, ("passed",) if result.passed else ("failed",))

    def risks(self, stage, result: StageResult) -> list[str]:
        """Short at-risk flags for a trainer's dashboard (e.g. "Stage-1 exam failed", "2 absences")."""
        return []

    def events(self, stage, opens, closes, cohort) -> list[CalendarEvent]:
        """The stage's events in the cohort's calendar feed: by default one, over its window."""
        if opens is None:
            return []
        return [CalendarEvent(stage.key, stage_title(stage), opens, closes or opens)]

    def certificate_detail(self, stage, opens, closes) -> str:
        """A few words under the stage's title on the certificate ("4 weeks", "5 days"), or ""."""
        return ""

    def simulate(self, stage, enrolment, opens, closes, skill: float, rng, actor) -> None:
        """What a simulated participant of this skill (0..1) does in this stage (simulate-cohort, benchmarks)."""

    def next_step(self, context, card):
        """The one thing to do now in this stage, if the stage has one (a `NextStep`), else None."""
        return None


KINDS: dict[str, StageKind] = {}


def register(cls: type[StageKind]) -> type[StageKind]:
    KINDS[cls.name] = cls()
    return cls


def kind_of(stage) -> StageKind:
    try:
        return KINDS[stage.kind]
    except KeyError:
        raise UnknownKind(stage.kind) from None


def stage_title(stage) -> str:
    """The stage's title in the reader's language, else English, else its key."""
    return pick(stage.title) or stage.key
