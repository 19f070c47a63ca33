"""Someone guessing an account's password from elsewhere must not lock its owner out: a browser that logged in
to the account before carries a device cookie and skips the per-account throttle (OWASP's device cookies).
The per-address throttle still applies to everyone, and without the cookie the per-account one does."""

import pytest

from tests.conftest import PASSWORD, login, post_form

OWNER_ADDRESS, ATTACKER_ADDRESS = "10.0.0.2", "10.0.0.66"


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute")


def _browser(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try(client, email: str, password: str) -> int:
    return post_form(client, "/login", {"email": email, "password": password}).status_code


def _exhaust_the_account_limit(app, email: str) -> None:
    attacker = _browser(app, ATTACKER_ADDRESS)
    assert [_try(attacker, email, f"guess {i}") for i in range(4)] == [200, 200, 200, 429]


def test_the_owner_with_a_device_cookie_logs_in_while_the_account_is_under_attack(limited, make_trainee):
    owner = make_trainee()
    laptop = _browser(limited, OWNER_ADDRESS)
    login(laptop, owner)  # an earlier visit: the browser got its device cookie
    post_form(laptop, "/logout", token_from="/home")

    _exhaust_the_account_limit(limited, owner.email)

    assert _try(laptop, owner.email, PASSWORD) == 302
    assert laptop.get("/home").status_code == 200
    # a browser without the cookie, from the owner's address, is still held back by the per-account limit
    assert _try(_browser(limited, OWNER_ADDRESS), owner.email, PASSWORD) == 429


def test_a_device_cookie_of_another_account_does_not_help(limited, make_trainee):
    owner, attacker_account = make_trainee(), make_trainee()
    attacker = _browser(limited, "10.0.0.77")
    login(attacker, attacker_account)
    post_form(attacker, "/logout", token_from="/home")
    _exhaust_the_account_limit(limited, owner.email)
    assert _try(attacker, owner.email, PASSWORD) == 429


def test_an_altered_device_cookie_does_not_help(limited, make_trainee):
    owner = make_trainee()
    laptop = _browser(limited, OWNER_ADDRESS)
    login(laptop, owner)
    post_form(laptop, "/logout", token_from="/home")
    cookie = laptop.get_cookie("lms_device", path="/login")
    laptop.set_cookie("lms_device", cookie.value[:-2] + "xx", path="/login")
    _exhaust_the_account_limit(limited, owner.email)
    assert _try(laptop, owner.email, PASSWORD) == 429


def test_the_per_address_limit_still_applies_with_a_device_cookie(limited, make_trainee):
    owner = make_trainee()
    laptop = _browser(limited, OWNER_ADDRESS)
    login(laptop, owner)
    post_form(laptop, "/logout", token_from="/home")
    assert [_try(laptop, f"someone{i}@example.org", "x") for i in range(3)] == [200, 200, 200]
    assert _try(laptop, owner.email, PASSWORD) == 429


def test_wrong_passwords_with_a_device_cookie_are_throttled_per_cookie(limited, make_trainee):
    owner = make_trainee()
    laptop = _browser(limited, OWNER_ADDRESS)
    login(laptop, owner)
    post_form(laptop, "/logout", token_from="/home")
    statuses = []
    for i in range(4):
        laptop.environ_base["REMOTE_ADDR"] = f"10.1.0.{i + 1}"  # a stolen cookie used from many addresses
        statuses.append(_try(laptop, owner.email, "wrong"))
    assert statuses == [200, 200, 200, 429]


def test_the_device_cookie_is_http_only_long_lived_and_sent_only_to_the_login_page(client, make_trainee):
    response = login(client, make_trainee())
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("lms_device="))
    assert "HttpOnly" in header and "Path=/login" in header and "SameSite=Lax" in header
    max_age = int(header.split("Max-Age=")[1].split(";")[0])
    assert max_age >= 180 * 24 * 3600
