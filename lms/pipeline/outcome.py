"""The outcome of every participant, from the programme's pipeline: each required stage passed earns the
programme's award; the fallback award (a certificate of attendance or participation) when the stages its
rule names are passed; otherwise in progress until the last required stage closes, then not completed.

The core knows stages only through their kinds (`lms.pipeline.registry`), so any shape of programme works."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.extensions import db
from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.pipeline.registry import StageResult, kind_of
from lms.timeutil import today as clock_today

CERTIFIED, FALLBACK_AWARD, NOT_COMPLETED, IN_PROGRESS = "certified", "attendance", "not_completed", "in_progress"
OUTCOME_LABELS = {
    CERTIFIED: _l("Certified"),
    FALLBACK_AWARD: _l("Eligible for a certificate of attendance"),
    NOT_COMPLETED: _l("Not completed"),
    IN_PROGRESS: _l("In progress"),
}


@dataclass
class PipelineOutcome:
    status: str
    results: dict[str, StageResult]  # stage key -> result
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self.status])


def programme_stages(programme_id: int) -> list[ProgrammeStage]:
    return list(db.session.scalars(select(ProgrammeStage).where(ProgrammeStage.programme_id == programme_id)
                                   .order_by(ProgrammeStage.position)))


def cohort_windows(cohort_id: int) -> dict[int, CohortStageWindow]:
    """stage id -> the cohort's window for it."""
    return {w.stage_id: w for w in db.session.scalars(
        select(CohortStageWindow).where(CohortStageWindow.cohort_id == cohort_id))}


def stage_results(stages: list[ProgrammeStage], cohort, enrolment_ids: list[int]) -> dict[int, dict[str, StageResult]]:
    """enrolment id -> stage key -> result: one call per kind, however many stages and participants."""
    by_kind: dict[str, list[ProgrammeStage]] = defaultdict(list)
    for stage in stages:
        by_kind[stage.kind].append(stage)
    found: dict[tuple[int, int], StageResult] = {}
    for kind_stages in by_kind.values():
        found.update(kind_of(kind_stages[0]).results(kind_stages, cohort, enrolment_ids))
    return {eid: {s.key: found.get((s.id, eid)) or StageResult() for s in stages} for eid in enrolment_ids}


def decide(stages: list[ProgrammeStage], results: dict[str, StageResult], fallback_rule: dict | None,
           finished: bool) -> PipelineOutcome:
    """The rules, on plain values, so each case can be tested alone."""
    reasons = [kind_of(s).reason(s, results[s.key]) for s in stages if s.required and not results[s.key].passed]
    if not reasons:
        status = CERTIFIED
    elif not finished:
        status = IN_PROGRESS
    elif fallback_earned(fallback_rule, results):
        status = FALLBACK_AWARD
    else:
        status = NOT_COMPLETED
    return PipelineOutcome(status, results, reasons)


def fallback_earned(rule: dict | None, results: dict[str, StageResult]) -> bool:
    """The fallback award's condition: {"passed": [stage keys]} and/or {"at_least": {stage key: percent}}
    (e.g. attendance of 75 % in a sessions stage whose own pass mark is higher). No rule: no fallback."""
    rule = rule or {}
    passed, at_least = rule.get("passed") or [], rule.get("at_least") or {}
    if not passed and not at_least:
        return False
    return (all(results[key].passed for key in passed if key in results)
            and all((results[key].percent or 0) >= need for key, need in at_least.items() if key in results))


def last_day(stages: list[ProgrammeStage], windows: dict[int, CohortStageWindow]) -> date | None:
    """The day the last required stage closes: after it, an outcome is final."""
    days = [windows[s.id].closes_on for s in stages if s.required and s.id in windows]
    return max(days) if days else None


def cohort_outcomes(cohort, today: date | None = None, stages: list[ProgrammeStage] | None = None
                    ) -> dict[int, PipelineOutcome]:
    """The outcome of every enrolment of a cohort, keyed by enrolment id, in a fixed number of queries."""
    today = today or clock_today()
    stages = programme_stages(cohort.programme_id) if stages is None else stages
    ends = last_day(stages, cohort_windows(cohort.id))
    finished = ends is not None and today > ends
    enrolments = db.metadata.tables["enrolments"]
    enrolment_ids = list(db.session.scalars(select(enrolments.c.id).where(enrolments.c.cohort_id == cohort.id)))
    results = stage_results(stages, cohort, enrolment_ids)
    fallback = cohort.programme.fallback_rule
    return {eid: decide(stages, results[eid], fallback, finished) for eid in enrolment_ids}


@dataclass
class Gate:
    open: bool
    reason: str = ""


def prerequisites_gate(enrolment, stage: ProgrammeStage, now: datetime | None = None) -> Gate:
    """Are the stages this one comes after passed? The first one that is not says why."""
    if not stage.after:
        return Gate(True)
    earlier = [s for s in programme_stages(stage.programme_id) if s.key in stage.after]
    results = stage_results(earlier, enrolment.cohort, [enrolment.id])[enrolment.id]
    for s in earlier:
        if not results[s.key].passed:
            return Gate(False, kind_of(s).gate_reason(s, results[s.key]))
    return Gate(True)
