"""Styled error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link or go to your home page.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The file you sent is larger than the limit. Choose a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried too often. Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; try again shortly.")),
    503: (_l("Temporarily unavailable"), _l("The service is unavailable for a moment. Try again shortly.")),
}


def render_error(code: int, message=None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message or default), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400, _l("The form had expired or was sent from another page, so nothing was saved. "
                    "Go back, reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error: %s", error)
        from lms.extensions import db

        db.session.rollback()
        return render_error(500)
