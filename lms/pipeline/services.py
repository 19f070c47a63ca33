"""The coordinator's pipeline editor: add, change, reorder and remove a programme's stages, and move a cohort's
dates for them. Each function checks the rules, changes the rows and flushes; the request commits."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _

from lms.courses.services import RuleError
from lms.extensions import db
from lms.pipeline.legacy import LEGACY_KEYS
from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.pipeline.registry import KINDS, kind_of, stage_title

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}\Z")
LANGUAGES = ("en", "az", "ru")
# The figure each kind's pass rule compares (the kinds' rule conventions); a kind not named here: a score.
PASS_FIGURES = {"modules": "modules", "exam": "score", "sessions": "attendance", "practical": "score"}
SETTINGS_FROM_LENGTH = {"modules": lambda days: {"weeks": max(1, math.ceil(days / 7))},
                        "sessions": lambda days: {"sessions": days}}
DEFAULT_SETTINGS = {"practical": {"marker_margin": 3}}


@dataclass
class StageData:
    """What a coordinator sets on a stage. `pass_value` is the percent the kind's pass figure must reach."""

    key: str
    kind: str
    title: dict[str, str]
    offset_days: int = 0
    length_days: int = 1
    after: list[str] = field(default_factory=list)
    pass_value: int = 70
    weight: int | None = None
    required: bool = True


def pass_figure(kind: str) -> str:
    return PASS_FIGURES.get(kind, "score")


def pass_value(stage: ProgrammeStage) -> int | None:
    return (stage.rule or {}).get(pass_figure(stage.kind))


def follows_legacy_calendar(programme) -> bool:
    """The five EOSH stages exactly: their dates follow the cohort form's calendar (the transition hook)."""
    return sorted(s.key for s in programme.stages) == sorted(LEGACY_KEYS)


def cohort_start(cohort) -> date | None:
    return cohort.starts_on or cohort.distance_start


def default_window(cohort, stage) -> tuple[date, date] | None:
    start = cohort_start(cohort)
    if start is None:
        return None
    opens = start + timedelta(days=stage.offset_days or 0)
    return opens, opens + timedelta(days=max(stage.length_days or 1, 1) - 1)


def _settings(kind: str, length_days: int, current: dict | None) -> dict:
    """The kind's settings that follow the window (weeks of modules, days of sessions), others kept."""
    settings = {**DEFAULT_SETTINGS.get(kind, {}), **(current or {})}
    follow = SETTINGS_FROM_LENGTH.get(kind)
    return {**settings, **follow(length_days)} if follow else settings


def _check(programme, data: StageData, stage: ProgrammeStage | None) -> None:
    others = [s for s in programme.stages if s is not stage]
    if not KEY_PATTERN.match(data.key or ""):
        raise RuleError(_("A key starts with a small letter and has up to 40 small letters, digits, - or _."))
    if any(s.key == data.key for s in others):
        raise RuleError(_("Another stage of this programme has the key “%(key)s”.", key=data.key))
    if data.kind not in KINDS:
        raise RuleError(_("Unknown kind of stage: %(kind)s.", kind=data.kind))
    if not any((data.title.get(lang) or "").strip() for lang in LANGUAGES):
        raise RuleError(_("Give the stage a title."))
    if data.offset_days < 0 or data.length_days < 1:
        raise RuleError(_("A stage starts on or after the cohort's first day and lasts at least one day."))
    if not 0 <= data.pass_value <= 100 or (data.weight is not None and not 0 <= data.weight <= 100):
        raise RuleError(_("Pass values and weights are percentages from 0 to 100."))
    earlier = {s.key for s in others if stage is None or s.position < stage.position}
    wrong = [k for k in data.after if k not in earlier]
    if wrong:
        raise RuleError(_("A stage can only come after earlier stages: %(keys)s.", keys=", ".join(wrong)))


def _clean_title(title: dict) -> dict:
    return {lang: (title.get(lang) or "").strip() for lang in LANGUAGES if (title.get(lang) or "").strip()}


