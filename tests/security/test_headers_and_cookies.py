"""Response headers and cookies, what pages reveal: CSP, nosniff, framing, the session cookie, e-mail
addresses, noindex on verification, the answer key on exam pages, error pages without internals."""

from __future__ import annotations

import json
import re

import pytest

from lms import create_app
from lms.certificates.codes import check_symbol, format_code
from tests.security.conftest import (
    ESSAY_ANSWER,
    EXPLANATION,
    GUIDE,
    KEY_RIGHT,
    KEY_SHORT,
    log_in,
    page_token,
    security_overrides,
)

UNKNOWN_CODE = format_code("00000000000" + check_symbol("00000000000"))
TYPO_CODE = UNKNOWN_CODE[:-1] + ("0" if UNKNOWN_CODE[-1] != "0" else "1")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

# page type -> (role, url template); {x} are world ids
HTML_PAGES = {
    "landing": (None, "/"),
    "login": (None, "/login"),
    "forgot password": (None, "/password/forgot"),
    "bad reset link (400)": (None, "/password/reset/not-a-token"),
    "verify form": (None, "/verify"),
    "verified certificate": (None, "/verify/{code}"),
    "unknown certificate (404)": (None, f"/verify/{UNKNOWN_CODE}"),
    "registry": (None, "/registry"),
    "not found (404)": (None, "/no/such/page"),
    "wrong method (405)": (None, "/logout"),
    "trainee home": ("trainee", "/home"),
    "module": ("trainee", "/cohorts/{cohort_id}/modules/{module_id}"),
    "lesson": ("trainee", "/cohorts/{cohort_id}/lessons/{lesson_id}"),
    "exam": ("trainee", "/cohorts/{cohort_id}/exams/{exam_id}"),
    "attempt": ("trainee", "/attempts/{attempt_id}"),
    "check-in": ("trainee", "/cohorts/{cohort_id}/checkin"),
    "password change": ("trainee", "/password"),
    "forbidden (403)": ("trainee", "/admin/people"),
    "trainer home": ("trainer", "/home"),
    "dashboard (charts)": ("trainer", "/cohorts/{cohort_id}/dashboard"),
    "check-in display (QR)": ("trainer", "/cohorts/{cohort_id}/intensive/1/checkin"),
    "grading": ("trainer", "/grading/exams/{exam_id}/questions/{question_id}"),
    "coordinator home": ("coordinator", "/home"),
    "cohort admin": ("coordinator", "/admin/cohorts/{cohort_id}"),
    "question bank": ("coordinator", "/admin/programmes/{programme_id}/questions"),
}
OTHER_RESPONSES = {
    "JSON API": (None, "/api/v1/certificates/{code}"),
    "JSON API 404": (None, f"/api/v1/certificates/{UNKNOWN_CODE}"),
    "public key": (None, "/.well-known/credential-key.json"),
    "calendar": (None, "/calendar/{token}.ics"),
    "health": (None, "/healthz"),
    "static": (None, "/static/js/app.js"),
    "certificate PDF": ("trainee", "/certificates/{certificate_id}.pdf"),
    "credential": ("trainee", "/certificates/{certificate_id}/credential.json"),
    "resource download": ("trainee", "/cohorts/{cohort_id}/resources/{resource_id}"),
    "dashboard CSV": ("trainer", "/cohorts/{cohort_id}/dashboard.csv"),
    "question export": ("coordinator", "/admin/programmes/{programme_id}/questions/export"),
}


def _get(client, world, who, url):
    if who:
        log_in(client, world.email(who))
    response = client.get(url.format(**world.ids))
    response.close()
    return response


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("page", list(HTML_PAGES))
def test_every_html_page_type_has_a_strict_csp_and_the_other_headers(sec_client, sec_world, page):
    who, url = HTML_PAGES[page]
    response = _get(sec_client, sec_world, who, url)
    assert response.mimetype == "text/html", f"{page}: {response.status_code} {response.mimetype}"
    csp = _csp(response)
    assert csp, f"{page} has no Content-Security-Policy"
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in policy
    assert csp.get("script-src") == ["'self'"] and csp.get("object-src") == ["'none'"]
    assert csp.get("style-src") == ["'self'"] and csp.get("base-uri") == ["'self'"]
    assert csp.get("frame-ancestors") == ["'none'"] and csp.get("form-action") == ["'self'"]
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    if who:  # a page of an account is never kept in a cache
        assert "no-store" in response.headers.get("Cache-Control", ""), page


