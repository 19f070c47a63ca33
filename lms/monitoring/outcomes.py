"""Each enrolment's outcome, as the pipeline core decides it (`lms.pipeline.outcome`), with the fields the
dashboard and the timeline read today.

Transition: the named fields (`stage1`, `final`, `attendance`, `practical`) read the EOSH-shaped stages by
the keys the migration gave them, until the dashboard and the timeline ask the stage kinds themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lms.intensive.services import AttendanceSummary, PracticalResult
from lms.pipeline.outcome import (
    CERTIFIED,
    FALLBACK_AWARD,
    IN_PROGRESS,
    NOT_COMPLETED,
    OUTCOME_LABELS,
    PipelineOutcome,
)
from lms.pipeline.outcome import cohort_outcomes as pipeline_outcomes
from lms.pipeline.registry import StageResult

ATTENDANCE_ONLY, IN_PROGRESS_OUTCOME = FALLBACK_AWARD, IN_PROGRESS
__all__ = ["ATTENDANCE_ONLY", "CERTIFIED", "IN_PROGRESS_OUTCOME", "NOT_COMPLETED", "OUTCOME_LABELS", "Outcome",
           "cohort_outcomes", "enrolment_outcome"]


@dataclass
class Outcome:
    status: str
    stage1: StageResult
    final: StageResult
    attendance: AttendanceSummary
    practical: PracticalResult
    reasons: list[str] = field(default_factory=list)
    results: dict[str, StageResult] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self.status])


def _adapt(outcome: PipelineOutcome) -> Outcome:
    results = outcome.results
    attendance, practical = results.get("intensive"), results.get("teachback")
    return Outcome(
        outcome.status, results.get("stage1") or StageResult(), results.get("final") or StageResult(),
        attendance.detail if attendance and attendance.detail else AttendanceSummary(0),
        practical.detail if practical and practical.detail else PracticalResult(0),
        outcome.reasons, results)


def cohort_outcomes(cohort, today: date | None = None) -> dict[int, Outcome]:
    """The outcome of every enrolment in the cohort, keyed by enrolment id, in a fixed number of queries."""
    return {eid: _adapt(o) for eid, o in pipeline_outcomes(cohort, today).items()}


def enrolment_outcome(enrolment, today: date | None = None) -> Outcome:
    return cohort_outcomes(enrolment.cohort, today)[enrolment.id]
