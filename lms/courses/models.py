"""Programmes, cohorts and their calendars, enrolments, and distance-learning content."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.extensions import db
from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.timeutil import utcnow


class Programme(db.Model):
    """A certification programme. Its stage settings are data, so other programmes reuse the engine."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    title: Mapped[dict | None] = mapped_column(JSON)  # {"en": ..., "az": ..., "ru": ...}; "en" is `name`
    # What the certificate entitles its holder to, shown to whoever verifies it: {"en": ..., "az": ..., "ru": ...}
    entitlement: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    distance_weeks: Mapped[int] = mapped_column(default=4)
    stage1_pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    stage1_attempts: Mapped[int] = mapped_column(default=2)
    intensive_days: Mapped[int] = mapped_column(default=4)
    attendance_threshold: Mapped[int] = mapped_column(default=75)  # percent
    final_pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    practical_required: Mapped[bool] = mapped_column(default=True)
    practical_threshold: Mapped[int] = mapped_column(default=60, server_default="60")  # percent of the rubric total
    marker_margin: Mapped[int] = mapped_column(default=3, server_default="3")  # points between two markers
    certificate_title: Mapped[str] = mapped_column(String(200), default="International Trainer Certificate")
    attendance_certificate_title: Mapped[str] = mapped_column(
        String(200), default="Certificate of Attendance", server_default="Certificate of Attendance")
    issuer: Mapped[str] = mapped_column(String(300), default="", server_default="")  # issuing institutions
    signatories: Mapped[str] = mapped_column(Text, default="", server_default="")  # "Name, Role" a line
    fallback_rule: Mapped[dict | None] = mapped_column(JSON)  # when the fallback award is earned
    requires_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    validity_years: Mapped[int] = mapped_column(default=3)
    validity_months: Mapped[int | None]  # of the certificate; 0: it does not expire (kept beside validity_years)
    group_size_cap: Mapped[int] = mapped_column(default=25)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="programme", order_by="Cohort.distance_start")
    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="(Module.week, Module.position)", cascade="all, delete-orphan"
    )
    stages: Mapped[list[ProgrammeStage]] = relationship(
        back_populates="programme", order_by="ProgrammeStage.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Programme {self.name}>"


cohort_trainers = Table(
    "cohort_trainers",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """A group of trainees going through a programme together, on one calendar."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    distance_start: Mapped[date]
    stage1_opens: Mapped[date]
    stage1_closes: Mapped[date]
    intensive_start: Mapped[date]
    final_exam_on: Mapped[date]
    venue: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(default=25)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the signed calendar feed address; raising it ends every address given out before.
    calendar_feed_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # Public registration (lms/registration): the page's address holds the token, given when first opened.
    registration_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    registration_closes_on: Mapped[date | None]  # the last day registrations are accepted
    registration_needs_approval: Mapped[bool] = mapped_column(default=True, server_default=true())
    registration_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    registration_token: Mapped[str | None] = mapped_column(String(32), unique=True)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainers, order_by=User.name)
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort", cascade="all, delete-orphan")
    windows: Mapped[list[CohortStageWindow]] = relationship(cascade="all, delete-orphan")

    def week_opens(self, week: int) -> date:
        """Week N of distance learning opens at distance start + 7(N-1) days."""
        return self.distance_start + timedelta(days=7 * (week - 1))

    def week_ends(self, week: int) -> date:
        return self.week_opens(week) + timedelta(days=6)

    @property
    def distance_ends(self) -> date:
        return self.week_ends(self.programme.distance_weeks)

    @property
    def intensive_dates(self) -> list[date]:
        return [self.intensive_start + timedelta(days=i) for i in range(self.programme.intensive_days)]

    @property
    def intensive_ends(self) -> date:
        return self.intensive_dates[-1]

    def __repr__(self) -> str:
        return f"<Cohort {self.name}>"


PARTICIPANT, SPEAKER, ORGANISER, OBSERVER = "participant", "speaker", "organiser", "observer"
PARTICIPANT_TYPES = (PARTICIPANT, SPEAKER, ORGANISER, OBSERVER)


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    participant_type: Mapped[str] = mapped_column(String(20), default=PARTICIPANT, server_default=PARTICIPANT)

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship()
    completions: Mapped[list[LessonCompletion]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan"
    )


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("programme_stages.id", ondelete="SET NULL"), index=True)
    week: Mapped[int]
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")

    programme: Mapped[Programme] = relationship(back_populates="modules")
    stage: Mapped[ProgrammeStage | None] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    resources: Mapped[list[Resource]] = relationship(
        back_populates="module", order_by="Resource.id", cascade="all, delete-orphan"
    )


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")

    module: Mapped[Module] = relationship(back_populates="lessons")


class Resource(db.Model):
    """A link or an uploaded file attached to a module."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    stored_name: Mapped[str] = mapped_column(String(64), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="resources")

    @property
    def is_file(self) -> bool:
        return bool(self.stored_name)


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="completions")
