"""Transition only (removed with the old columns): keep each programme's pipeline and each cohort's windows
equal to the fixed-stage columns that forms, the demo and test factories still write.

The mapping is the migration's (`eosh_stages`, `eosh_windows` there); tests/pipeline/test_legacy.py holds
the two to the same result. Only legacy-shaped programmes (no stages yet, or exactly the five EOSH keys) are
kept in step; a programme built with stages of its own (a definition file, the pipeline editor) is left alone,
and its cohorts get their windows from the stages' offsets and lengths (`lms.pipeline.windows`).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.pipeline.windows import cohort_start, default_windows

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


def is_legacy_shaped(programme) -> bool:
    """No stages yet, or exactly the five EOSH keys."""
    keys = [s.key for s in programme.stages]
    return not keys or sorted(keys) == sorted(LEGACY_KEYS)


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


def sync_default_windows(cohort, stages: list[ProgrammeStage], move: bool) -> None:
    """Windows from the stages' offsets: missing ones made; with `move`, every one set anew (the start moved)."""
    cohort.starts_on = cohort_start(cohort)
    if cohort.starts_on is None:
        return
    existing = {w.stage.key: w for w in cohort.windows if w.stage is not None}
    wanted = default_windows(cohort, stages)
    keep = []
    for stage in stages:
        window = existing.get(stage.key)
        if window is None or window.stage is not stage:
            window = CohortStageWindow(stage=stage)
            window.opens_on, window.closes_on = wanted[stage.key]
        elif move:
            window.opens_on, window.closes_on = wanted[stage.key]
        keep.append(window)
    if keep != list(cohort.windows):
        cohort.windows = keep


def _free_slug(session: Session, name: str) -> str:
    from lms.courses.models import Programme  # noqa: PLC0415 - transition shim only

    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "programme"
    slug, n = base, 1
    with session.no_autoflush:
        while session.scalar(select(Programme.id).where(Programme.slug == slug)) is not None or any(
                isinstance(o, Programme) and o.slug == slug for o in session.new):
            n += 1
            slug = f"{base}-{n}"
    return slug


def sync_titles(session: Session, programme) -> None:
    """A slug from the name when there is none (as the migration gives); the multilingual title and the validity
    in months follow the old name and years when only those change
    (forms still write them), and the years follow the months for the readers of the old column."""
    if programme.slug is None and programme.name:
        programme.slug = _free_slug(session, programme.name)
    if programme.name and (programme.title is None or (
            _changed(session, programme, ("name",)) and not _changed(session, programme, ("title",)))):
        programme.title = {**(programme.title or {}), "en": programme.name}
    years_changed = _changed(session, programme, ("validity_years",))
    if programme.validity_months is None or (years_changed and not _changed(session, programme, ("validity_months",))):
        programme.validity_months = 12 * _value(programme, "validity_years")
    elif programme.validity_months and programme.validity_months % 12 == 0:
        programme.validity_years = programme.validity_months // 12


def _before_flush(session: Session, _context, _instances) -> None:
    from lms.courses.models import Cohort, Enrolment, Module, Programme  # noqa: PLC0415 - transition shim only
    from lms.exams.models import Exam  # noqa: PLC0415
    from lms.intensive.models import IntensiveSession, PracticalScore, RubricCriterion  # noqa: PLC0415

    touched = list(session.new) + list(session.dirty)
    stages_of: dict[int, dict[str, ProgrammeStage]] = {}

    def stages(programme) -> dict[str, ProgrammeStage]:
        """The five legacy stages by key (made when there are none yet), or {} for a pipeline of its own."""
        key = id(programme)
        if key not in stages_of:
            if not programme.stages:
                stages_of[key] = sync_programme(programme)
            else:
                stages_of[key] = {s.key: s for s in programme.stages} if is_legacy_shaped(programme) else {}
        return stages_of[key]

    for obj in touched:
        if isinstance(obj, Programme):
            sync_titles(session, obj)
            # A new programme that comes with its own stages is not rebuilt from the old columns.
            if _changed(session, obj, PROGRAMME_COLUMNS) and is_legacy_shaped(obj) and not (
                    obj in session.new and obj.stages):
                stages_of[id(obj)] = sync_programme(obj)
    for obj in touched:
        if isinstance(obj, Cohort) and obj.programme is not None:
            moved = _changed(session, obj, COHORT_COLUMNS + ("starts_on",))
            regrouped = _changed(session, obj, ("programme_id",))
            legacy = stages(obj.programme)
            if legacy and (moved or regrouped):
                sync_cohort(obj, legacy)
            elif not legacy:
                sync_default_windows(obj, list(obj.programme.stages), move=moved or regrouped)
    for obj in session.new:
        if isinstance(obj, Exam) and obj.stage_id is None and obj.kind in ("stage1", "final") and obj.programme:
            obj.stage = stages(obj.programme).get(obj.kind)
        elif isinstance(obj, Module) and obj.stage_id is None and obj.stage is None and obj.programme:
            obj.stage = stages(obj.programme).get("distance")
        elif isinstance(obj, RubricCriterion) and obj.stage_id is None and obj.stage is None:
            obj.stage = stages(obj.programme or session.get(Programme, obj.programme_id)).get("teachback")
        elif isinstance(obj, IntensiveSession) and obj.stage_id is None and obj.stage is None:
            obj.stage = stages((obj.cohort or session.get(Cohort, obj.cohort_id)).programme).get("intensive")
        elif isinstance(obj, PracticalScore) and obj.stage_id is None and obj.stage is None:
            enrolment = obj.enrolment or session.get(Enrolment, obj.enrolment_id)
            obj.stage = stages(enrolment.cohort.programme).get("teachback")


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
