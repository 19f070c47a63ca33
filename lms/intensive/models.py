"""The intensive: sessions from the cohort calendar, attendance, and the practical teach-back rubric."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Cohort, Enrolment, Programme
from lms.extensions import db
from lms.timeutil import utcnow

PRESENT, LATE, ABSENT, EXCUSED = "present", "late", "absent", "excused"
ATTENDANCE_STATUSES = (PRESENT, LATE, ABSENT, EXCUSED)
ATTENDED = (PRESENT, LATE)  # late arrivals count as attended
ROOM, ONLINE = "room", "online"
MODES = (ROOM, ONLINE)  # how someone attended; rows from before modes were recorded have none: the room


class IntensiveSession(db.Model):
    """One day of the intensive."""

    __tablename__ = "intensive_sessions"
    __table_args__ = (UniqueConstraint("stage_id", "cohort_id", "day_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("programme_stages.id", ondelete="CASCADE"), index=True)
    day_number: Mapped[int]
    on: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200), default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    checkin_open: Mapped[bool] = mapped_column(default=False)

    cohort: Mapped[Cohort] = relationship()
    stage = relationship("ProgrammeStage")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("intensive_sessions.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    self_checked_in: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[str | None] = mapped_column(String(10))  # ROOM or ONLINE when attended; None: the room
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[IntensiveSession] = relationship()
    enrolment: Mapped[Enrolment] = relationship()


class RubricCriterion(db.Model):
    """A criterion of the programme's practical teach-back rubric, scored 0..scale_max."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("programme_stages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    scale_max: Mapped[int] = mapped_column(default=4)
    minimum: Mapped[int] = mapped_column(default=2)

    programme: Mapped[Programme] = relationship()
    stage = relationship("ProgrammeStage")


class PracticalScore(db.Model):
    """One marker's scores for one trainee's teach-back; a second marker adds a second row."""

    __tablename__ = "practical_scores"
    __table_args__ = (UniqueConstraint("stage_id", "enrolment_id", "marker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("programme_stages.id", ondelete="CASCADE"), index=True)
    marker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion id (str) -> points
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    marker: Mapped[User | None] = relationship()
    stage = relationship("ProgrammeStage")
