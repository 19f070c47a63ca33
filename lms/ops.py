"""Operations: the health check, structured logs, and the 503 page when the database is unreachable."""

from __future__ import annotations

import json
import logging
import time
import uuid

from flask import Blueprint, Flask, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from lms.extensions import csrf, db, limiter

bp = Blueprint("ops", __name__)
log = logging.getLogger("lms.requests")


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """For load balancers: 200 when the app can reach its database, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as error:
        db.session.rollback()
        logging.getLogger("lms.health").error("database unreachable: %s", error.__class__.__name__)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    if app.testing:
        return
    handler = logging.StreamHandler()
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex[:16]

    @app.after_request
    def log_request(response):
        if request.endpoint not in ("static", "ops.healthz"):
            duration = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
            # The route's pattern, not the path: paths carry reset tokens and calendar keys.
            path = request.url_rule.rule if request.url_rule else "(no route)"
            log.info("%s %s %s", request.method, path, response.status_code, extra={
                "request_id": g.get("request_id"), "method": request.method, "path": path,
                "status": response.status_code, "duration_ms": round(duration, 1)})
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response


def is_database_down(error: Exception) -> bool:
    return isinstance(error, (OperationalError,)) or (
        isinstance(error, DBAPIError) and bool(getattr(error, "connection_invalidated", False)))
