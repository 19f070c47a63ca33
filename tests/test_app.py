"""The application shell: headers, error pages, CSRF, languages, cookies, migrations and the demo seed."""

import os
import secrets
from pathlib import Path

import pytest
from alembic import command
from flask_migrate import Migrate
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.auth.models import User
from lms.courses.models import Cohort, Enrolment, Lesson, LessonCompletion, Module, Programme
from lms.demo.seed import seed_demo
from lms.extensions import db as _db
from tests.conftest import PASSWORD, csrf_token, login

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_styles_or_scripts_in_pages(client, make_trainee, make_cohort):
    trainee = make_trainee()
    make_cohort(trainees=[trainee], days_in=8)
    login(client, trainee)
    page = client.get("/home").get_data(as_text=True)
    assert " style=" not in page and "<style" not in page
    assert "<script>" not in page


def test_session_cookie_is_httponly_and_samesite(client, make_trainee):
    response = login(client, make_trainee())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_styled_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'href="/static/css/app.css"' in page


def test_csrf_failure_is_a_friendly_page_and_saves_nothing(client, make_trainee):
    user = make_trainee()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_language_switch_translates_the_login_page(client):
    token = csrf_token(client)
    client.post("/language", data={"csrf_token": token, "lang": "ru", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Пароль" in page
    client.post("/language", data={"csrf_token": token, "lang": "az", "next": "/login"})
    assert "Şifrə" in client.get("/login").get_data(as_text=True)


def test_the_browser_language_is_used_before_any_choice(client):
    page = client.get("/login", headers={"Accept-Language": "az,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="az">' in page


def test_a_logged_in_choice_is_remembered_on_the_account(db, client, make_trainee):
    user = make_trainee()
    login(client, user)
    client.post("/language", data={"csrf_token": csrf_token(client, "/home"), "lang": "az", "next": "/home"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "az"


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the kind under test: a SQLite file, or a fresh PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"lms_migrations_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_build_the_schema_the_models_describe(empty_database):
    """`flask db upgrade` then `flask db check`, on SQLite and on PostgreSQL: the migrations and the models
    agree, and every migration downgrades."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        command.upgrade(config, "head")
        command.check(config)  # raises when autogenerate would find differences
        command.downgrade(config, "base")
        _db.engine.dispose()
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


def test_migration_files_are_date_prefixed_and_reversible():
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        assert path.name[:8].isdigit(), path.name
        assert "def downgrade" in path.read_text()


def _counts(db):
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Programme, Cohort, Enrolment, Module, Lesson, LessonCompletion)]


def test_seed_demo_twice_adds_nothing_and_places_the_trainees(db, app):
    seed_demo()
    db.session.commit()
    first = _counts(db)
    seed_demo()
    db.session.commit()
    assert _counts(db) == first
    users, programmes, cohorts, enrolments, modules, lessons, _ = first
    # EOSH: 7 accounts, 6 classmates, 11 enrolments; events: 4 participants with a login and 6 delegates, in
    # each of the four event programmes
    assert (users, programmes, enrolments) == (23, 5, 39)
    assert modules >= 12 and lessons >= 24
    for module in db.session.scalars(select(Module)):
        assert len(module.lessons) >= 2


def test_seeded_trainees_stand_at_their_stages(db, app):
    from lms.courses.services import enrolment_progress, trainee_enrolments
    from lms.pipeline.timeline import build_timeline

    seed_demo()
    db.session.commit()
    expected = {
        # distance, stage-1 exam, intensive, teach-back, final exam, certificate
        "trainee1@demo.lms": ["open", "locked", "locked", "locked", "locked", "locked"],
        "trainee2@demo.lms": ["done", "open", "locked", "locked", "locked", "locked"],
        "trainee3@demo.lms": ["done", "done", "open", "open", "locked", "locked"],
        "trainee4@demo.lms": ["done", "done", "done", "done", "open", "locked"],
        "trainee5@demo.lms": ["done", "done", "done", "done", "done", "done"],
    }
    with app.test_request_context():
        for email, statuses in expected.items():
            user = db.session.scalar(select(User).where(User.email == email))
            timeline = build_timeline(trainee_enrolments(user)[0])
            assert [s.status for s in timeline.stages] == statuses, email
        trainee1 = db.session.scalar(select(User).where(User.email == "trainee1@demo.lms"))
        enrolment = trainee_enrolments(trainee1)[0]
        timeline = build_timeline(enrolment)
        timeline.progress = enrolment_progress(enrolment)
        assert [w.complete for w in timeline.progress.weeks][:1] == [True]
        assert timeline.progress.weeks[1].done >= 1 and not timeline.progress.weeks[1].complete


def test_the_demo_dashboards_show_every_outcome_and_risk(db, app):
    from sqlalchemy import select

    from lms.courses.models import Cohort
    from lms.monitoring.dashboard import cohort_dashboard

    seed_demo()
    db.session.commit()
    statuses, flags = set(), []
    with app.test_request_context():
        for cohort in db.session.scalars(select(Cohort)):
            for row in cohort_dashboard(cohort):
                statuses.add(row.status)
                flags.extend(row.risks)
    assert {"certified", "attendance", "not_completed", "in_progress"} <= statuses
    assert any("behind" in f for f in flags) and any("Stage-1 exam failed" in f for f in flags)
    assert any("absence" in f for f in flags)


def test_seeded_event_participants_see_their_programmes_own_stages(db, app):
    from lms.certificates.models import Certificate
    from lms.courses.services import trainee_enrolments
    from lms.pipeline.timeline import build_timeline

    seed_demo()
    db.session.commit()
    expected = {  # stage cards, then the award
        "participant1@demo.lms": (["seminar", "certificate"], ["done", "done"]),
        "participant2@demo.lms": (["exam", "workshop", "teachback", "certificate"],
                                  ["open", "locked", "locked", "locked"]),
        # day 1 of 2, every session so far attended: half the sessions, which is what the award asks
        "participant3@demo.lms": (["conference", "certificate"], ["open", "open"]),
        "participant4@demo.lms": (["webinar", "certificate"], ["locked", "locked"]),
    }
    with app.test_request_context():
        for email, (keys, statuses) in expected.items():
            user = db.session.scalar(select(User).where(User.email == email))
            timeline = build_timeline(trainee_enrolments(user)[0])
            assert [c.key for c in timeline.stages] == keys, email
            assert [c.status for c in timeline.stages] == statuses, email
    seminar = db.session.scalars(select(Certificate).where(Certificate.title == "Certificate of Participation"))
    holders = {c.holder_name for c in seminar}
    assert "Tamar Kiknadze" in holders and "Ion Rusu" not in holders  # the delegate who missed the seminar
