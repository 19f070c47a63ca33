"""Extension objects, created unbound and wired in create_app()."""

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter as _Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class Limiter(_Limiter):
    """Flask-Limiter, counting in the instance folder's shared file unless RATELIMIT_STORAGE_URI says otherwise."""

    def init_app(self, app: Flask) -> None:
        from lms import ratelimit  # registers the mmap:// storage with `limits`

        # Test apps keep their counts to themselves, unless a test names a file: the instance folder is shared
        # by every test run on this machine.
        if app.testing and app.config.get("RATELIMIT_STORAGE_URI") == ratelimit.default_uri(Path(app.instance_path)):
            app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        super().init_app(app)


limiter = Limiter(key_func=get_remote_address)


def posted_email() -> str:
    """Rate-limit key for throttling login per account, whatever address it comes from."""
    return "account:" + (request.form.get("email") or "").strip().lower()
