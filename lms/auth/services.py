"""Account rules: authentication, server-side sessions, passwords, signed links for reset and invitation,
and the device cookie that keeps the login throttle from locking out an account's real owner."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from lms.auth.models import ROLES, AuthSession, User
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

DEVICE_COOKIE = "lms_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


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


def start_session(user: User) -> str:
    """A new server-side session for this account; its id goes into the session cookie."""
    record = AuthSession(id=secrets.token_urlsafe(32), user_id=user.id)
    db.session.add(record)
    db.session.flush()
    return record.id


def end_session(session_id: str | None) -> None:
    if isinstance(session_id, str):
        db.session.execute(delete(AuthSession).where(AuthSession.id == session_id))


def end_other_sessions(user: User, keep: str | None = None) -> None:
    """Log the account out everywhere, except the session `keep` (the one changing its password)."""
    query = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    db.session.execute(query)


def set_password_from_link(user: User, password: str) -> None:
    """A reset or invitation link sets the password and ends every session the account had."""
    user.set_password(password)
    end_other_sessions(user)


def change_password(user: User, password: str, current_session: str | None) -> None:
    user.set_password(password)
    end_other_sessions(user, keep=current_session)


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-device")


def device_token(email: str) -> str:
    """The device cookie's value: this account's address and a nonce, signed (OWASP's "device cookie")."""
    return _device_serializer().dumps({"e": normalise_email(email), "n": secrets.token_urlsafe(8)})


def device_nonce(token: str | None, email: str) -> str | None:
    """The nonce of a valid, unexpired device cookie issued to `email`; None for any other cookie."""
    if not token or not email:
        return None
    try:
        data = _device_serializer().loads(token, max_age=DEVICE_COOKIE_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict) or data.get("e") != normalise_email(email) or not isinstance(data.get("n"), str):
        return None
    return data["n"]


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