def add_stage(programme, data: StageData) -> ProgrammeStage:
    """A new last stage, with a window in every cohort of the programme from the cohort's start."""
    _check(programme, data, None)
    stage = ProgrammeStage(
        position=max((s.position for s in programme.stages), default=0) + 1, key=data.key, kind=data.kind,
        title=_clean_title(data.title), offset_days=data.offset_days, length_days=data.length_days,
        after=list(data.after), rule={pass_figure(data.kind): data.pass_value},
        settings=_settings(data.kind, data.length_days, None), weight=data.weight, required=data.required)
    programme.stages.append(stage)
    for cohort in programme.cohorts:
        window = default_window(cohort, stage)
        if window is not None and not any(w.stage is stage for w in cohort.windows):
            cohort.windows.append(CohortStageWindow(stage=stage, opens_on=window[0], closes_on=window[1]))
    db.session.flush()
    return stage


def update_stage(stage: ProgrammeStage, data: StageData) -> ProgrammeStage:
    """Retitle, move the window, change the gate, rule, weight or whether it is required; the key and the kind
    only while nobody has results in the stage. Cohort windows still at the old defaults follow the new ones;
    windows a coordinator moved by hand stay."""
    programme = stage.programme
    if (data.key != stage.key or data.kind != stage.kind) and kind_of(stage).has_results(stage):
        raise RuleError(_("“%(stage)s” has results, so its key and kind can no longer change.",
                          stage=stage_title(stage)))
    _check(programme, data, stage)
    old_key, old_defaults = stage.key, {c.id: default_window(c, stage) for c in programme.cohorts}
    settings = _settings(data.kind, data.length_days, stage.settings if data.kind == stage.kind else None)
    stage.key, stage.kind, stage.title = data.key, data.kind, _clean_title(data.title)
    stage.offset_days, stage.length_days, stage.after = data.offset_days, data.length_days, list(data.after)
    stage.rule = {**{k: v for k, v in (stage.rule or {}).items() if k not in PASS_FIGURES.values()},
                  pass_figure(data.kind): data.pass_value}
    stage.settings = settings
    stage.weight, stage.required = data.weight, data.required
    if old_key != data.key:
        _rename(programme, old_key, data.key)
    for cohort in programme.cohorts:
        window = next((w for w in cohort.windows if w.stage is stage), None)
        if window is not None and (window.opens_on, window.closes_on) == old_defaults[cohort.id]:
            window.opens_on, window.closes_on = default_window(cohort, stage)
    db.session.flush()
    return stage


def _rename(programme, old_key: str, new_key: str) -> None:
    """A new key in the gates of later stages and in the fallback award's rule."""
    for other in programme.stages:
        if old_key in (other.after or []):
            other.after = [new_key if k == old_key else k for k in other.after]
    rule = programme.fallback_rule or {}
    if old_key in (rule.get("passed") or []) or old_key in (rule.get("at_least") or {}):
        programme.fallback_rule = {
            **rule, "passed": [new_key if k == old_key else k for k in rule.get("passed") or []],
            "at_least": {new_key if k == old_key else k: v for k, v in (rule.get("at_least") or {}).items()}}


def move_stage(stage: ProgrammeStage, direction: str) -> None:
    """One place up or down; a stage never moves before a stage it comes after."""
    stages = sorted(stage.programme.stages, key=lambda s: s.position)
    index = stages.index(stage)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(stages):
        raise RuleError(_("“%(stage)s” cannot move further.", stage=stage_title(stage)))
    first, second = sorted((stage, stages[other_index]), key=lambda s: s.position)
    if first.key in (second.after or []):
        raise RuleError(_("“%(later)s” comes after “%(earlier)s”, so it cannot move before it. "
                          "Change its gate first.", later=stage_title(second), earlier=stage_title(first)))
    first.position, second.position = second.position, first.position
    db.session.flush()