@pytest.mark.parametrize("kind", list(OTHER_RESPONSES))
def test_every_other_response_is_nosniff_and_unframeable(sec_client, sec_world, kind):
    who, url = OTHER_RESPONSES[kind]
    response = _get(sec_client, sec_world, who, url)
    assert response.status_code in (200, 404), f"{kind}: {response.status_code}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_the_csrf_error_page_and_a_500_have_the_headers_and_no_internals(sec_app, sec_client, sec_world,
                                                                          monkeypatch):
    import lms.main

    csrf = sec_client.post("/login", data={"email": "x@example.org", "password": "x"})
    assert csrf.status_code == 400 and _csp(csrf).get("script-src") == ["'self'"]

    def boom():
        raise RuntimeError("secret-internal-detail at /srv/lms/instance/secret_key")

    monkeypatch.setattr(lms.main, "trainee_home", boom)
    log_in(sec_client, sec_world.email("trainee"))
    response = sec_client.get("/home")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in body
    assert "Traceback" not in body and "secret-internal-detail" not in body and "RuntimeError" not in body
    assert _csp(response).get("frame-ancestors") == ["'none'"]


# ---- cookies ----------------------------------------------------------------------------------------------------


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_the_session_cookie_is_httponly_and_samesite_lax(sec_client, sec_world):
    page_token(sec_client)
    login = sec_client.post("/login", data={"email": sec_world.email("trainee"), "password": "correct horse 42",
                                            "csrf_token": page_token(sec_client)})
    assert login.status_code == 302
    cookies = [c for c in _set_cookies(login) if c.startswith("session=")]
    assert cookies, "logging in sets the session cookie"
    flags = [f.strip().lower() for f in cookies[-1].split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert not any(f.startswith("domain=") for f in flags)
    assert not any(c.startswith("remember_token=") for c in _set_cookies(login))  # no long-lived login cookie


def test_the_session_cookie_is_secure_when_configured(sec_app, tmp_path):
    from lms.extensions import db

    app = create_app({**security_overrides(tmp_path), "SQLALCHEMY_DATABASE_URI": sec_app.app.config[
        "SQLALCHEMY_DATABASE_URI"], "SESSION_COOKIE_SECURE": True})
    try:
        response = app.test_client().get("/login")
        cookie = next(c for c in _set_cookies(response) if c.startswith("session="))
        assert "secure" in [f.strip().lower() for f in cookie.split(";")]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_logging_in_starts_a_new_session(sec_client, sec_world):
    """Nothing put in the session before logging in survives it (no session fixation)."""
    page_token(sec_client)
    with sec_client.session_transaction() as session:
        session["planted"] = "before login"
        before = dict(session)
    log_in(sec_client, sec_world.email("trainee"))
    with sec_client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before.get("csrf_token")  # a new CSRF secret too
        assert session["_user_id"].split(":")[0] == str(sec_world.people["trainee"]["id"])


# ---- what pages reveal ------------------------------------------------------------------------------------------

TRAINEE_PAGES = ["/home", "/cohorts/{cohort_id}/modules/{module_id}", "/cohorts/{cohort_id}/lessons/{lesson_id}",
                 "/cohorts/{cohort_id}/exams/{exam_id}", "/attempts/{attempt_id}", "/cohorts/{cohort_id}/checkin",
                 "/password", "/registry", "/verify/{code}"]
PUBLIC_PAGES = ["/", "/login", "/verify", "/verify/{code}", f"/verify/{UNKNOWN_CODE}", "/registry",
                "/registry?name=a", "/api/v1/certificates/{code}", "/.well-known/credential-key.json",
                "/calendar/{token}.ics", "/password/forgot", "/password/reset/{reset}", "/invite/{invite}"]


def test_a_trainee_sees_no_one_elses_email_address(sec_client, sec_world):
    w = sec_world
    others = [w.email(role) for role in ("coordinator", "trainer", "other_trainer", "other_trainee")]
    log_in(sec_client, w.email("trainee"))
    for url in TRAINEE_PAGES + [f"/attempts/{w.extra['finished_attempt_id']}/result",
                                f"/certificates/{w.ids['certificate_id']}/credential.json"]:
        page = sec_client.get(url.format(**w.ids)).get_data(as_text=True)
        leaked = [email for email in others if email in page]
        assert not leaked, f"{url} shows {leaked}"


def test_public_pages_show_no_email_address_at_all(sec_client, sec_world):
    w = sec_world
    values = {**w.ids, "reset": w.extra["reset_token"], "invite": w.extra["invite_token"]}
    for url in PUBLIC_PAGES:
        response = sec_client.get(url.format(**values))
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 404), url
        assert not EMAIL.search(page), f"{url} shows {EMAIL.search(page).group(0)}"


