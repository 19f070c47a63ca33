"""Styled error pages, and RFC 9457 problem details (JSON) for everything under /api/."""

from __future__ import annotations

import logging
import time

from flask import Flask, abort, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.api.problems import is_api_request

log = logging.getLogger(__name__)

# Longer addresses than any link of ours: answered with the styled 414 page. Gunicorn reads request lines of
# up to 8190 bytes (gunicorn.conf.py), so a person never meets a server's raw error page for those.
MAX_URL_LENGTH = 2000

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link or go to your home page.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The file you sent is larger than the limit. Choose a smaller file.")),
    414: (_l("Address too long"), _l("This web address is too long to be a page of this site. "
                                     "Check the link you followed.")),
    429: (_l("Too many attempts"), _l("You have tried too often. Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; try again shortly.")),
    503: (_l("Temporarily unavailable"), _l("The service is unavailable for a moment. Try again shortly.")),
}


def retry_after() -> str:
    """Seconds until the breached rate limit's window ends (for a 429), from the limit the request hit."""
    from lms.extensions import limiter

    breached = limiter.current_limit
    if breached is None:
        return "60"
    return str(max(1, int(breached.reset_at - time.time())))


def render_error(code: int, message=None):
    from lms.api.problems import problem_for_http_error

    response = problem_for_http_error(code, message) if is_api_request() else _error_page(code, message)
    if code == 429:
        response.headers["Retry-After"] = retry_after()
    elif code == 503:
        response.headers["Retry-After"] = "30"
    return response


def _error_page(code: int, message=None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    template = "errors/unavailable.html" if code == 503 else "errors/error.html"
    return make_response(render_template(template, code=code, title=title, message=message or default), code)


def refuse_long_urls() -> None:
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(uri) > MAX_URL_LENGTH:
        abort(414)


def register_error_handlers(app: Flask) -> None:
    # First of all before-request hooks: nothing else need read an address this long.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_long_urls)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400, _l("The form had expired or was sent from another page, so nothing was saved. "
                    "Go back, reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 405:
            response = render_error(405, MESSAGES[405][1])
            response.headers["Allow"] = ", ".join(error.valid_methods or ())
            return response
        if error.code in MESSAGES or (error.code and error.code >= 400 and is_api_request()):
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        from lms.extensions import db
        from lms.ops import is_database_down

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; the page must still render
            log.warning("rollback failed after an error")
        if is_database_down(error):
            log.error("database unavailable: %s", error.__class__.__name__)
            return render_error(503)
        log.exception("unhandled error: %s", error)
        return render_error(500)
