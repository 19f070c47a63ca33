"""The rest of the review, as tests: redirects, reset links, sessions, login timing, logs, rate limits, uploads,
XML entities, stored paths, mass assignment, SQL wildcards, NUL bytes. Each test builds its own small world with
the fixtures of tests/conftest.py."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from lms.auth.services import INVITE, RESET, make_token
from tests.conftest import PASSWORD, csrf_token, login, post_form

ON_POSTGRES = "postgres" in os.environ.get("TEST_DATABASE_URL", "")
NEW_PASSWORD = "a brand new passphrase 9"


def _browser_target(location: str, base: str = "http://lms.test/login") -> tuple[str, str]:
    """Where a browser goes for this Location: backslashes read as slashes, tabs and newlines dropped."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    target = urlsplit(urljoin(base, cleaned))
    return target.scheme, target.netloc


HOSTILE_NEXT = ["//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
                "https://evil.example/", "http:evil.example", "javascript:alert(1)", "/%5Cevil.example",
                "/%2F/evil.example", " //evil.example", "/\\/evil.example", "http://lms.test@evil.example/",
                "//evil.example/%2F..", "/.//evil.example", "\x0b//evil.example"]


# ---- open redirects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(app, client, make_trainee, target):
    user = make_trainee()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD},
                         query_string={"next": target})
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) == ("http", "lms.test"), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_never_redirects_off_site(client, target):
    response = post_form(client, "/language", {"lang": "ru", "next": target})
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) == ("http", "lms.test"), response.headers["Location"]


def test_a_local_next_page_is_kept(client, make_trainee):
    user = make_trainee()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD},
                         query_string={"next": "/password?x=1"})
    assert response.headers["Location"] == "/password?x=1"


def test_a_resource_link_only_leads_to_http_or_https(app, db, make_cohort, make_trainee, login_as):
    from lms.courses.resources import add_link
    from lms.courses.services import RuleError

    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], days_in=3)
    module = cohort.programme.modules[0]
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "file:///etc/passwd"):
        with pytest.raises(RuleError):
            add_link(module, "Bad", bad)
    good = add_link(module, "ILO", "https://www.ilo.org/")
    db.session.commit()
    client = login_as(trainee)
    response = client.get(f"/cohorts/{cohort.id}/resources/{good.id}")
    assert response.status_code == 302 and response.headers["Location"] == "https://www.ilo.org/"


# ---- reset and invitation links -------------------------------------------------------------------------------


def _set_password(client, url: str, password: str = NEW_PASSWORD):
    return post_form(client, url, {"password": password, "confirm": password}, token_from=url)


def test_a_reset_link_works_once(app, client, make_trainee):
    user = make_trainee()
    url = f"/password/reset/{make_token(user, RESET)}"
    assert client.get(url).status_code == 200
    assert _set_password(client, url).status_code == 302
    again = client.get(url)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert _set_password(client, url, "yet another passphrase 5").status_code == 400
    login(client, user, NEW_PASSWORD)


