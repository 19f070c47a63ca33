"""Cohort rules: the calendar's order, capacity, enrolling one trainee or a whole CSV file."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth import services as accounts
from lms.auth.countries import country_code
from lms.auth.models import TRAINEE, User
from lms.courses.models import PARTICIPANT, PARTICIPANT_TYPES, Cohort, Enrolment, Programme
from lms.courses.services import RuleError
from lms.extensions import db

CSV_COLUMNS = ("name", "email", "organisation", "country", "language")  # and optionally participant_type
LANGUAGES = ("en", "az", "ru")


def calendar_problems(programme: Programme, distance_start: date | None, stage1_opens: date | None,
                      stage1_closes: date | None, intensive_start: date | None,
                      final_exam_on: date | None) -> dict[str, str]:
    """Field name -> message for each date out of order. Empty when the calendar holds together."""
    problems: dict[str, str] = {}
    if None in (distance_start, stage1_opens, stage1_closes, intensive_start, final_exam_on):
        return problems  # the form reports missing dates itself
    distance_ends = distance_start + timedelta(days=7 * programme.distance_weeks - 1)
    intensive_ends = intensive_start + timedelta(days=programme.intensive_days - 1)
    if stage1_opens <= distance_ends:
        problems["stage1_opens"] = _(
            "The stage-1 exam must open after the %(weeks)d distance weeks (after %(date)s).",
            weeks=programme.distance_weeks, date=distance_ends.isoformat())
    if stage1_closes < stage1_opens:
        problems["stage1_closes"] = _("The stage-1 window must close on or after the day it opens.")
    if intensive_start <= stage1_closes:
        problems["intensive_start"] = _("The intensive must start after the stage-1 window closes.")
    if final_exam_on <= intensive_ends:
        problems["final_exam_on"] = _(
            "The final exam must come after the last intensive day (%(date)s).", date=intensive_ends.isoformat())
    return problems


def enrolment_count(cohort: Cohort) -> int:
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id)) or 0


def enrolment_counts() -> dict[int, int]:
    """Cohort id -> number of trainees enrolled, for every cohort, in one query."""
    return dict(db.session.execute(select(Enrolment.cohort_id, func.count()).group_by(Enrolment.cohort_id)).all())


def capacity_problem(cohort: Cohort, capacity: int) -> str | None:
    count = enrolment_count(cohort) if cohort.id else 0
    if capacity < count:
        return _("Capacity cannot be below the %(n)d trainees already enrolled.", n=count)
    return None


def enrol(cohort: Cohort, user: User) -> Enrolment:
    """Enrol a trainee, once. Refuses other roles and a full cohort."""
    if not user.is_trainee:
        raise RuleError(_("Only trainees can be enrolled."))
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id))
    if existing:
        return existing
    if enrolment_count(cohort) >= cohort.capacity:
        raise RuleError(_("The cohort is full (capacity %(n)d).", n=cohort.capacity))
    enrolment = Enrolment(cohort=cohort, user=user)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def unenrol(enrolment: Enrolment) -> None:
    db.session.delete(enrolment)
    db.session.flush()


@dataclass
class CsvRow:
    line: int
    name: str
    email: str
    organisation: str
    country: str
    language: str
    participant_type: str = PARTICIPANT


@dataclass
class CsvReport:
    rows: list[CsvRow]
    errors: list[str]
    already_enrolled: int = 0  # rows whose trainee was in the cohort before the import (set by the import)


def parse_enrolment_csv(data: bytes) -> CsvReport:
    """Read name,email,organisation,country,language rows; report every bad line with its number."""
    errors: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CsvReport([], [_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return CsvReport([], [_("The file is empty.")])
    columns = [c.strip().lower() for c in header]
    missing = [c for c in ("name", "email") if c not in columns]
    if missing:
        return CsvReport([], [_("Line 1: the header must name the columns %(cols)s; missing: %(missing)s.",
                                cols=", ".join(CSV_COLUMNS), missing=", ".join(missing))])
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            values = {col: (record[i].strip() if i < len(record) else "") for i, col in enumerate(columns)}
            problems = []
            name = values.get("name", "")
            if not name:
                problems.append(_("the name is empty"))
            email = values.get("email", "")
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                problems.append(_("“%(email)s” is not an e-mail address", email=email))
            language = (values.get("language") or "en").lower()
            if language not in LANGUAGES:
                problems.append(_("language must be one of en, az, ru (not “%(lang)s”)", lang=language))
            participant_type = (values.get("participant_type") or PARTICIPANT).lower()
            if participant_type not in PARTICIPANT_TYPES:
                problems.append(_("participant_type must be one of %(types)s (not “%(type)s”)",
                                  types=", ".join(PARTICIPANT_TYPES), type=participant_type))
            if email in seen:
                problems.append(_("the address appears already on line %(line)d", line=seen[email]))
            if len(name) > 200:
                problems.append(_("the name is longer than 200 characters"))
            if any(unicodedata.category(ch) == "Cc" for field_value in values.values() for ch in field_value):
                problems.append(_("the row contains control characters"))
            if problems:
                errors.append(_("Line %(line)d: %(problems)s.", line=line, problems="; ".join(problems)))
                continue
            seen[email] = line
            rows.append(CsvRow(line, name, email, values.get("organisation", "")[:200],
                               values.get("country", "")[:100], language, participant_type))
    except csv.Error as exc:
        errors.append(_("Line %(line)d: the file is not valid CSV (%(error)s).", line=reader.line_num, error=str(exc)))
    if not rows and not errors:
        errors.append(_("The file has a header but no trainees."))
    return CsvReport(rows, errors)


def import_enrolments(cohort: Cohort, report: CsvReport) -> tuple[int, int]:
    """Enrol every row, creating invited accounts for new addresses. All or nothing.

    Returns (accounts created, enrolments made) and counts in `report.already_enrolled` the rows whose trainee
    was enrolled already (importing the same file twice changes nothing). Raises RuleError, importing nothing,
    when any row fails.
    """
    if report.errors:
        raise RuleError(_("The file has problems; nothing was imported."))
    emails = [row.email for row in report.rows]
    existing = {u.email: u for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))}
    problems = []
    for row in report.rows:
        user = existing.get(row.email)
        if user is not None and not user.is_trainee:
            problems.append(_("Line %(line)d: %(email)s belongs to a %(role)s, not a trainee.",
                              line=row.line, email=row.email, role=user.role))
    already = set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)))
    report.already_enrolled = sum(1 for row in report.rows
                                  if row.email in existing and existing[row.email].id in already)
    new_enrolments = len(report.rows) - report.already_enrolled
    if enrolment_count(cohort) + new_enrolments > cohort.capacity:
        problems.append(_("The file would bring the cohort to %(n)d trainees, above its capacity of %(cap)d.",
                          n=enrolment_count(cohort) + new_enrolments, cap=cohort.capacity))
    if problems:
        report.errors.extend(problems)
        raise RuleError(_("The file has problems; nothing was imported."))
    created = enrolled = 0
    invited = []
    for row in report.rows:
        user = existing.get(row.email)
        if user is None:
            # A country named in English, Azerbaijani or Russian, or by its code, gets its code; the text stays.
            user = accounts.create_user(row.email, row.name, TRAINEE, organisation=row.organisation,
                                        country=row.country, country_code=country_code(row.country),
                                        language=row.language)
            invited.append(user)
            created += 1
        if user.id not in already:
            db.session.add(Enrolment(cohort=cohort, user=user, participant_type=row.participant_type))
            enrolled += 1
    db.session.flush()
    for user in invited:
        accounts.send_invitation(user)
    return created, enrolled
