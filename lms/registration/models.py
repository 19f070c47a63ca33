"""A registration is a request for a place in a cohort; it becomes an account and an enrolment when approved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Cohort
from lms.extensions import db
from lms.timeutil import utcnow

PENDING = "pending"
APPROVED = "approved"
WAITLISTED = "waitlisted"
DECLINED = "declined"
CANCELLED = "cancelled"
STATUSES = (PENDING, APPROVED, WAITLISTED, DECLINED, CANCELLED)
OPEN_STATUSES = (PENDING, APPROVED, WAITLISTED)  # still in the running; a declined address may register again


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))  # normalised: stripped, lower case
    institution: Mapped[str] = mapped_column(String(200), default="", server_default="")
    country: Mapped[str] = mapped_column(String(100), default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # once approved

    cohort: Mapped[Cohort] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"