def test_a_reset_link_expires_after_an_hour(app, client, make_trainee, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    user = make_trainee()
    url = f"/password/reset/{make_token(user, RESET)}"
    later = int(time.time()) + app.config["RESET_TOKEN_MAX_AGE"] + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get(url)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert _set_password(client, url).status_code == 400


def test_links_are_bound_to_their_purpose_and_to_the_current_password(app, client, make_trainee):
    user = make_trainee()
    reset, invite = make_token(user, RESET), make_token(user, INVITE)
    assert client.get(f"/invite/{reset}").status_code == 400
    assert client.get(f"/password/reset/{invite}").status_code == 400
    login(client, user)
    changed = post_form(client, "/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD}, token_from="/password")
    assert changed.status_code == 302
    assert app.test_client().get(f"/password/reset/{reset}").status_code == 400  # the password it knew is gone
    tampered = reset[:-2] + ("AA" if not reset.endswith("AA") else "BB")
    assert app.test_client().get(f"/password/reset/{tampered}").status_code == 400


def test_forgot_password_says_the_same_for_known_and_unknown_addresses(client, make_trainee, outbox):
    user = make_trainee()
    known = post_form(client, "/password/forgot", {"email": user.email}, follow_redirects=True)
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'content="[^"]+"|value="[^"]+"')  # CSRF tokens differ
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    assert len(list(outbox.glob("*.eml"))) == 1


# ---- sessions -----------------------------------------------------------------------------------------------------


def test_changing_the_password_ends_the_other_sessions(app, make_trainee):
    user = make_trainee()
    stolen, owner = app.test_client(), app.test_client()
    login(stolen, user)
    login(owner, user)
    changed = post_form(owner, "/password", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                        token_from="/password")
    assert changed.status_code == 302
    response = stolen.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_password_reset_ends_existing_sessions(app, make_trainee):
    user = make_trainee()
    stolen = app.test_client()
    login(stolen, user)
    url = f"/password/reset/{make_token(user, RESET)}"
    assert _set_password(app.test_client(), url).status_code == 302
    response = stolen.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_deactivated_account_is_logged_out(app, db, client, make_trainee):
    user = make_trainee()
    login(client, user)
    user.active = False
    db.session.commit()
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 200


# ---- login timing -----------------------------------------------------------------------------------------------


def _hash_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    for name in ("pbkdf2_hmac", "scrypt"):
        original = getattr(hashlib, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(hashlib, name, counting)
    return calls


def test_login_does_the_same_hashing_work_for_unknown_addresses(client, make_trainee, monkeypatch):
    user = make_trainee()
    token = csrf_token(client)
    calls = _hash_calls(monkeypatch)
    client.post("/login", data={"email": user.email, "password": "wrong password", "csrf_token": token})
    known = len(calls)
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong password", "csrf_token": token})
    assert known >= 1 and len(calls) - known == known


# ---- secrets in logs ---------------------------------------------------------------------------------------------


def _reset_token_from_outbox(outbox: Path) -> str:
    mail = next(outbox.glob("*.eml")).read_text()
    return re.search(r"/password/reset/([\w.-]+)", mail).group(1)


def test_reset_links_are_not_written_to_the_log(client, make_trainee, outbox, caplog):
    user = make_trainee()
    with caplog.at_level(logging.INFO):
        post_form(client, "/password/forgot", {"email": user.email})
    token = _reset_token_from_outbox(outbox)
    assert token not in caplog.text


@pytest.fixture
def request_log(app):
    """An app with request logging on (TESTING off), its lms.requests records, and the root logger restored."""
    from lms import create_app
    from lms.extensions import db

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep(logging.INFO)
    logger = logging.getLogger("lms.requests")
    logger.addHandler(keep)
    logged = create_app({**app.config, "TESTING": False})
    try:
        yield logged, records
    finally:
        logger.removeHandler(keep)
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        with logged.app_context():
            db.engine.dispose()


def test_link_tokens_are_not_written_to_the_request_log(request_log, make_trainee):
    logged, records = request_log
    user = make_trainee()
    reset, invite = make_token(user, RESET), make_token(user, INVITE)
    client = logged.test_client()
    assert client.get(f"/password/reset/{reset}").status_code == 200
    assert client.get(f"/invite/{invite}").status_code == 200
    assert records, "requests are logged"
    text = " ".join(f"{r.getMessage()} {getattr(r, 'path', '')}" for r in records)
    assert reset not in text and invite not in text


def test_passwords_are_not_logged(client, make_trainee, caplog):
    user = make_trainee()
    with caplog.at_level(logging.DEBUG):
        post_form(client, "/login", {"email": user.email, "password": "Sekrit-wrong-pw"})
        login(client, user)
    assert "Sekrit-wrong-pw" not in caplog.text and PASSWORD not in caplog.text


# ---- rate limits ------------------------------------------------------------------------------------------------


def test_forgot_password_is_rate_limited(make_app, make_trainee):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STRATEGY="moving-window", LOGIN_LIMITS="3 per minute")
    client = limited.test_client()
    user = make_trainee()
    statuses = [post_form(client, "/password/forgot", {"email": user.email}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_a_full_room_behind_one_address_can_check_in(make_app, db, make_cohort, make_trainee, make_trainer):
    from lms.intensive import services
    from lms.timeutil import utcnow

    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STRATEGY="moving-window")  # no window boundary mid-test
    trainees = [make_trainee() for _ in range(22)]
    cohort = make_cohort(trainers=[make_trainer()], trainees=trainees, start=utcnow().date() - timedelta(days=42))
    session = services.ensure_sessions(cohort)[0]
    assert session.on == utcnow().date()
    session.checkin_open = True
    db.session.commit()
    statuses = []
    for trainee in trainees:
        client = limited.test_client()
        login(client, trainee)
        code = services.checkin_code(session)
        statuses.append(post_form(client, f"/cohorts/{cohort.id}/checkin", {"code": code},
                                  token_from=f"/cohorts/{cohort.id}/checkin").status_code)
    assert statuses == [302] * len(trainees)


def test_check_in_codes_are_refused_when_wrong_or_old(app, db, make_cohort, make_trainee):
    from lms.courses.services import RuleError
    from lms.intensive import services
    from lms.timeutil import utcnow

    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], start=utcnow().date() - timedelta(days=42))
    session = services.ensure_sessions(cohort)[0]
    session.checkin_open = True
    db.session.commit()
    enrolment = cohort.enrolments[0]
    now = utcnow()
    old = services.checkin_code(session, now - timedelta(seconds=2 * services.CHECKIN_PERIOD + 1))
    current = services.checkin_code(session, now)
    for code in {old, "000000", "", "12345678901"} - {current}:
        with pytest.raises(RuleError):
            services.self_check_in(session, enrolment, code, now)
    services.self_check_in(session, enrolment, current, now)