def removal_problem(stage: ProgrammeStage) -> str | None:
    """Why the stage may not be removed, or None."""
    if kind_of(stage).has_results(stage):
        return _("“%(stage)s” has results in a cohort, so it cannot be removed.", stage=stage_title(stage))
    dependants = [s for s in stage.programme.stages if stage.key in (s.after or [])]
    if dependants:
        return _("“%(stage)s” cannot be removed: %(stages)s come(s) after it. Change their gates first.",
                 stage=stage_title(stage), stages=", ".join(f"“{stage_title(s)}”" for s in dependants))
    return None


def in_fallback_rule(stage: ProgrammeStage) -> bool:
    rule = stage.programme.fallback_rule or {}
    return stage.key in (rule.get("passed") or []) or stage.key in (rule.get("at_least") or {})


def remove_stage(stage: ProgrammeStage) -> None:
    problem = removal_problem(stage)
    if problem:
        raise RuleError(problem)
    programme = stage.programme
    if in_fallback_rule(stage):  # the fallback award no longer asks for it
        rule = programme.fallback_rule
        programme.fallback_rule = {**rule, "passed": [k for k in rule.get("passed") or [] if k != stage.key],
                                   "at_least": {k: v for k, v in (rule.get("at_least") or {}).items()
                                                if k != stage.key}}
    for cohort in programme.cohorts:
        cohort.windows = [w for w in cohort.windows if w.stage is not stage]
    programme.stages.remove(stage)
    for position, other in enumerate(sorted(programme.stages, key=lambda s: s.position), start=1):
        other.position = position
    db.session.flush()


# ---- one cohort's dates -------------------------------------------------------------------------------------


class StageDatesError(RuleError):
    """Dates refused; `problems` maps stage ids to what is wrong with each."""

    def __init__(self, problems: dict[int, str]):
        super().__init__(_("Please correct the marked dates; nothing was saved."))
        self.problems = problems


def stage_dates(cohort) -> list[tuple[ProgrammeStage, date | None, date | None]]:
    """Each stage of the cohort's programme, in order, with the cohort's window for it."""
    windows = {w.stage_id: w for w in cohort.windows}
    return [(s, windows[s.id].opens_on if s.id in windows else None,
             windows[s.id].closes_on if s.id in windows else None)
            for s in sorted(cohort.programme.stages, key=lambda s: s.position)]


def set_stage_dates(cohort, dates: dict[int, tuple[date, date]]) -> None:
    """Move the cohort's window of each stage. Each opens on or before it closes, and a stage never opens before
    a stage it comes after. EOSH-shaped programmes take their dates from the cohort's calendar instead."""
    programme = cohort.programme
    if follows_legacy_calendar(programme):
        raise RuleError(_("This programme's stage dates follow the cohort's calendar; edit the cohort instead."))
    stages = sorted(programme.stages, key=lambda s: s.position)
    by_key = {s.key: s for s in stages}
    problems: dict[int, str] = {}
    for stage in stages:
        opens, closes = dates.get(stage.id, (None, None))
        if opens is None or closes is None:
            problems[stage.id] = _("Give both dates.")
        elif closes < opens:
            problems[stage.id] = _("A stage closes on or after the day it opens.")
        else:
            for key in stage.after or []:
                earlier = by_key.get(key)
                if earlier is not None and earlier.id in dates and dates[earlier.id][0] and \
                        opens < dates[earlier.id][0]:
                    problems[stage.id] = _("It comes after “%(stage)s”, so it cannot open before that one opens.",
                                           stage=stage_title(earlier))
                    break
    if problems:
        raise StageDatesError(problems)
    windows = {w.stage_id: w for w in cohort.windows}
    for stage in stages:
        opens, closes = dates[stage.id]
        window = windows.get(stage.id)
        if window is None:
            cohort.windows.append(CohortStageWindow(stage=stage, opens_on=opens, closes_on=closes))
        else:
            window.opens_on, window.closes_on = opens, closes
    db.session.flush()
