"""A programme's stages and each cohort's dates for them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db


class ProgrammeStage(db.Model):
    """One stage of a programme's pipeline. `kind` names the registered kind that owns its data."""

    __tablename__ = "programme_stages"
    __table_args__ = (UniqueConstraint("programme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # {"en": ..., "az": ..., "ru": ...}
    offset_days: Mapped[int] = mapped_column(default=0)  # from the cohort's start
    length_days: Mapped[int] = mapped_column(default=1)
    after: Mapped[list] = mapped_column(JSON, default=list)  # keys of earlier stages that must be passed
    rule: Mapped[dict] = mapped_column(JSON, default=dict)  # pass rule, read by the kind: {"score": 70}
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # kind settings: {"weeks": 4}, {"sessions": 4}
    weight: Mapped[int | None]
    required: Mapped[bool] = mapped_column(default=True)

    programme = relationship("Programme", back_populates="stages")


class CohortStageWindow(db.Model):
    """A cohort's dates for one stage, inclusive; defaults from the stage's offset and length."""

    __tablename__ = "cohort_stage_windows"
    __table_args__ = (UniqueConstraint("cohort_id", "stage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("programme_stages.id", ondelete="CASCADE"), index=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]

    stage: Mapped[ProgrammeStage] = relationship()
