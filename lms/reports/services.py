"""Reports on who took part in events and how they attended: per cohort, or per period (every cohort of a
programme, or of every programme, starting between two dates). Each report is a few tables of counts, each
built from a constant number of queries whatever the number of participants."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from lms.auth.countries import country_name
from lms.auth.models import User
from lms.courses.models import PARTICIPANT_TYPES, Cohort, Enrolment, cohort_trainers
from lms.courses.services import RuleError
from lms.extensions import db
from lms.intensive.models import ATTENDED, ONLINE, Attendance, IntensiveSession
from lms.intensive.services import session_topic
from lms.monitoring.charts import _Bar, _chart  # the dashboard's accessible SVG bar chart

TABLES = ("institutions", "countries", "types", "sexes", "attendance")


def participant_type_labels() -> dict[str, str]:
    return {"participant": _("Participant"), "speaker": _("Speaker / expert"), "organiser": _("Organiser"),
            "observer": _("Observer")}


def sex_labels() -> dict[str, str]:
    return {"female": _("Female"), "male": _("Male"), "other": _("Other"),
            "prefer_not_to_say": _("Prefers not to say")}


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""  # an SVG bar chart where one reads better than the table alone


@dataclass
class Report:
    cohorts: list[Cohort]
    participants: int
    tables: dict[str, Table]


# ---- which cohorts -------------------------------------------------------------------------------


def _visible(query, user):
    """Coordinators see every cohort; a trainer only the cohorts they are assigned to."""
    if user.is_coordinator:
        return query
    if user.is_trainer:
        return query.join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id).where(
            cohort_trainers.c.user_id == user.id)
    return query.where(False)


def period_cohorts(user, start: date, end: date, programme_id: int | None = None) -> list[Cohort]:
    """The cohorts this user may see that start between the two dates (both included), of one programme or
    of all. A cohort starts on `starts_on`, or, for one from before pipelines, on its distance start."""
    starts = func.coalesce(Cohort.starts_on, Cohort.distance_start)
    query = select(Cohort).where(starts >= start, starts <= end).order_by(starts, Cohort.id)
    if programme_id:
        query = query.where(Cohort.programme_id == programme_id)
    return list(db.session.scalars(_visible(query, user)))


# ---- the tables ----------------------------------------------------------------------------------


def build_report(cohorts: list[Cohort]) -> Report:
    """Every table for these cohorts: two queries (participants, attendance per session). A person enrolled
    in two of the cohorts counts in each."""
    ids = [c.id for c in cohorts]
    people = db.session.execute(
        select(User.organisation, User.country_code, User.country, User.sex, Enrolment.participant_type)
        .join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.cohort_id.in_(ids))).all() if ids else []
    not_given = _("Not given")
    institutions = Counter((row.organisation or "").strip() or not_given for row in people)
    countries = Counter(country_name(row.country_code) if row.country_code else (row.country or "").strip()
                        or not_given for row in people)
    types = Counter(row.participant_type or "participant" for row in people)
    sexes = Counter(row.sex or "" for row in people)
    tables = {
        "institutions": _count_table("institutions", _("Participants by institution"), _("Institution"),
                                     _sorted(institutions, not_given)),
        "countries": _count_table("countries", _("Participants by country"), _("Country"),
                                  _sorted(countries, not_given)),
        "types": _count_table("types", _("Participants by type"), _("Type"),
                              [(label, types.get(key, 0)) for key, label in participant_type_labels().items()]),
        "sexes": _count_table("sexes", _("Participants by sex"), _("Sex"),
                              [*[(label, sexes.get(key, 0)) for key, label in sex_labels().items()],
                               (not_given, sexes.get("", 0))]),
        "attendance": _attendance_table(cohorts, ids),
    }
    for key in ("countries", "types", "sexes"):
        tables[key].chart = _bars_svg(tables[key], _("Participants"))
    return Report(cohorts, len(people), tables)


def _sorted(counts: Counter, last: str) -> list[tuple[str, int]]:
    """Largest first, then by name; the "not given" row last."""
    rows = sorted(((k, n) for k, n in counts.items() if k != last), key=lambda kv: (-kv[1], kv[0].casefold()))
    return rows + ([(last, counts[last])] if last in counts else [])


def _count_table(key: str, title: str, heading: str, rows: list[tuple[str, int]]) -> Table:
    total = sum(n for _label, n in rows)
    return Table(key, title, [heading, _("Participants"), "%"],
                 [[label, n, round(100 * n / total) if total else 0] for label, n in rows])


def _attendance_table(cohorts: list[Cohort], ids: list[int]) -> Table:
    attended = Attendance.status.in_(ATTENDED)
    online = func.sum(case((attended & (Attendance.mode == ONLINE), 1), else_=0))
    room = func.sum(case((attended & ((Attendance.mode != ONLINE) | Attendance.mode.is_(None)), 1), else_=0))
    rows = db.session.execute(
        select(IntensiveSession, room, online)
        .outerjoin(Attendance, Attendance.session_id == IntensiveSession.id)
        .where(IntensiveSession.cohort_id.in_(ids)).group_by(IntensiveSession.id)
        .order_by(IntensiveSession.on, IntensiveSession.cohort_id, IntensiveSession.day_number)).all() if ids else []
    names = {c.id: c.name for c in cohorts}
    table = Table("attendance", _("Attendance per session"),
                  [_("Cohort"), _("Date"), _("Session"), _("In the room"), _("Online"), _("Total")])
    for session, in_room, on_line in rows:
        in_room, on_line = int(in_room or 0), int(on_line or 0)
        label = session_topic(session) or _("Day %(n)d", n=session.day_number)
        table.rows.append([names[session.cohort_id], session.on.isoformat(), label, in_room, on_line,
                           in_room + on_line])
    return table


def _bars_svg(table: Table, y_title: str) -> str:
    rows = [r for r in table.rows if r[1]] or []
    top = max((r[1] for r in rows), default=0)
    y_max = max(top, 1)
    step = max(1, -(-y_max // 4))
    parts = [f"{r[0]}: {r[1]}" for r in rows]
    bars = [_Bar(r[1], str(r[1]), part, label=str(r[0])[:14]) for r, part in zip(rows, parts, strict=True)]
    return _chart(css_class="report-chart", heading=table.title, summary="; ".join(parts) or _("Nobody yet."),
                  bars=bars, y_max=step * 4, y_ticks=[(step * i, str(step * i)) for i in range(5)],
                  x_title=table.headers[0], y_title=y_title, empty_text=_("Nobody yet."))


# ---- CSV ---------------------------------------------------------------------------------------------


def _cell(value) -> str:
    """Neutralise a cell a spreadsheet would read as a formula (as the dashboard's CSV does)."""
    text = "" if value is None else str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets then read every script right), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---- participant types -------------------------------------------------------------------------------


def set_participant_types(cohort: Cohort, types: dict[int, str]) -> int:
    """Enrolment id -> participant type, for enrolments of this cohort; returns how many changed. Unknown
    types and other cohorts' enrolments are refused as a whole."""
    if any(t not in PARTICIPANT_TYPES for t in types.values()):
        raise RuleError(_("Unknown participant type."))
    enrolments = {e.id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))}
    if any(i not in enrolments for i in types):
        raise RuleError(_("A participant on the list is not in this cohort."))
    changed = 0
    for enrolment_id, kind in types.items():
        if enrolments[enrolment_id].participant_type != kind:
            enrolments[enrolment_id].participant_type = kind
            changed += 1
    db.session.flush()
    return changed
