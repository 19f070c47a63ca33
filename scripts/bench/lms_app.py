"""The LMS as the benchmarks serve it: the real application factory, with every instance file in the
benchmark's temporary directory.

The factory reads DATABASE_URL, SECRET_KEY, CERTIFICATE_DIR and the rest from the environment, but the mail
outbox, the upload store and the credential signing key always live under the repository's instance/
folder; these overrides put them in BENCH_INSTANCE_DIR instead. The only other difference from `app:app`
is instrumentation: database errors are logged with their message (the app logs only their class).

    gunicorn 'lms_app:create()'        flask --app 'lms_app:create()' db upgrade
"""

from __future__ import annotations

import os
from pathlib import Path


def overrides(instance: Path) -> dict:
    return {
        "OUTBOX_DIR": str(instance / "outbox"),
        "UPLOAD_DIR": str(instance / "uploads"),
        "CERTIFICATE_DIR": str(instance / "certificates"),
        "CREDENTIAL_KEY_PATH": str(instance / "credential_key.pem"),
    }


def create():
    from lms import create_app

    app = create_app(overrides(Path(os.environ["BENCH_INSTANCE_DIR"])))
    log_database_errors(app)
    return app


def log_database_errors(app) -> None:
    """Instrumentation: the app logs only the class of a database error (e.g. "OperationalError"); log the
    driver's message too, so the benchmark can say what failed."""
    import logging

    from sqlalchemy import event

    from lms.extensions import db

    log = logging.getLogger("bench")

    def handle_error(context) -> None:
        log.error("database error: %s: %s", type(context.original_exception).__name__,
                  str(context.original_exception).splitlines()[0][:300])

    with app.app_context():
        event.listen(db.engine, "handle_error", handle_error)
