"""Transition only (removed with the old columns): keep each programme's pipeline and each cohort's windows
equal to the fixed-stage columns that forms, the demo and test factories still write.

The mapping is the migration's (`eosh_stages`, `eosh_windows` there); tests/pipeline/test_legacy.py holds
the two to the same result.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from lms.pipeline.models import CohortStageWindow, ProgrammeStage

LEGACY_KEYS = ("distance", "stage1", "intensive", "teachback", "final")
TITLES = {
    "distance": {"en": "Distance learning", "az": "Distant təlim", "ru": "Дистанционное обучение"},
    "stage1": {"en": "Stage-1 exam", "az": "1-ci mərhələ imtahanı", "ru": "Экзамен 1-го этапа"},
    "intensive": {"en": "Intensive", "az": "İntensiv təlim", "ru": "Очный интенсив"},
    "teachback": {"en": "Practical teach-back", "az": "Praktiki nümayiş dərsi (teach-back)",
                  "ru": "Практическое пробное занятие (teach-back)"},
    "final": {"en": "Final exam", "az": "Yekun imtahan", "ru": "Итоговый экзамен"},
}
PROGRAMME_COLUMNS = ("distance_weeks", "stage1_pass_mark", "stage1_attempts", "intensive_days",
                     "attendance_threshold", "final_pass_mark", "practical_required", "practical_threshold",
                     "marker_margin")
COHORT_COLUMNS = ("distance_start", "stage1_opens", "stage1_closes", "intensive_start", "final_exam_on")


def _value(obj, name):
    """The attribute, or its column default when not flushed yet (defaults apply at INSERT)."""
    value = getattr(obj, name)
    if value is None:
        default = type(obj).__table__.c[name].default
        value = default.arg if default is not None and not callable(default.arg) else None
    return value


def legacy_stages(p) -> list[dict]:
    weeks, days = _value(p, "distance_weeks"), _value(p, "intensive_days")
    intensive = 7 * weeks + 14
    return [
        dict(key="distance", kind="modules", offset_days=0, length_days=7 * weeks, after=[],
             rule={"modules": 100}, settings={"weeks": weeks}, required=False),
        dict(key="stage1", kind="exam", offset_days=7 * weeks, length_days=10, after=["distance"],
             rule={"score": _value(p, "stage1_pass_mark")}, settings={}, required=True),
        dict(key="intensive", kind="sessions", offset_days=intensive, length_days=days, after=[],
             rule={"attendance": _value(p, "attendance_threshold")}, settings={"sessions": days}, required=True),
        dict(key="teachback", kind="practical", offset_days=intensive, length_days=days, after=[],
             rule={"score": _value(p, "practical_threshold")}, settings={"marker_margin": _value(p, "marker_margin")},
             required=bool(_value(p, "practical_required"))),
        dict(key="final", kind="exam", offset_days=intensive + days, length_days=1, after=["stage1", "intensive"],
             rule={"score": _value(p, "final_pass_mark")}, settings={}, required=True),
    ]


def legacy_windows(c, weeks: int, days: int) -> dict[str, tuple]:
    intensive_ends = c.intensive_start + timedelta(days=days - 1)
    return {"distance": (c.distance_start, c.distance_start + timedelta(days=7 * weeks - 1)),
            "stage1": (c.stage1_opens, c.stage1_closes),
            "intensive": (c.intensive_start, intensive_ends),
            "teachback": (c.intensive_start, intensive_ends),
            "final": (c.final_exam_on, c.final_exam_on)}


def _changed(session: Session, obj, columns) -> bool:
    if obj in session.new:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def sync_programme(programme) -> dict[str, ProgrammeStage]:
    by_key = {s.key: s for s in programme.stages}
    for position, row in enumerate(legacy_stages(programme), start=1):
        stage = by_key.get(row["key"])
        if stage is None:
            stage = by_key[row["key"]] = ProgrammeStage(position=position, title=TITLES[row["key"]], weight=None)
            programme.stages.append(stage)
        for name, value in row.items():
            setattr(stage, name, value)
    if programme.fallback_rule is None:
        programme.fallback_rule = {"passed": ["stage1", "intensive"]}
    return by_key


def sync_cohort(cohort, stages: dict[str, ProgrammeStage]) -> None:
    programme = cohort.programme
    cohort.starts_on = cohort.distance_start
    existing = {w.stage.key: w for w in cohort.windows} if cohort.id else {}
    for key, (opens, closes) in legacy_windows(cohort, _value(programme, "distance_weeks"),
                                               _value(programme, "intensive_days")).items():
        window = existing.get(key)
        if window is None:
            window = CohortStageWindow(stage=stages[key])
            cohort.windows.append(window)
        window.opens_on, window.closes_on = opens, closes


def _before_flush(session: Session, _context, _instances) -> None:
    from lms.courses.models import Cohort, Enrolment, Module, Programme  # noqa: PLC0415 - transition shim only
    from lms.exams.models import Exam  # noqa: PLC0415
    from lms.intensive.models import IntensiveSession, PracticalScore, RubricCriterion  # noqa: PLC0415

    touched = list(session.new) + list(session.dirty)
    stages_of: dict[int, dict[str, ProgrammeStage]] = {}

    def stages(programme):
        key = id(programme)
        if key not in stages_of:
            stages_of[key] = sync_programme(programme) if not programme.stages else {s.key: s for s in programme.stages}
        return stages_of[key]

    for obj in touched:
        if isinstance(obj, Programme) and _changed(session, obj, PROGRAMME_COLUMNS):
            stages_of[id(obj)] = sync_programme(obj)
    for obj in touched:
        if isinstance(obj, Cohort) and obj.programme is not None and (
                _changed(session, obj, COHORT_COLUMNS) or _changed(session, obj, ("programme_id",))):
            sync_cohort(obj, stages(obj.programme))
    for obj in session.new:
        if isinstance(obj, Exam) and obj.stage_id is None and obj.kind in ("stage1", "final") and obj.programme:
            obj.stage = stages(obj.programme)[obj.kind]
        elif isinstance(obj, Module) and obj.stage_id is None and obj.programme:
            obj.stage = stages(obj.programme)["distance"]
        elif isinstance(obj, RubricCriterion) and obj.stage_id is None:
            obj.stage = stages(obj.programme or session.get(Programme, obj.programme_id))["teachback"]
        elif isinstance(obj, IntensiveSession) and obj.stage_id is None:
            obj.stage = stages((obj.cohort or session.get(Cohort, obj.cohort_id)).programme)["intensive"]
        elif isinstance(obj, PracticalScore) and obj.stage_id is None:
            enrolment = obj.enrolment or session.get(Enrolment, obj.enrolment_id)
            obj.stage = stages(enrolment.cohort.programme)["teachback"]


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
