"""Fixtures: a fresh app per test on the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
factory functions for people, programmes and cohorts, and a logged-in client."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text

from lms import create_app
from lms.auth.models import COORDINATOR, TRAINEE, TRAINER, User
from lms.courses.models import Cohort, Enrolment, Lesson, Module, Programme
from lms.extensions import db as _db

PASSWORD = "correct horse 42"
_schema_ready: set[str] = set()


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if "sqlite" not in _urls:
        _urls["sqlite"] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return _urls["sqlite"]


_urls: dict[str, str] = {}


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as under a real server: its own `g` and database session.

    The test body keeps the fixture's context for factories and assertions; it sees what requests
    committed after `db.session.expire_all()` or a commit of its own.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def test_settings(tmp_path) -> dict:
    """The settings every test app runs with: files under tmp_path, cheap hashing, no rate limits."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CERTIFICATE_DIR": str(tmp_path / "certificates"),
        "CREDENTIAL_KEY_PATH": str(tmp_path / "credential_key.pem"),
        "BASE_URL": "http://lms.test",
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "VERIFY_COUNT_FLUSH_SECONDS": 0,  # every verification is written at once, so tests can read it
    }


@pytest.fixture
def app(tmp_path, tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app({**test_settings(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    app.test_client_class = FreshContextClient
    with app.app_context():
        if url not in _schema_ready:
            _db.drop_all()
            _db.create_all()
            _schema_ready.add(url)
        yield app
        _db.session.remove()
        _truncate_all()
        _db.engine.dispose()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - our own table names


@pytest.fixture
def make_app(app):
    """Another app on the same database with some settings changed (rate limits on, say)."""
    made = []

    def make(**overrides):
        other = create_app({**app.config, **overrides})
        other.test_client_class = FreshContextClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app) -> Path:
    return Path(app.config["OUTBOX_DIR"])


# ---- factories --------------------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role: str = TRAINEE, name: str | None = None, email: str | None = None, password: str = PASSWORD,
             **fields) -> User:
        n = next(counter)
        user = User(email=email or f"{role}{n}@example.org", name=name or f"{role.title()} {n}", role=role, **fields)
        if password:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_trainee(make_user):
    return lambda **kw: make_user(TRAINEE, **kw)


@pytest.fixture
def make_trainer(make_user):
    return lambda **kw: make_user(TRAINER, **kw)


@pytest.fixture
def make_coordinator(make_user):
    return lambda **kw: make_user(COORDINATOR, **kw)


@pytest.fixture
def make_programme(db):
    counter = iter(range(1, 10_000))

    def make(modules_per_week: int = 2, lessons_per_module: int = 2, **fields) -> Programme:
        n = next(counter)
        fields.setdefault("distance_weeks", 4)
        programme = Programme(name=fields.pop("name", f"Programme {n}"), **fields)
        db.session.add(programme)
        for week in range(1, programme.distance_weeks + 1):
            for position in range(1, modules_per_week + 1):
                module = Module(programme=programme, week=week, position=position,
                                title=f"Week {week} module {position}", summary="About **this** module.")
                for lp in range(1, lessons_per_module + 1):
                    module.lessons.append(Lesson(position=lp, title=f"W{week}M{position} lesson {lp}",
                                                 body_md=f"## Part {lp}\n\nText of lesson {lp}."))
                db.session.add(module)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def make_cohort(db, make_programme):
    counter = iter(range(1, 10_000))

    def make(programme: Programme | None = None, start: date | None = None, trainers=(), trainees=(),
             capacity: int = 25, days_in: int = 0) -> Cohort:
        programme = programme or make_programme()
        start = start or date.today() - timedelta(days=days_in)
        cohort = Cohort(
            programme=programme, name=f"Cohort {next(counter)}", distance_start=start,
            stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
            intensive_start=start + timedelta(days=42), final_exam_on=start + timedelta(days=46),
            capacity=capacity, venue="Baku",
        )
        cohort.trainers = list(trainers)
        db.session.add(cohort)
        for trainee in trainees:
            db.session.add(Enrolment(cohort=cohort, user=trainee))
        db.session.commit()
        return cohort

    return make


def count_queries(db, work) -> int:
    """How many SQL statements `work()` sends to the database."""
    count = 0

    def on_execute(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return count


# ---- logging in -------------------------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token from a page of the same session."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, kwargs.pop("token_from", "/login")))
    return client.post(url, data=payload, **kwargs)


def login(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, f"login failed for {email}"
    return response


@pytest.fixture
def login_as(client):
    def do(user, password: str = PASSWORD):
        login(client, user, password)
        return client

    return do


# ---- exams ------------------------------------------------------------------------------------


@pytest.fixture
def make_question(db):
    """A question of any type with a known key; options are given as (text, correct[, match]) tuples."""
    from lms.exams.models import Question, QuestionCategory, QuestionOption

    def make(programme, qtype="single", category="General", options=None, points=1.0, **fields):
        cat = db.session.scalar(
            db.select(QuestionCategory).filter_by(programme_id=programme.id, name=category)
        ) or QuestionCategory(programme=programme, name=category)
        defaults = {
            "single": [("Right", True), ("Wrong A", False), ("Wrong B", False)],
            "multi": [("Right 1", True), ("Right 2", True), ("Wrong 1", False), ("Wrong 2", False)],
            "truefalse": [("True", True), ("False", False)],
            "short": [("elimination", True)],
            "numeric": [("12", True)],
            "matching": [("Helmet", True, "Head"), ("Gloves", True, "Hands"), ("Boots", True, "Feet")],
            "essay": [],
        }
        question = Question(category=cat, qtype=qtype, name=fields.pop("name", f"{qtype} question"),
                            text=fields.pop("text", f"A {qtype} question?"), points=points, **fields)
        for position, option in enumerate(options if options is not None else defaults[qtype], start=1):
            text, correct, *match = option
            question.options.append(QuestionOption(position=position, text=text, correct=correct,
                                                   match=match[0] if match else ""))
        db.session.add(question)
        db.session.commit()
        return question

    return make


@pytest.fixture
def make_exam(db, make_question):
    """An exam drawing every question of one category; `types` lists the questions to create."""
    from lms.exams.models import Exam, ExamRule

    def make(programme, kind="stage1", types=("single", "single", "essay"), time_limit=60, **fields):
        questions = [make_question(programme, qtype, category=f"{kind} bank", name=f"{kind} {i} {qtype}")
                     for i, qtype in enumerate(types, start=1)]
        exam = Exam(programme=programme, kind=kind, title=fields.pop("title", f"{kind} exam"),
                    time_limit_minutes=time_limit, **fields)
        exam.rules.append(ExamRule(category=questions[0].category, count=len(questions)))
        db.session.add(exam)
        db.session.commit()
        return exam

    return make


# ---- certificates -----------------------------------------------------------------------------


@pytest.fixture
def make_certified(db, make_cohort, make_trainee):
    """An issued trainer certificate for a new trainee (outcome rules are tested on their own)."""
    from lms.certificates.services import create_certificate

    def make(name="Şəhla Əliyeva", country="Azerbaijan", programme=None, **cohort_kwargs):
        trainee = make_trainee(name=name, country=country)
        cohort = make_cohort(programme=programme, trainees=[trainee], days_in=cohort_kwargs.pop("days_in", 60),
                             **cohort_kwargs)
        certificate = create_certificate(cohort.enrolments[0], "trainer")
        db.session.commit()
        return certificate

    return make
