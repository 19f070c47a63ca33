"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context, session
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from lms.extensions import db, login_manager
from lms.timeutil import utcnow

COORDINATOR = "coordinator"
TRAINER = "trainer"
TRAINEE = "trainee"
ROLES = (COORDINATOR, TRAINER, TRAINEE)
# Asked only for anonymous statistics; None when not given.
SEXES = ("female", "male", "other", "prefer_not_to_say")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=TRAINEE)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(100), default="")  # as typed before country codes (kept)
    country_code: Mapped[str] = mapped_column(String(2), default="", server_default="")  # ISO 3166-1 alpha-2
    sex: Mapped[str | None] = mapped_column(String(20))  # one of SEXES, or None: not given
    language: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        # Tests set a cheap method; production keeps werkzeug's default (scrypt).
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, method=method or "scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    def get_id(self) -> str:
        """The session's user key carries a fingerprint of the password, so changing or resetting the
        password ends every other session of the account."""
        return f"{self.id}:{self.session_fingerprint}"

    @property
    def session_fingerprint(self) -> str:
        import hashlib

        return hashlib.sha256(f"session:{self.password_hash or ''}".encode()).hexdigest()[:16]

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def is_trainer(self) -> bool:
        return self.role == TRAINER

    @property
    def is_trainee(self) -> bool:
        return self.role == TRAINEE

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AuthSession(db.Model):
    """One logged-in browser. The session cookie names a row; logging out deletes it, so a copied cookie
    is worthless afterwards."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


SESSION_KEY = "sid"  # where the Flask session keeps the AuthSession id


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """The account of this request's session, in one query that also proves the session row still exists."""
    user_id, _, fingerprint = session_key.partition(":")
    sid = session.get(SESSION_KEY)
    if not user_id.isdigit() or not 0 < int(user_id) < 2**31 or not isinstance(sid, str):
        return None
    user = db.session.scalar(
        select(User).join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == int(user_id), AuthSession.id == sid))
    if user is None or fingerprint != user.session_fingerprint:
        return None
    return user