# ---- uploads, stored paths and XML ---------------------------------------------------------------------------------


@pytest.fixture
def coordinator_on_module(app, make_cohort, make_trainee, make_coordinator, login_as):
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], days_in=3)
    module = cohort.programme.modules[0]
    client = login_as(make_coordinator())
    return client, cohort, module, trainee


def _upload(client, module_id: int, filename: str, data: bytes):
    return post_form(client, f"/admin/modules/{module_id}/resources/file",
                     {"file-title": "", "file-file": (io.BytesIO(data), filename)},
                     token_from=f"/admin/modules/{module_id}", content_type="multipart/form-data")


@pytest.mark.parametrize(("filename", "data"), [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("fake.pdf", b"<html><script>alert(1)</script></html>"),
    ("fake.png", b"GIF89a not a png"),
    ("fake.docx", b"%PDF-1.4 not a zip"),
    ("binary.txt", b"MZ\x00\x00\x90\x00 an executable"),
    ("script.pdf.exe", b"%PDF-1.4"),
    ("noextension", b"%PDF-1.4"),
    ("empty.pdf", b""),
])
def test_uploads_are_checked_by_name_and_content(app, coordinator_on_module, filename, data):
    from lms.courses.models import Resource
    from lms.extensions import db

    client, _cohort, module, _trainee = coordinator_on_module
    response = _upload(client, module.id, filename, data)
    assert response.status_code == 400
    assert db.session.scalars(db.select(Resource)).all() == []
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_an_upload_cannot_choose_where_it_is_stored_or_how_it_is_served(app, coordinator_on_module):
    from lms.courses.models import Resource
    from lms.extensions import db

    client, cohort, module, trainee = coordinator_on_module
    response = _upload(client, module.id, "../../../../tmp/evil.pdf", b"%PDF-1.4 fine")
    assert response.status_code == 302
    resource = db.session.scalars(db.select(Resource)).one()
    stored = list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert [p.name for p in stored] == [resource.stored_name] and re.fullmatch(r"[0-9a-f]{32}", resource.stored_name)
    assert "/" not in resource.filename and ".." not in resource.filename
    trainee_client = app.test_client()
    login(trainee_client, trainee)
    download = trainee_client.get(f"/cohorts/{cohort.id}/resources/{resource.id}")
    download.close()
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stored_pdf_name_cannot_leave_the_certificate_store(app):
    from lms.certificates.models import Certificate
    from lms.certificates.pdf import stored_pdf_path

    secret = Path(app.config["CERTIFICATE_DIR"]).parent / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not yours")
    for name in ("../secret.pdf", str(secret), "sub/../../secret.pdf", "..", "/etc/passwd"):
        assert stored_pdf_path(Certificate(pdf_file=name)) is None, name


XML_ATTACKS = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                      b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                      b'<quiz><question type="essay"><questiontext><text>&lol3;</text></questiontext>'
                      b"</question></quiz>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                       b'<quiz><question type="essay"><questiontext><text>&xxe;</text></questiontext>'
                       b"</question></quiz>",
    "parameter entity": b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>'
                        b"<quiz/>",
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://127.0.0.1:1/quiz.dtd"><quiz/>',
}


