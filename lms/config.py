"""Settings, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from lms import ratelimit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance / 'lms.db'}"
    # Accept the common postgres:// and postgresql:// spellings; we drive PostgreSQL with psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance: Path = INSTANCE) -> dict:
    """The whole configuration as a dict, built from the process environment."""
    env = os.environ
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        # hide_parameters: a logged database error never carries e-mail addresses or password hashes.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Production is a SECRET_KEY given by the environment (the demo generates one into instance/);
        # there, certificates are not issued while BASE_URL names this machine.
        "PRODUCTION": bool(env.get("SECRET_KEY")),
        "ALLOW_LOCAL_BASE_URL": _bool(env.get("ALLOW_LOCAL_BASE_URL"), False),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # Default: a file in the instance folder that every worker process of this server counts in together
        # (lms/ratelimit.py); redis://host:6379 when several servers share the limits.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or ratelimit.default_uri(instance),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), True),
        "MAIL_SENDER": env.get("MAIL_SENDER", "LMS <no-reply@lms.local>"),
        "OUTBOX_DIR": str(instance / "outbox"),
        "UPLOAD_DIR": str(instance / "uploads"),
        # Largest request body; bigger uploads get the 413 page.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ["en", "az", "ru"],
        # How many reverse proxies stand in front: their X-Forwarded-For/-Proto are then trusted, so rate
        # limits key on the visitor's address rather than the proxy's. 0 when clients connect directly.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "LOG_FORMAT": env.get("LOG_FORMAT", "text"),  # "json" for one JSON object a line
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "RESET_TOKEN_MAX_AGE": 3600,
        "INVITE_TOKEN_MAX_AGE": 7 * 24 * 3600,
        # A calendar feed address stops working this many days after it was shown (coordinators can also reset it).
        "CALENDAR_FEED_MAX_AGE_DAYS": int(env.get("CALENDAR_FEED_MAX_AGE_DAYS", "365")),
        "LOGIN_LIMITS": env.get("LOGIN_LIMITS", "10 per minute;50 per hour"),
        "VERIFY_LIMITS": env.get("VERIFY_LIMITS", "60 per minute;1000 per hour"),
        # Posts of the public registration form, per client address.
        "REGISTRATION_LIMITS": env.get("REGISTRATION_LIMITS", "5 per minute;30 per hour"),
        # Verification counts are written in batches at most this often (seconds): no write per request.
        "VERIFY_COUNT_FLUSH_SECONDS": float(env.get("VERIFY_COUNT_FLUSH_SECONDS", "5")),
        "CERTIFICATE_DIR": env.get("CERTIFICATE_DIR", str(instance / "certificates")),
    }
