"""CSRF: every route that takes a POST refuses one without a valid token, with the friendly 400 page.

The routes come from the URL map, so a new POST route is swept too. Each POST is sent by the role the access
matrix lets through (so a missing check would reach the view and change something), with the body the view
would accept apart from the token. The JSON autosave takes its token in the X-CSRFToken header instead.
"""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import is_login_redirect, log_in, page_token
from tests.security.test_access_matrix import EXPECTED, LOGIN, RULES, build_url

FRIENDLY = "The form had expired or was sent from another page"
POST_RULES = [r for r in RULES if "POST" in r.methods]

# The role a request must come from to get past the access checks, and a body that is valid but for the token.
BODIES = {
    "auth.login": {"email": "tina.trainee@example.org", "password": "correct horse 42"},
    "auth.set_language": {"lang": "ru", "next": "/home"},
    "auth.change_password": {"current": "correct horse 42", "password": "a new long passphrase 7",
                             "confirm": "a new long passphrase 7"},
    "auth.reset_password": {"password": "a new long passphrase 7", "confirm": "a new long passphrase 7"},
    "auth.accept_invite": {"password": "a new long passphrase 7", "confirm": "a new long passphrase 7"},
    "auth.forgot_password": {"email": "tina.trainee@example.org"},
    "people.index": {"name": "New Person", "email": "new.person@example.org", "role": "coordinator",
                     "language": "en"},
    "admin.enrol": {"enrol-name": "New Trainee", "enrol-email": "new.trainee@example.org"},
    "certificates.revoke": {"reason": "Forged"},
    "certificates.reissue": {"holder_name": "Someone Else"},
    "grading.grade": {"a{slot_id}-points": "5", "a{slot_id}-feedback": "ok"},
    "intensive.checkin": {"code": "123456"},
    "intensive.edit_session": {"topic": "Hijacked"},
    "admin.new_programme": {"name": "Injected programme", "certificate_title": "X", "distance_weeks": "4"},
}


def _allowed_role(endpoint: str) -> str:
    """The first role the access matrix does not refuse (403 or the login page)."""
    for role, status in EXPECTED[endpoint].items():
        if status not in (403, LOGIN):
            return role
    return "coordinator"


def _body(endpoint: str, world) -> dict:
    body = BODIES.get(endpoint, {})
    return {key.format(**world.ids): value for key, value in body.items()}


@pytest.mark.parametrize("rule", POST_RULES, ids=lambda r: r.endpoint)
def test_a_post_without_a_token_is_refused_with_the_friendly_page(sec_client, sec_world, rule):
    role = _allowed_role(rule.endpoint)
    if role != "anonymous":
        log_in(sec_client, sec_world.email(role))
    url = build_url(rule, sec_world)
    if rule.endpoint == "exams.autosave":
        response = sec_client.post(url, data=json.dumps({"slot": sec_world.ids["slot_id"], "response": {}}),
                                   content_type="application/json")
    else:
        response = sec_client.post(url, data=_body(rule.endpoint, sec_world))
    assert response.status_code == 400, f"POST {rule.rule} as {role} without a token: {response.status_code}"
    assert FRIENDLY in response.get_data(as_text=True)


@pytest.mark.parametrize("rule", POST_RULES, ids=lambda r: r.endpoint)
def test_a_token_of_another_session_is_refused(sec_app, sec_client, sec_world, rule):
    stranger = sec_app.app.test_client()
    foreign_token = page_token(stranger, "/login")
    role = _allowed_role(rule.endpoint)
    if role != "anonymous":
        log_in(sec_client, sec_world.email(role))
    url = build_url(rule, sec_world)
    if rule.endpoint == "exams.autosave":
        response = sec_client.post(url, data="{}", content_type="application/json",
                                   headers={"X-CSRFToken": foreign_token})
    else:
        response = sec_client.post(url, data={**_body(rule.endpoint, sec_world), "csrf_token": foreign_token})
    assert response.status_code == 400, f"POST {rule.rule} as {role} with a stranger's token: {response.status_code}"


def test_the_json_autosave_takes_its_token_from_the_header(sec_client, sec_world):
    w = sec_world
    log_in(sec_client, w.email("trainee"))
    attempt_url = f"/attempts/{w.ids['attempt_id']}"
    token = page_token(sec_client, attempt_url)
    body = json.dumps({"slot": 0, "response": {}})
    without = sec_client.post(attempt_url + "/answer", data=body, content_type="application/json")
    with_header = sec_client.post(attempt_url + "/answer", data=body, content_type="application/json",
                                  headers={"X-CSRFToken": token})
    assert without.status_code == 400
    assert with_header.status_code == 409 and with_header.json["ok"] is False  # past CSRF: slot 0 is no question


def test_nothing_changed_after_the_refused_posts(sec_app, sec_client, sec_world):
    """After a refused programme creation, enrolment and registry switch, the data is as before."""
    from sqlalchemy import func, select

    from lms.certificates.models import Certificate
    from lms.courses.models import Enrolment, Programme
    from lms.extensions import db

    w = sec_world
    log_in(sec_client, w.email("coordinator"))
    before = (db.session.scalar(select(func.count()).select_from(Programme)),
              db.session.scalar(select(func.count()).select_from(Enrolment)))
    sec_client.post("/admin/programmes/new", data=BODIES["admin.new_programme"])
    sec_client.post(f"/admin/cohorts/{w.ids['cohort_id']}/enrol", data=BODIES["admin.enrol"])
    trainee = sec_app.app.test_client()
    log_in(trainee, w.email("trainee"))
    trainee.post(f"/certificates/{w.ids['certificate_id']}/registry", data={})
    db.session.expire_all()
    after = (db.session.scalar(select(func.count()).select_from(Programme)),
             db.session.scalar(select(func.count()).select_from(Enrolment)))
    assert before == after
    assert db.session.get(Certificate, w.ids["certificate_id"]).listed is False


def test_logout_needs_a_post_with_a_token(sec_client, sec_world):
    log_in(sec_client, sec_world.email("trainee"))
    assert sec_client.get("/logout").status_code == 405
    assert sec_client.post("/logout").status_code == 400
    assert not is_login_redirect(sec_client.get("/home"))  # still logged in
