"""The trainer/coordinator cohort dashboard: one row a trainee, a column per stage of the programme's pipeline
(each stage kind draws its own cell and at-risk flags), sorting, filtering and CSV.

Every row is built from cohort-wide queries, so a dashboard costs the same, constant number of queries whatever
the size of the cohort and however many stages: the pipeline's outcomes (one call per stage kind), and two
lean equivalents, tested against the originals, of `cohort_enrolments` (plain columns, not ORM objects) and of
`cohort_progress` (lessons done counted per week by the database, not a row per completed lesson). With a
thousand trainees those two lean queries halve the time of the page (scripts/bench/dashboard.py).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.certificates.models import PENDING, REVOKED, Certificate
from lms.courses.models import Cohort, Enrolment, Lesson, LessonCompletion, Module, cohort_trainers
from lms.courses.services import WeekProgress
from lms.extensions import db
from lms.pipeline.outcome import (
    CERTIFIED,
    FALLBACK_AWARD,
    IN_PROGRESS,
    NOT_COMPLETED,
    OUTCOME_LABELS,
    cohort_outcomes,
    programme_stages,
)
from lms.pipeline.registry import Cell, StageResult, kind_of, stage_title
from lms.timeutil import today as clock_today

# Outcome statuses from the best to the worst: the order of the "outcome" sort and of the overview columns.
OUTCOME_ORDER = (CERTIFIED, IN_PROGRESS, FALLBACK_AWARD, NOT_COMPLETED)
FIXED_SORT_KEYS = ("name", "progress", "outcome", "risk")


@dataclass
class StageColumn:
    key: str
    title: str
    scored: bool  # charted as a score distribution


@dataclass
class DashboardRow:
    enrolment_id: int
    user_id: int
    name: str
    email: str
    organisation: str
    country: str
    weeks: list[WeekProgress]
    progress_percent: int
    results: dict[str, StageResult]  # stage key -> where the trainee stands
    cells: list[Cell]  # one a stage column, in pipeline order
    status: str
    status_label: str
    reasons: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    behind_weeks: list[int] = field(default_factory=list)
    certificate: str | None = None  # the current certificate's code and state; None shows as "—"

    @property
    def at_risk(self) -> bool:
        return bool(self.risks)


def cohort_week_progress(cohort: Cohort, enrolment_ids: Iterable[int]) -> dict[int, list[WeekProgress]]:
    """Each enrolment's progress by week, equal to `cohort_progress(cohort)[id].weeks`, in two queries.

    The database counts the lessons done per enrolment and week, so a cohort of a thousand trainees returns
    a few thousand small rows instead of one row per completed lesson (tens of thousands): this was the
    dashboard's largest cost.
    """
    totals = dict(db.session.execute(
        select(Module.week, func.count(Lesson.id)).join(Lesson.module)
        .where(Module.programme_id == cohort.programme_id).group_by(Module.week)).all())
    # No distance lessons (a seminar, a conference): no weeks to show.
    weeks = range(1, max(cohort.programme.distance_weeks, *totals) + 1) if totals else range(0)
    done: dict[int, dict[int, int]] = {}
    for enrolment_id, week, count in db.session.execute(
            select(LessonCompletion.enrolment_id, Module.week, func.count())
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .join(Enrolment, Enrolment.id == LessonCompletion.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id, Module.programme_id == cohort.programme_id)
            .group_by(LessonCompletion.enrolment_id, Module.week)):
        done.setdefault(enrolment_id, {})[week] = count
    opens = {week: cohort.week_opens(week) for week in weeks}
    nothing: dict[int, int] = {}
    return {eid: [WeekProgress(week, opens[week], totals.get(week, 0), done.get(eid, nothing).get(week, 0))
                  for week in weeks]
            for eid in enrolment_ids}


def _percent(weeks: list[WeekProgress]) -> int:
    """The whole distance part, as Progress.percent."""
    total = sum(w.total for w in weeks)
    return round(100 * sum(w.done for w in weeks) / total) if total else 0


def cohort_trainees(cohort: Cohort) -> list:
    """The cohort's trainees in one query, ordered as `cohort_enrolments` orders them (by name), as plain rows
    (enrolment_id, user_id, name, email, organisation, country) rather than ORM objects."""
    return list(db.session.execute(
        select(Enrolment.id.label("enrolment_id"), User.id.label("user_id"), User.name, User.email,
               User.organisation, User.country)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(func.lower(User.name), Enrolment.id)))


def stage_columns(stages) -> list[StageColumn]:
    return [StageColumn(s.key, stage_title(s), kind_of(s).scored) for s in stages]


def sort_keys(columns: list[StageColumn]) -> tuple[str, ...]:
    return (*FIXED_SORT_KEYS, *[c.key for c in columns])


def cohort_dashboard(cohort: Cohort, today: date | None = None, stages: list | None = None) -> list[DashboardRow]:
    """One row per trainee of the cohort, ordered by name, in a constant number of queries."""
    today = today or clock_today()
    stages = programme_stages(cohort.programme_id) if stages is None else stages
    trainees = cohort_trainees(cohort)
    progress = cohort_week_progress(cohort, [t.enrolment_id for t in trainees])
    outcomes = cohort_outcomes(cohort, today, stages)
    certificates = cohort_certificates(cohort)
    labels = {status: str(label) for status, label in OUTCOME_LABELS.items()}
    kinds = [(s, kind_of(s)) for s in stages]
    flags = _RiskFlags()
    rows = []
    for trainee in trainees:
        weeks = progress[trainee.enrolment_id]
        o = outcomes[trainee.enrolment_id]
        # A week without lessons cannot be behind, whatever WeekProgress.complete says of it.
        behind = [w.week for w in weeks if w.total and w.is_behind(today)]
        risks = [flags.get(("behind", week), lambda w=week: _week_behind(w)) for week in behind]
        for stage, kind in kinds:
            risks.extend(kind.risks(stage, o.results[stage.key]))
        rows.append(DashboardRow(
            enrolment_id=trainee.enrolment_id, user_id=trainee.user_id, name=trainee.name, email=trainee.email,
            organisation=trainee.organisation or "", country=trainee.country or "",
            weeks=weeks, progress_percent=_percent(weeks), results=o.results,
            cells=[kind.cell(stage, o.results[stage.key]) for stage, kind in kinds],
            status=o.status, status_label=labels.get(o.status, o.status), reasons=o.reasons,
            risks=risks, behind_weeks=behind, certificate=certificates.get(trainee.enrolment_id),
        ))
    return rows


def cohort_certificates(cohort: Cohort) -> dict[int, str]:
    """Enrolment id -> its current certificate as "code (state)", in one query; revoked ones are left out."""
    rows = db.session.execute(
        select(Certificate.enrolment_id, Certificate.code, Certificate.status, Certificate.kind)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id, Certificate.status != REVOKED).order_by(Certificate.id))
    states = {PENDING: _("waiting for approval"), "trainer": _("issued"), "attendance": _("attendance")}
    return {eid: f"{code} ({states[PENDING] if status == PENDING else states[kind]})"
            for eid, code, status, kind in rows}


class _RiskFlags:
    """Flags translated once per dashboard, not once per trainee."""

    def __init__(self) -> None:
        self._cache: dict[tuple, str] = {}

    def get(self, key: tuple, make) -> str:
        text = self._cache.get(key)
        if text is None:
            text = self._cache[key] = make()
        return text


def _week_behind(week: int) -> str:
    return _("Week %(n)d behind", n=week)


# ---- sorting and filtering --------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


_SORT_VALUES = {
    "name": lambda r: _fold(r.name),
    "progress": lambda r: r.progress_percent,
    "outcome": lambda r: OUTCOME_ORDER.index(r.status) if r.status in OUTCOME_ORDER else len(OUTCOME_ORDER),
    "risk": lambda r: len(r.risks),
}


def sort_rows(rows: Iterable[DashboardRow], key: str = "name", descending: bool = False) -> list[DashboardRow]:
    """Rows sorted by one column: name, distance progress, outcome, risk or a stage's key (its figure); an
    unknown key sorts by name. Ties keep name order; rows without a value (no exam taken, no practical scored)
    come last in either direction."""
    value = _SORT_VALUES.get(key)
    if value is None:
        value = (lambda r: r.results[key].percent) if rows and key in next(iter(rows)).results else _SORT_VALUES["name"]
    by_name = sorted(rows, key=lambda r: (_fold(r.name), r.enrolment_id))
    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


def filter_rows(rows: Iterable[DashboardRow], outcome: str | None = None, at_risk: bool = False,
                search: str = "") -> list[DashboardRow]:
    """Rows with this outcome status, only those at risk, and/or matching a search of name, email,
    organisation and country (case-insensitive, any script)."""
    needle = _fold(search.strip())
    result = []
    for row in rows:
        if outcome and row.status != outcome:
            continue
        if at_risk and not row.risks:
            continue
        if needle and not any(needle in _fold(text) for text in (row.name, row.email, row.organisation,
                                                                   row.country)):
            continue
        result.append(row)
    return result


# ---- CSV --------------------------------------------------------------------------------------


def _number(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _text(value: str) -> str:
    """Neutralise a cell a spreadsheet would read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def dashboard_csv(rows: Iterable[DashboardRow], cohort: Cohort, stages: list | None = None) -> bytes:
    """The rows as CSV: UTF-8 with a byte-order mark (spreadsheets then read every script right), CRLF lines.
    Weeks of distance learning (when the programme has modules), then a column per stage, in pipeline order."""
    stages = programme_stages(cohort.programme_id) if stages is None else stages
    rows = list(rows)
    weeks = max((len(r.weeks) for r in rows), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([
        _("Name"), _("Email"), _("Organisation"), _("Country"),
        *[_("Week %(n)d", n=n) + " %" for n in range(1, weeks + 1)],
        *([_("Distance total") + " %"] if weeks else []),
        *[stage_title(s) + " %" for s in stages],
        _("Outcome"), _("Certificate"), _("At risk"),
    ])
    for row in rows:
        by_week = {w.week: w.percent for w in row.weeks}
        writer.writerow([
            _text(row.name), _text(row.email), _text(row.organisation), _text(row.country),
            *[_number(by_week.get(n)) for n in range(1, weeks + 1)],
            *([_number(row.progress_percent)] if weeks else []),
            *[_number(cell.value) for cell in row.cells],
            row.status_label, row.certificate or "", "; ".join(row.risks),
        ])
    return buffer.getvalue().encode("utf-8-sig")


# ---- the overview across cohorts --------------------------------------------------------------


@dataclass
class CohortSummary:
    cohort: Cohort
    trainees: int
    counts: dict[str, int]  # outcome status -> trainees
    at_risk: int
    mean_progress: float | None  # mean distance progress, percent; None without trainees


def visible_cohorts(user) -> list[Cohort]:
    """Every cohort for a coordinator, a trainer's own cohorts, none for anyone else; newest first."""
    query = select(Cohort).options(selectinload(Cohort.programme)).order_by(Cohort.distance_start.desc(),
                                                                            Cohort.id.desc())
    if user.is_coordinator:
        pass
    elif user.is_trainer:
        query = query.join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id).where(
            cohort_trainers.c.user_id == user.id)
    else:
        return []
    return list(db.session.scalars(query))


def summarise(cohort: Cohort, rows: list[DashboardRow]) -> CohortSummary:
    counts = dict.fromkeys(OUTCOME_ORDER, 0)
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    mean = round(sum(r.progress_percent for r in rows) / len(rows), 1) if rows else None
    return CohortSummary(cohort, len(rows), counts, sum(1 for r in rows if r.risks), mean)


def overview(user, today: date | None = None) -> list[CohortSummary]:
    """A summary of each cohort the user may monitor: outcome counts, trainees at risk, mean progress."""
    today = today or clock_today()
    return [summarise(cohort, cohort_dashboard(cohort, today)) for cohort in visible_cohorts(user)]
