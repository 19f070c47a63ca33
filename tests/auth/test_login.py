"""Logging in and out, passwords, reset and invitation links, the login throttle."""

import re
from email import message_from_bytes

from tests.conftest import PASSWORD, csrf_token, login, post_form


def _last_mail(outbox):
    files = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    assert files, "no mail written to the outbox"
    message = message_from_bytes(files[-1].read_bytes())
    return message, message.get_payload(decode=True).decode()


def _link(body: str) -> str:
    return re.search(r"http://lms\.test(/\S+)", body).group(1)


def test_login_page_has_labelled_fields_and_no_demo_logins(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page
    assert '<label for="password">Password</label>' in page
    assert ">Log in</button>" in page
    assert "demo.lms" not in page and "demo1234" not in page


def test_each_role_logs_in_and_lands_on_its_home(client, make_trainee, make_trainer, make_coordinator):
    for user, heading in ((make_trainee(), "Hello,"), (make_trainer(), "My cohorts"),
                          (make_coordinator(), "Coordination")):
        login(client, user)
        assert heading in client.get("/home").get_data(as_text=True)
        post_form(client, "/logout", token_from="/home")
        assert client.get("/home").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_trainee):
    user = make_trainee()
    response = post_form(client, "/login", {"email": user.email, "password": "not-it"})
    assert response.status_code == 200
    assert "Email or password is wrong." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_login_is_case_insensitive_on_the_address(client, make_trainee):
    user = make_trainee(email="Şəhla@Example.org".lower())
    response = post_form(client, "/login", {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_logout_needs_a_post(client, make_trainee):
    login(client, make_trainee())
    assert client.get("/logout").status_code == 405
    assert client.get("/home").status_code == 200


def test_open_redirect_after_login_is_refused(client, make_trainee):
    user = make_trainee()
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={"csrf_token": token, "email": user.email,
                                                                 "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_change_password(client, make_trainee):
    user = make_trainee()
    login(client, user)
    bad = post_form(client, "/password", {"current": "wrong", "password": "new-pass-123",
                                          "confirm": "new-pass-123"}, token_from="/password")
    assert "The current password is wrong." in bad.get_data(as_text=True)
    weak = post_form(client, "/password", {"current": PASSWORD, "password": "password",
                                           "confirm": "password"}, token_from="/password")
    assert "too common" in weak.get_data(as_text=True)
    ok = post_form(client, "/password", {"current": PASSWORD, "password": "new-pass-123",
                                         "confirm": "new-pass-123"}, token_from="/password")
    assert ok.status_code == 302
    post_form(client, "/logout", token_from="/home")
    login(client, user, "new-pass-123")


def test_password_reset_by_mailed_link(client, make_trainee, outbox):
    user = make_trainee()
    response = post_form(client, "/password/forgot", {"email": user.email})
    assert response.status_code == 302
    message, body = _last_mail(outbox)
    assert message["To"] == user.email
    link = _link(body)
    page = client.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    done = post_form(client, link, {"password": "brand-new-42", "confirm": "brand-new-42"}, token_from=link)
    assert done.status_code == 302
    login(client, user, "brand-new-42")
    # the link works once: the password it was made for has changed
    reused = client.get(link)
    assert reused.status_code == 400 and "already been used" in reused.get_data(as_text=True)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, outbox):
    response = post_form(client, "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account exists" in response.get_data(as_text=True)
    assert not outbox.exists() or not list(outbox.glob("*.eml"))


def test_expired_reset_link_is_explained(app, client, make_trainee, outbox):
    user = make_trainee()
    post_form(client, "/password/forgot", {"email": user.email})
    link = _link(_last_mail(outbox)[1])
    app.config["RESET_TOKEN_MAX_AGE"] = -1  # every link is already too old
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)


def test_altered_reset_link_is_refused(client, make_trainee, outbox):
    user = make_trainee()
    post_form(client, "/password/forgot", {"email": user.email})
    link = _link(_last_mail(outbox)[1])
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


def test_coordinator_invites_a_trainer_who_sets_a_password(client, make_coordinator, outbox):
    coordinator = make_coordinator()
    login(client, coordinator)
    response = post_form(client, "/admin/people", {"name": "Rəşad Hüseynov", "email": "rashad@example.org",
                                                   "role": "trainer", "language": "en"}, token_from="/admin/people")
    assert response.status_code == 302
    message, body = _last_mail(outbox)
    assert message["To"] == "rashad@example.org"
    post_form(client, "/logout", token_from="/home")
    link = _link(body)
    assert "Welcome, Rəşad Hüseynov" in client.get(link).get_data(as_text=True)
    post_form(client, link, {"password": "trainer-pass-9", "confirm": "trainer-pass-9"}, token_from=link)
    login(client, "rashad@example.org", "trainer-pass-9")
    assert "My cohorts" in client.get("/home").get_data(as_text=True)


def test_inviting_an_existing_address_is_refused(client, make_coordinator, make_trainee):
    coordinator, trainee = make_coordinator(), make_trainee()
    login(client, coordinator)
    response = post_form(client, "/admin/people", {"name": "X", "email": trainee.email, "role": "trainee",
                                                   "language": "en"}, token_from="/admin/people")
    assert "exists already" in response.get_data(as_text=True)


def test_login_is_throttled_per_account_with_a_friendly_page(make_app, make_trainee):
    user = make_trainee()
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute")
    client = limited.test_client()
    statuses = []
    for i in range(4):
        # a new address each time, so only the per-account limit can trip
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        statuses.append(post_form(client, "/login", {"email": user.email, "password": "wrong"}).status_code)
    assert statuses == [200, 200, 200, 429]
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    page = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many attempts" in page.get_data(as_text=True)
    # another account from the same address is not blocked by this one's throttle
    other = make_trainee()
    assert post_form(client, "/login", {"email": other.email, "password": PASSWORD}).status_code == 302


def test_login_is_throttled_per_address(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute")
    client = limited.test_client()
    statuses = [post_form(client, "/login", {"email": f"x{i}@example.org", "password": "wrong"}).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
