"""A cohort's default dates for each stage: the stage's offset and length from the cohort's start."""

from __future__ import annotations

from datetime import date, timedelta


def cohort_start(cohort) -> date | None:
    """The day the cohort's pipeline starts (`distance_start` while that column exists and no start is set)."""
    return cohort.starts_on or getattr(cohort, "distance_start", None)


def default_windows(cohort, stages) -> dict[str, tuple[date, date]]:
    """stage key -> (opens, closes), both inclusive: opens `offset_days` after the cohort's start and lasts
    `length_days` (at least one day). No start yet: no windows."""
    start = cohort_start(cohort)
    if start is None:
        return {}
    windows = {}
    for stage in stages:
        opens = start + timedelta(days=stage.offset_days or 0)
        windows[stage.key] = (opens, opens + timedelta(days=max(stage.length_days or 1, 1) - 1))
    return windows
