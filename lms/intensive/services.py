"""Intensive rules: sessions from the calendar, attendance marking and self check-in, the practical rubric."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Cohort, Enrolment, Programme
from lms.courses.services import RuleError
from lms.extensions import db
from lms.intensive.models import (
    ABSENT,
    ATTENDED,
    EXCUSED,
    LATE,
    ONLINE,
    PRESENT,
    ROOM,
    Attendance,
    IntensiveSession,
    PracticalScore,
    RubricCriterion,
)
from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.timeutil import utcnow

CHECKIN_PERIOD = 30  # seconds a self check-in code stays current


# ---- sessions ---------------------------------------------------------------------------------


def stage_days(cohort: Cohort, stage) -> list[date]:
    """The day of each planned session of a sessions stage for this cohort (a session a day of its window when
    no number is planned)."""
    window = db.session.scalar(select(CohortStageWindow).where(CohortStageWindow.cohort_id == cohort.id,
                                                               CohortStageWindow.stage_id == stage.id))
    if window is None:
        return []
    days = (window.closes_on - window.opens_on).days + 1
    planned = int((stage.settings or {}).get("sessions", 0)) or days
    # Sessions spread over the window's days: four days, four sessions, one a day; one day, four sessions,
    # all on that day (a conference's panels).
    return [window.opens_on + timedelta(days=n * days // planned) for n in range(planned)]


def ensure_sessions(cohort: Cohort, stage=None) -> list[IntensiveSession]:
    """One session per day of a sessions stage (the programme's first, unless given) on the cohort's calendar;
    dates follow the calendar when it changes."""
    stage = stage or intensive_stage(cohort.programme_id)
    if stage is None:
        return []
    existing = {s.day_number: s for s in db.session.scalars(
        select(IntensiveSession).where(IntensiveSession.cohort_id == cohort.id,
                                       IntensiveSession.stage_id == stage.id))}
    sessions = []
    for number, day in enumerate(stage_days(cohort, stage), start=1):
        session = existing.get(number)
        if session is None:
            # No topic until a trainer gives one: pages label the day themselves ("Day 2").
            session = IntensiveSession(cohort=cohort, stage=stage, day_number=number, on=day, topic="",
                                       venue=cohort.venue, online_link=cohort.online_link)
            db.session.add(session)
        session.on = day
        sessions.append(session)
    db.session.flush()
    return sessions


def session_topic(session: IntensiveSession) -> str:
    """The day's topic, or "" while it is only the day's label ("Day 1", "1-ci gün", "День 1"), which sessions
    were given as their topic before and which the pages show beside it already."""
    topic = (session.topic or "").strip()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            if topic == _("Day %(n)d", n=session.day_number):
                return ""
    return topic


# ---- attendance -------------------------------------------------------------------------------


ONLINE_PRESENT = "online"  # the marking screen's choice "present online": status present, mode online
MARK_CHOICES = (PRESENT, ONLINE_PRESENT, LATE, ABSENT, EXCUSED)


def mark_choice(row: Attendance | None) -> str:
    """The marking screen's choice for a stored row ("" when unmarked)."""
    if row is None:
        return ""
    return ONLINE_PRESENT if row.status == PRESENT and row.mode == ONLINE else row.status


def _status_and_mode(choice: str) -> tuple[str, str | None]:
    if choice == ONLINE_PRESENT:
        return PRESENT, ONLINE
    return choice, (ROOM if choice in ATTENDED else None)


def mark_attendance(session: IntensiveSession, marks: dict[int, tuple[str, str]], marker,
                    today: date | None = None) -> int:
    """Record a day's attendance: enrolment id -> (choice, note), a choice of MARK_CHOICES ("online" is
    present online; present and late are in the room). Refuses a day not yet begun."""
    today = today or utcnow().date()
    if session.on > today:
        raise RuleError(_("Day %(n)d has not begun yet (it is on %(date)s); attendance can be marked from that day.",
                          n=session.day_number, date=format_date(session.on)))
    valid = set(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == session.cohort_id)))
    for enrolment_id, (status, _note) in marks.items():
        if enrolment_id not in valid:
            raise RuleError(_("A trainee on the list is not in this cohort."))
        if status not in MARK_CHOICES:
            raise RuleError(_("“%(status)s” is not an attendance status.", status=status))
    current = {a.enrolment_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    for enrolment_id, (choice, note) in marks.items():
        row = current.get(enrolment_id) or Attendance(session_id=session.id, enrolment_id=enrolment_id)
        row.status, row.mode = _status_and_mode(choice)
        row.note = (note or "").strip()[:300]
        row.marked_by_id, row.marked_at, row.self_checked_in = marker.id, utcnow(), False
        db.session.add(row)
    db.session.flush()
    return len(marks)


@dataclass
class AttendanceSummary:
    total_days: int
    attended: int = 0
    marked: int = 0
    by_day: dict[int, str] = field(default_factory=dict)  # day number -> status

    @property
    def percent(self) -> float:
        return round(100 * self.attended / self.total_days, 1) if self.total_days else 0.0


def stage_attendance(cohort: Cohort, stages: list) -> dict[tuple[int, int], AttendanceSummary]:
    """(stage id, enrolment id) -> attendance in that stage's sessions, for every sessions stage asked, in one
    query. The share is of the stage's planned sessions (`settings["sessions"]`), marked or not."""
    planned = {s.id: int((s.settings or {}).get("sessions", 0)) for s in stages}
    summaries: dict[tuple[int, int], AttendanceSummary] = {}
    rows = db.session.execute(
        select(Attendance.enrolment_id, Attendance.status, IntensiveSession.day_number, IntensiveSession.stage_id)
        .join(IntensiveSession, IntensiveSession.id == Attendance.session_id)
        .where(IntensiveSession.cohort_id == cohort.id, IntensiveSession.stage_id.in_(list(planned))))
    for enrolment_id, status, day, stage_id in rows:
        summary = summaries.setdefault((stage_id, enrolment_id), AttendanceSummary(planned[stage_id]))
        summary.marked += 1
        summary.by_day[day] = status
        if status in ATTENDED:
            summary.attended += 1
    return summaries


def _first_stage(programme_id: int, kind: str):
    return db.session.scalar(select(ProgrammeStage).where(ProgrammeStage.programme_id == programme_id,
                                                          ProgrammeStage.kind == kind)
                             .order_by(ProgrammeStage.position).limit(1))


def intensive_stage(programme_id: int):
    """The programme's first sessions stage: the intensive that these screens run."""
    return _first_stage(programme_id, "sessions")


def practical_stage(programme_id: int):
    """The programme's first practical stage."""
    return _first_stage(programme_id, "practical")


def cohort_attendance(cohort: Cohort) -> dict[int, AttendanceSummary]:
    """Attendance of every enrolment of a cohort in its intensive, keyed by enrolment id."""
    stage = intensive_stage(cohort.programme_id)
    planned = int((stage.settings or {}).get("sessions", 0)) if stage else 0
    found = stage_attendance(cohort, [stage]) if stage else {}
    summaries: dict[int, AttendanceSummary] = defaultdict(lambda: AttendanceSummary(planned))
    for (_stage_id, enrolment_id), summary in found.items():
        summaries[enrolment_id] = summary
    return summaries


def enrolment_attendance(enrolment: Enrolment) -> AttendanceSummary:
    return cohort_attendance(enrolment.cohort)[enrolment.id]


# ---- self check-in ----------------------------------------------------------------------------


def checkin_code(session: IntensiveSession, at: datetime | None = None) -> str:
    """A six-digit code that changes every 30 seconds, derived from the secret key: nothing to store."""
    window = int((at or utcnow()).timestamp()) // CHECKIN_PERIOD
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin:{session.id}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def checkin_seconds_left(at: datetime | None = None) -> int:
    return CHECKIN_PERIOD - int((at or utcnow()).timestamp()) % CHECKIN_PERIOD


def session_mode(session: IntensiveSession) -> str:
    """How the session's stage is held: "in_person", "online" or "hybrid" (the stage's setting)."""
    stage = session.stage
    return ((stage.settings or {}).get("mode") if stage is not None else None) or "in_person"


def self_check_in(session: IntensiveSession, enrolment: Enrolment, code: str, now: datetime | None = None,
                  online: bool = False) -> None:
    """A trainee marks themselves present with the code the trainer shows. The code of the previous 30 s
    still counts (it may have changed while being typed); older codes are refused. Attendance is online when
    the session is online only, or when the participant of a hybrid session says so."""
    now = now or utcnow()
    if enrolment.cohort_id != session.cohort_id:
        raise RuleError(_("You are not in this cohort."))
    if not session.checkin_open or session.on != now.date():
        raise RuleError(_("Self check-in is not open for this session."))
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    valid = {checkin_code(session, now), checkin_code(session, now - timedelta(seconds=CHECKIN_PERIOD))}
    if typed not in valid:
        raise RuleError(_("This code is not valid or has expired. Enter the code shown now."))
    row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                     Attendance.enrolment_id == enrolment.id))
    if row is None:
        row = Attendance(session_id=session.id, enrolment_id=enrolment.id)
        db.session.add(row)
    row.status, row.self_checked_in, row.marked_at, row.marked_by_id = PRESENT, True, now, None
    row.mode = ONLINE if online or session_mode(session) == "online" else ROOM
    db.session.flush()