@pytest.mark.parametrize("attack", list(XML_ATTACKS))
def test_xml_entity_attacks_are_refused(app, make_programme, make_coordinator, login_as, attack):
    from lms.exams.models import Question
    from lms.extensions import db

    programme = make_programme(modules_per_week=1, lessons_per_module=1)
    client = login_as(make_coordinator())
    url = f"/admin/programmes/{programme.id}/questions"
    response = post_form(client, url + "/import", {"import-file": (io.BytesIO(XML_ATTACKS[attack]), "bank.xml")},
                         token_from=url, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "DTD" in page and "root:" not in page
    assert db.session.scalars(db.select(Question)).all() == []


# ---- mass assignment and SQL ----------------------------------------------------------------------------------------


def test_forms_ignore_fields_they_do_not_declare(app, db, make_cohort, make_coordinator, login_as):
    from lms.auth.models import User
    from lms.courses.models import Lesson

    cohort = make_cohort()
    module, other_module = cohort.programme.modules[0], cohort.programme.modules[1]
    lesson = module.lessons[0]
    client = login_as(make_coordinator())
    edit = f"/admin/lessons/{lesson.id}/edit"
    response = post_form(client, edit, {"title": "Renamed", "position": "1", "body_md": "Text", "module_id":
                                        str(other_module.id), "id": "9999"}, token_from=edit)
    assert response.status_code == 302
    enrol = f"/admin/cohorts/{cohort.id}/enrol"
    post_form(client, enrol, {"enrol-name": "New", "enrol-email": "new.person@example.org", "enrol-role": "coordinator",
                              "role": "coordinator", "enrol-active": "y"}, token_from=f"/admin/cohorts/{cohort.id}")
    db.session.expire_all()
    changed = db.session.get(Lesson, lesson.id)
    assert changed.title == "Renamed" and changed.module_id == module.id
    created = db.session.scalar(db.select(User).filter_by(email="new.person@example.org"))
    assert created.role == "trainee"


def test_csv_import_cannot_set_roles(app, db, make_cohort, make_coordinator, login_as):
    from lms.auth.models import User

    cohort = make_cohort()
    client = login_as(make_coordinator())
    data = b"name,email,role,active\nMallory,mallory@example.org,coordinator,y\n"
    response = post_form(client, f"/admin/cohorts/{cohort.id}/import", {"csv-file": (io.BytesIO(data), "p.csv")},
                         token_from=f"/admin/cohorts/{cohort.id}", content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(db.select(User).filter_by(email="mallory@example.org")).role == "trainee"


def test_registry_search_treats_wildcards_and_quotes_as_text(app, db, client, make_cohort, make_trainee):
    from lms.certificates.models import TRAINER_CERTIFICATE
    from lms.certificates.services import create_certificate

    trainee = make_trainee(name="Listed Person")
    cohort = make_cohort(trainees=[trainee])
    create_certificate(cohort.enrolments[0], TRAINER_CERTIFICATE).listed = True
    db.session.commit()
    assert "Listed Person" in client.get("/registry").get_data(as_text=True)
    for term in ("%", "_", "' OR '1'='1", "\\", "%' --", "Listed%Person"):
        page = client.get("/registry", query_string={"name": term})
        assert page.status_code == 200 and "Listed Person" not in page.get_data(as_text=True), term


def test_the_dashboard_csv_neutralises_formulas(make_cohort, make_trainee, make_trainer, login_as):
    trainee = make_trainee(name='=HYPERLINK("http://evil.example","x")', organisation="+cmd|' /C calc'!A0",
                           country="@SUM(1+1)")
    trainer = make_trainer()
    cohort = make_cohort(trainers=[trainer], trainees=[trainee, make_trainee(name="-2+3")])
    body = login_as(trainer).get(f"/cohorts/{cohort.id}/dashboard.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row[:4]]
    assert len(rows) == 3 and all(not cell or cell[0] not in "=+-@\t\r" for cell in cells), cells


# ---- NUL bytes ----------------------------------------------------------------------------------------------------

def test_a_nul_byte_in_anonymous_input_is_a_bad_request_not_a_server_error(client):
    # PostgreSQL refuses NUL in text outright; the app refuses it first, on every database, with a 400.
    token = csrf_token(client)
    login_page = client.post("/login", data={"email": "a\x00b@example.org", "password": "x", "csrf_token": token})
    registry = client.get("/registry", query_string={"name": "a\x00b"})
    assert login_page.status_code == registry.status_code == 400


def test_the_csv_import_refuses_control_characters_in_names(app, db, make_cohort, make_coordinator, login_as):
    cohort = make_cohort()
    client = login_as(make_coordinator())
    data = b"name,email\nBad\x00Name\x07,bad.name@example.org\n"
    response = post_form(client, f"/admin/cohorts/{cohort.id}/import", {"csv-file": (io.BytesIO(data), "p.csv")},
                         token_from=f"/admin/cohorts/{cohort.id}", content_type="multipart/form-data")
    assert response.status_code == 400 and "Line 2" in response.get_data(as_text=True)
