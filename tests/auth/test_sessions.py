"""Server-side sessions: logging out, changing or resetting a password really ends a session, even for
someone holding a copy of its cookie; and `next` addresses that could split a header go home instead."""

import re
from email import message_from_bytes

from sqlalchemy import event, select

from lms.auth.models import AuthSession
from tests.conftest import PASSWORD, csrf_token, login, post_form


def _copy_of_session(app, client):
    """A fresh browser carrying a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _is_sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copied_session_cookie_stops_working_at_logout(app, client, make_trainee):
    login(client, make_trainee())
    thief = _copy_of_session(app, client)
    assert thief.get("/home").status_code == 200  # the copy works while the session lasts

    post_form(client, "/logout", token_from="/home")

    assert _is_sent_to_login(thief.get("/home"))
    assert _is_sent_to_login(client.get("/home"))


def test_logging_out_ends_only_that_session(app, make_trainee):
    user = make_trainee()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    post_form(laptop, "/logout", token_from="/home")
    assert _is_sent_to_login(laptop.get("/home"))
    assert phone.get("/home").status_code == 200


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, make_trainee):
    user = make_trainee()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    copy_of_here = _copy_of_session(app, here)
    response = post_form(here, "/password", {"current": PASSWORD, "password": "new-pass-123",
                                             "confirm": "new-pass-123"}, token_from="/password")
    assert response.status_code == 302
    assert here.get("/home").status_code == 200
    assert _is_sent_to_login(elsewhere.get("/home"))
    post_form(here, "/logout", token_from="/home")
    assert _is_sent_to_login(copy_of_here.get("/home"))


def test_a_password_reset_ends_every_session(app, db, client, make_trainee, outbox):
    user = make_trainee()
    logged_in = app.test_client()
    login(logged_in, user)
    post_form(client, "/password/forgot", {"email": user.email})
    mail = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)[-1]
    body = message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode()
    link = re.search(r"http://lms\.test(/password/reset/\S+)", body).group(1)
    done = post_form(client, link, {"password": "brand-new-42", "confirm": "brand-new-42"}, token_from=link)
    assert done.status_code == 302
    assert _is_sent_to_login(logged_in.get("/home"))
    db.session.expire_all()
    assert db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all() == []


def test_deleting_an_account_deletes_its_sessions(app, db, client, make_trainee):
    user = make_trainee()
    login(client, user)
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalars(select(AuthSession)).all() == []
    assert _is_sent_to_login(client.get("/home"))


def _statements(db, work) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_the_session_is_checked_in_one_query_and_not_at_all_for_anonymous_requests(db, client, make_trainee,
                                                                                     make_certified):
    code = make_certified().code
    login(client, make_trainee())
    logged_in = _statements(db, lambda: client.get("/home"))
    session_queries = [s for s in logged_in if "auth_sessions" in s]
    assert len(session_queries) == 1 and "users" in session_queries[0]
    assert not any(re.search(r"FROM users\b", s) and "auth_sessions" not in s for s in logged_in)

    anonymous = _statements(db, lambda: client.application.test_client().get(f"/api/v1/certificates/{code}"))
    assert not any("auth_sessions" in s for s in anonymous)


# ---- `next` addresses -----------------------------------------------------------------------------------------

HEADER_SPLITS = ["/home\r\nSet-Cookie: evil=1", "/home\nX-Evil: 1", "/\rfoo", "/x\x7f", "/\\evil.example/x"]


def test_a_next_address_with_control_characters_after_login_goes_home(client, make_trainee):
    user = make_trainee()
    for target in HEADER_SPLITS:
        token = csrf_token(client)
        response = client.post("/login", query_string={"next": target},
                               data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.status_code == 302, repr(target)
        assert response.headers["Location"] == "/home", repr(target)
        assert "evil" not in response.headers.get("Set-Cookie", "")
        post_form(client, "/logout", token_from="/home")


def test_a_next_address_with_control_characters_on_the_language_switch_goes_home(client, make_trainee):
    for target in HEADER_SPLITS:
        response = post_form(client, "/language", {"lang": "ru", "next": target})
        assert response.status_code == 302, repr(target)
        assert response.headers["Location"] == "/home", repr(target)
    login(client, make_trainee())
    response = post_form(client, "/language", {"lang": "az", "next": "/home\r\nX-Evil: 1"}, token_from="/home")
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert "X-Evil" not in response.headers


def test_an_ordinary_next_address_is_kept(client, make_trainee):
    user = make_trainee()
    token = csrf_token(client)
    response = client.post("/login?next=/password", data={"csrf_token": token, "email": user.email,
                                                          "password": PASSWORD})
    assert response.headers["Location"] == "/password"
    response = post_form(client, "/language", {"lang": "ru", "next": "/home?tab=1"}, token_from="/home")
    assert response.headers["Location"] == "/home?tab=1"
