"""Database engine settings: SQLite gets WAL, foreign keys and a busy timeout."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.extensions import db


def configure_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Writers queue for the lock rather than fail: a burst of exam submissions waits its turn.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds only ASCII; searches must find "Şəhla" and "Алексей" too.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


__all__ = ["configure_database", "Engine"]
