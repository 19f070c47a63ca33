"""Account rules: authentication, passwords, signed links for reset and invitation."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from lms.auth.models import ROLES, User
from lms.extensions import db
from lms.mail import send_mail
from lms.urls import external_url

MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)

RESET = "reset"
INVITE = "invite"


class TokenError(Exception):
    """A link that is expired, altered or already used."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


_DUMMY = User(email="", name="")


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.is_active or not user.password_hash:
        # Hash anyway, so the time taken does not tell which addresses have accounts.
        if _DUMMY.password_hash is None:
            _DUMMY.set_password("not-a-real-password")
        _DUMMY.check_password(password)
        return None
    return user if user.check_password(password) else None


def password_problem(password: str) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if password.lower() in COMMON_PASSWORDS:
        return _("This password is too common; choose another.")
    return None


def create_user(email: str, name: str, role: str, **fields) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User(email=normalise_email(email), name=name.strip(), role=role, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lms-{purpose}")


def _fingerprint(user: User) -> str:
    # Ties a link to the current password, so it stops working once the password changes.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_from_token(token: str, purpose: str) -> User:
    key = "RESET_TOKEN_MAX_AGE" if purpose == RESET else "INVITE_TOKEN_MAX_AGE"
    try:
        data = _serializer(purpose).loads(token, max_age=current_app.config[key])
    except SignatureExpired as exc:
        raise TokenError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise TokenError(_("This link is not valid. Ask for a new one.")) from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise TokenError(_("This link has already been used. Ask for a new one."))
    return user


def send_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way, so addresses cannot be probed."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = external_url("auth.reset_password", token=make_token(user, RESET))
    send_mail(
        user.email,
        _("Reset your password"),
        _(
            "Hello %(name)s,\n\nTo choose a new password, open this link within an hour:\n%(link)s\n\n"
            "If you did not ask for this, ignore this message.",
            name=user.name,
            link=link,
        ),
    )


def send_invitation(user: User) -> None:
    link = external_url("auth.accept_invite", token=make_token(user, INVITE))
    send_mail(
        user.email,
        _("You are invited to the trainer certification programme"),
        _(
            "Hello %(name)s,\n\nAn account has been created for you. Choose your password here "
            "(the link works for 7 days):\n%(link)s\n",
            name=user.name,
            link=link,
        ),
    )


def invite_user(email: str, name: str, role: str, **fields) -> User:
    user = create_user(email, name, role, **fields)
    send_invitation(user)
    return user