# ---- the practical rubric ---------------------------------------------------------------------


def parse_rubric(text: str) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Lines of `Criterion | scale maximum | minimum` (the numbers default to 4 and 2)."""
    criteria, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        name = parts[0]
        try:
            scale = int(parts[1]) if len(parts) > 1 and parts[1] else 4
            minimum = int(parts[2]) if len(parts) > 2 and parts[2] else min(2, scale)
        except ValueError:
            errors.append(_("Line %(n)d: the scale and the minimum must be whole numbers.", n=number))
            continue
        if not name or len(name) > 200:
            errors.append(_("Line %(n)d: the criterion needs a name of up to 200 characters.", n=number))
        elif not 1 <= scale <= 100 or not 0 <= minimum <= scale:
            errors.append(_("Line %(n)d: the scale must be 1–100 and the minimum between 0 and the scale.", n=number))
        else:
            criteria.append((name, scale, minimum))
    return criteria, errors


def rubric(programme: Programme) -> list[RubricCriterion]:
    return list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.programme_id == programme.id)
                                   .order_by(RubricCriterion.position)))


def rubric_text(programme: Programme) -> str:
    return "\n".join(f"{c.name} | {c.scale_max} | {c.minimum}" for c in rubric(programme))


def set_rubric(programme: Programme, text: str) -> None:
    """Replace the rubric; criteria keep their ids (and scores) where their position is unchanged."""
    criteria, errors = parse_rubric(text)
    if errors:
        raise RuleError(" ".join(errors))
    current = rubric(programme)
    for position, (name, scale, minimum) in enumerate(criteria, start=1):
        row = current[position - 1] if position <= len(current) else RubricCriterion(programme_id=programme.id)
        row.position, row.name, row.scale_max, row.minimum = position, name, scale, minimum
        db.session.add(row)
    for row in current[len(criteria):]:
        db.session.delete(row)
    db.session.flush()


def stage_rubric(stage) -> list[RubricCriterion]:
    return list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.stage_id == stage.id)
                                   .order_by(RubricCriterion.position)))


def score_practical(enrolment: Enrolment, marker, scores: dict[int, int], comment: str = "",
                    stage=None) -> PracticalScore:
    """One marker's rubric scores for one trainee in a practical stage (the programme's first, unless given).
    Every criterion must be scored within its scale."""
    stage = stage or practical_stage(enrolment.cohort.programme_id)
    criteria = stage_rubric(stage) if stage is not None else []
    if stage is not None and not criteria:  # criteria made before stages had their own: the programme's
        criteria = rubric(enrolment.cohort.programme)
    if not criteria:
        raise RuleError(_("The programme has no practical rubric yet."))
    clean = {}
    for criterion in criteria:
        value = scores.get(criterion.id)
        if value is None:
            raise RuleError(_("Score every criterion; “%(name)s” is missing.", name=criterion.name))
        if not 0 <= value <= criterion.scale_max:
            raise RuleError(_("“%(name)s” is scored 0 to %(max)d; %(value)s is outside the scale.",
                              name=criterion.name, max=criterion.scale_max, value=value))
        clean[str(criterion.id)] = int(value)
    row = db.session.scalar(select(PracticalScore).where(PracticalScore.enrolment_id == enrolment.id,
                                                         PracticalScore.marker_id == marker.id,
                                                         PracticalScore.stage_id == (stage.id if stage else None)))
    if row is None:
        row = PracticalScore(enrolment_id=enrolment.id, marker_id=marker.id, stage=stage)
        db.session.add(row)
    row.scores, row.comment, row.scored_at = clean, (comment or "").strip(), utcnow()
    db.session.flush()
    return row


@dataclass
class PracticalResult:
    markers: int
    total: float | None = None  # mean over markers
    max_total: int = 0
    percent: float | None = None
    passed: bool | None = None
    below_minimum: list[str] = field(default_factory=list)
    disagreement: bool = False


def stage_practicals(cohort: Cohort, stages: list) -> tuple[dict[tuple[int, int], PracticalResult], dict[int, int]]:
    """(stage id, enrolment id) -> the practical result, for every practical stage asked, in two queries:
    the mean of the markers' scores per criterion against the stage's pass mark and each criterion's minimum.
    Also each stage's rubric total, for those not scored yet."""
    criteria: dict[int, list[RubricCriterion]] = defaultdict(list)
    for criterion in db.session.scalars(select(RubricCriterion).where(
            RubricCriterion.stage_id.in_([s.id for s in stages])).order_by(RubricCriterion.position)):
        criteria[criterion.stage_id].append(criterion)
    rows_of: dict[tuple[int, int], list[PracticalScore]] = defaultdict(list)
    for row in db.session.scalars(select(PracticalScore).join(Enrolment, Enrolment.id == PracticalScore.enrolment_id)
                                  .where(Enrolment.cohort_id == cohort.id,
                                         PracticalScore.stage_id.in_([s.id for s in stages]))):
        rows_of[(row.stage_id, row.enrolment_id)].append(row)
    by_id = {s.id: s for s in stages}
    results = {}
    for (stage_id, enrolment_id), rows in rows_of.items():
        stage, marks = by_id[stage_id], criteria[stage_id]
        max_total = sum(c.scale_max for c in marks)
        totals = [sum(r.scores.get(str(c.id), 0) for c in marks) for r in rows]
        means = {c.id: sum(r.scores.get(str(c.id), 0) for r in rows) / len(rows) for c in marks}
        below = [c.name for c in marks if means[c.id] < c.minimum]
        total = sum(means.values())
        percent = round(100 * total / max_total, 1) if max_total else 0.0
        results[(stage_id, enrolment_id)] = PracticalResult(
            markers=len(rows), total=round(total, 2), max_total=max_total, percent=percent,
            passed=not below and percent >= int((stage.rule or {}).get("score", 0)), below_minimum=below,
            disagreement=len(totals) > 1 and max(totals) - min(totals) > int(
                (stage.settings or {}).get("marker_margin", 0)))
    return results, {s.id: sum(c.scale_max for c in criteria[s.id]) for s in stages}


def practical_results(cohort: Cohort) -> dict[int, PracticalResult]:
    """The practical result of every enrolment in a cohort, keyed by enrolment id."""
    stage = practical_stage(cohort.programme_id)
    found, max_totals = stage_practicals(cohort, [stage]) if stage else ({}, {})
    results: dict[int, PracticalResult] = defaultdict(
        lambda: PracticalResult(0, max_total=max_totals.get(stage.id, 0) if stage else 0))
    for (_stage_id, enrolment_id), result in found.items():
        results[enrolment_id] = result
    return results