def test_the_registry_shows_a_listed_holder_without_an_email(sec_app, sec_client, sec_world):
    w = sec_world
    trainee = sec_app.app.test_client()
    log_in(trainee, w.email("trainee"))
    listed = trainee.post(f"/certificates/{w.ids['certificate_id']}/registry",
                          data={"csrf_token": page_token(trainee, "/home")})
    assert listed.status_code == 302
    w.dirty()
    page = sec_client.get("/registry").get_data(as_text=True)
    assert w.people["trainee"]["name"] in page and "Azerbaijan" in page
    assert not EMAIL.search(page)
    record = sec_client.get(f"/api/v1/certificates/{w.ids['code']}").get_json()
    assert "email" not in json.dumps(record).lower() and w.email("trainee") not in json.dumps(record)


def test_verification_pages_are_noindex(sec_client, sec_world):
    w = sec_world
    for url, status in ((f"/verify/{w.ids['code']}", 200), (f"/verify/{UNKNOWN_CODE}", 404),
                        (f"/verify/{TYPO_CODE}", 400), ("/verify?code=nonsense", 400), ("/verify", 200)):
        response = sec_client.get(url)
        assert response.status_code == status, url
        assert "noindex" in response.headers.get("X-Robots-Tag", ""), url
        assert '<meta name="robots" content="noindex' in response.get_data(as_text=True), url
    for url in (f"/api/v1/certificates/{w.ids['code']}", f"/api/v1/certificates/{UNKNOWN_CODE}"):
        assert "noindex" in sec_client.get(url).headers.get("X-Robots-Tag", ""), url
    token = page_token(sec_client, "/verify")
    upload = sec_client.post("/verify/upload", data={"csrf_token": token})
    assert "noindex" in upload.headers.get("X-Robots-Tag", "")


def test_the_answer_key_is_never_on_the_trainees_exam_pages(sec_client, sec_world):
    w = sec_world
    log_in(sec_client, w.email("trainee"))
    exam = sec_client.get("/cohorts/{cohort_id}/exams/{exam_id}".format(**w.ids)).get_data(as_text=True)
    attempt = sec_client.get("/attempts/{attempt_id}".format(**w.ids)).get_data(as_text=True)
    result = sec_client.get(f"/attempts/{w.extra['finished_attempt_id']}/result").get_data(as_text=True)
    for name, page in (("exam", exam), ("attempt", attempt), ("result", result)):
        for secret in (KEY_SHORT, GUIDE, EXPLANATION):
            assert secret not in page, f"the {name} page shows {secret}"
    assert KEY_RIGHT not in exam and KEY_RIGHT not in result  # the review policy shows the score only
    assert KEY_RIGHT in attempt and "correct" not in attempt.lower()  # an option like any other, unmarked
    token = page_token(sec_client, "/attempts/{attempt_id}".format(**w.ids))
    slot = next(iter(re.findall(r'data-slot="(\d+)"', attempt)))
    saved = sec_client.post("/attempts/{attempt_id}/answer".format(**w.ids), data=json.dumps(
        {"slot": int(slot), "response": {"choice": None}}), content_type="application/json",
        headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    for secret in (KEY_RIGHT, KEY_SHORT, GUIDE, "correct"):
        assert secret not in saved.get_data(as_text=True)


def test_staff_see_answers_but_the_grading_view_hides_who_wrote_them(sec_client, sec_world):
    w = sec_world
    log_in(sec_client, w.email("trainer"))
    page = sec_client.get("/grading/exams/{exam_id}/questions/{question_id}".format(**w.ids)).get_data(as_text=True)
    assert ESSAY_ANSWER in page
    assert w.people["trainee"]["name"] not in page and w.email("trainee") not in page
