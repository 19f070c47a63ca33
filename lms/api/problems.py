"""RFC 9457 problem details for everything under /api/, and the headers every API answer carries.

A client branches on `code` (or `type`, the same thing as a URI), never on `title` or `detail`, which are in
the reader's language. The codes are a contract like the API's fields: never renamed or removed.
"""

from __future__ import annotations

from flask import Response, current_app, json, request
from flask_babel import lazy_gettext as _l

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

# code -> (status, title). The titles of the HTML error pages are reused where they fit.
PROBLEMS = {
    "bad_request": (400, _l("Bad request")),
    "malformed_code": (400, _l("Not a certificate code")),
    "not_found": (404, _l("Certificate not found")),
    "unknown_endpoint": (404, _l("No such address in the API")),
    "method_not_allowed": (405, _l("Not allowed")),
    "payload_too_large": (413, _l("Request too large")),
    "uri_too_long": (414, _l("Address too long")),
    "rate_limited": (429, _l("Too many requests")),
    "internal_error": (500, _l("Something went wrong")),
    "unavailable": (503, _l("Temporarily unavailable")),
}
# The code for an HTTP error raised without one (by routing, the request parser, the rate limiter, abort()).
CODE_FOR_STATUS = {400: "bad_request", 404: "unknown_endpoint", 405: "method_not_allowed",
                   413: "payload_too_large", 414: "uri_too_long", 429: "rate_limited", 500: "internal_error",
                   503: "unavailable"}

# Read-only and public: any web page may call the API from a browser and read its answers and errors.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept-Language",
    "Access-Control-Max-Age": "86400",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def type_uri(code: str) -> str:
    """Stable per installation; served as the problem type's description (GET /api/problems/<code>)."""
    return f"{current_app.config['BASE_URL']}/api/problems/{code}"


def problem(code: str, detail=None, status: int | None = None, **extensions) -> Response:
    """A problem-details response: `type`, `title`, `status`, `detail`, `code`, and any extension members."""
    known_status, title = PROBLEMS.get(code, PROBLEMS["internal_error"])
    status = status or known_status
    body = {"type": type_uri(code), "title": str(title), "status": status,
            "detail": str(detail if detail is not None else title), "code": code, **extensions}
    response = current_app.response_class(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    # An error says something about this moment (a limit, an outage, a code not yet issued): never cached.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = _content_language()
    return response


def problem_for_http_error(status: int, detail=None) -> Response:
    return problem(CODE_FOR_STATUS.get(status, "internal_error" if status >= 500 else "bad_request"), detail,
                   status=status)


def _content_language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def add_api_headers(response: Response) -> Response:
    """CORS on every /api/ answer (errors included, so that a page can read them) and on preflights."""
    if is_api_request():
        response.headers.update(CORS_HEADERS)
        if request.method == "OPTIONS":
            response.headers.update(PREFLIGHT_HEADERS)
            response.headers.setdefault("Cache-Control", "public, max-age=86400")
    return response
