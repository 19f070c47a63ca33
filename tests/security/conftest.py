"""Security fixtures: one "world" with every kind of object the URLs name, built once per module.

The access matrix and the CSRF sweep make hundreds of requests against the same objects; rebuilding the world
for each of them would cost most of the time budget. `sec_world` builds it once per module, and a test that
may have changed it (a successful POST) calls `world.dirty()` so the next test gets a fresh copy.

The world, in one programme (4 weeks, 2 modules a week, 2 lessons a module):

* cohort A (started 3 days ago): `trainer`, `trainee`; cohort B: `other_trainer`, `other_trainee`;
* a `coordinator`;
* a stage-1 exam (single, short, essay) with two attempts of `trainee`: one submitted (the essay waits for a
  grade) and one open without a deadline;
* the intensive sessions of cohort A, a file resource in the first module, an issued trainer certificate of
  `trainee` (its PDF stored, so downloads need no rendering), a reset and an invitation link of `trainee`,
  and the calendar feed token of cohort A.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from lms import create_app
from lms.auth.models import COORDINATOR, TRAINEE, TRAINER, User
from lms.courses.models import Cohort, Enrolment, Lesson, Module, Programme
from lms.extensions import db
from tests.conftest import PASSWORD, FreshContextClient, _database_url, _schema_ready, _truncate_all, test_settings

ROLES = ("anonymous", "trainee", "other_trainee", "other_trainer", "trainer", "coordinator")

# Distinctive texts: a page that shows them shows a secret.
KEY_SHORT = "Zebracrossingkey"  # the accepted answer of the short question
KEY_RIGHT = "Rightoptionkey"  # the right option of the single-choice question
GUIDE = "Markingguidesecret"  # the marking guide (question feedback) of every question
EXPLANATION = "Explanationsecret"
ESSAY_ANSWER = "Essayanswerofthetrainee"


def security_overrides(tmp_path) -> dict:
    """The settings tests/conftest.py gives its app, with this module's own directories."""
    return test_settings(tmp_path)


@dataclass
class World:
    """Ids of every object (by URL argument name) and the people, by role name."""

    ids: dict[str, int | str] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)  # role -> {"id", "email", "name"}
    extra: dict[str, int | str] = field(default_factory=dict)
    _dirty: bool = False

    def dirty(self) -> None:
        self._dirty = True

    def email(self, role: str) -> str:
        return self.people[role]["email"]


def _user(role: str, name: str, email: str, **fields) -> User:
    user = User(email=email, name=name, role=role, **fields)
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def _programme(name: str = "Safety programme") -> Programme:
    programme = Programme(name=name, distance_weeks=4)
    db.session.add(programme)
    for week in range(1, 5):
        for position in (1, 2):
            module = Module(programme=programme, week=week, position=position, title=f"Week {week} module {position}",
                            summary="About **this** module.")
            for lp in (1, 2):
                module.lessons.append(Lesson(position=lp, title=f"W{week}M{position} lesson {lp}",
                                             body_md=f"## Part {lp}\n\nText of lesson {lp}."))
            db.session.add(module)
    return programme


def _cohort(programme: Programme, name: str, trainers, trainees, days_in: int = 3) -> Cohort:
    start = date.today() - timedelta(days=days_in)
    cohort = Cohort(programme=programme, name=name, distance_start=start, stage1_opens=start + timedelta(days=28),
                    stage1_closes=start + timedelta(days=37), intensive_start=start + timedelta(days=42),
                    final_exam_on=start + timedelta(days=46), capacity=25, venue="Baku")
    cohort.trainers = list(trainers)
    db.session.add(cohort)
    for trainee in trainees:
        db.session.add(Enrolment(cohort=cohort, user=trainee))
    return cohort


def build_world(app) -> World:
    """Every object of the matrix, committed; returns their ids. Needs an app context."""
    from lms.auth.services import INVITE, RESET, make_token
    from lms.certificates.models import TRAINER_CERTIFICATE
    from lms.certificates.services import create_certificate
    from lms.courses import calendar
    from lms.courses.resources import add_file
    from lms.exams.models import (
        IN_PROGRESS,
        SUBMITTED,
        AttemptQuestion,
        Exam,
        ExamAttempt,
        ExamRule,
        Question,
        QuestionCategory,
        QuestionOption,
    )
    from lms.intensive.services import ensure_sessions
    from lms.timeutil import utcnow

    people = {
        "coordinator": _user(COORDINATOR, "Cora Coordinator", "cora.coordinator@example.org"),
        "trainer": _user(TRAINER, "Tom Trainer", "tom.trainer@example.org"),
        "other_trainer": _user(TRAINER, "Olga Othertrainer", "olga.othertrainer@example.org"),
        "trainee": _user(TRAINEE, "Tina Trainee", "tina.trainee@example.org", country="Azerbaijan"),
        "other_trainee": _user(TRAINEE, "Otto Othertrainee", "otto.othertrainee@example.org"),
    }
    programme = _programme()
    cohort = _cohort(programme, "Cohort A", [people["trainer"]], [people["trainee"]])
    other_cohort = _cohort(programme, "Cohort B", [people["other_trainer"]], [people["other_trainee"]])
    db.session.flush()
    enrolment = cohort.enrolments[0]
    module = programme.modules[0]
    lesson = module.lessons[0]

    category = QuestionCategory(programme=programme, name="stage1 bank")
    single = Question(category=category, qtype="single", name="Single question", text="Which control first?",
                      points=1.0, feedback=GUIDE, explanation=EXPLANATION,
                      options=[QuestionOption(position=1, text=KEY_RIGHT, correct=True),
                               QuestionOption(position=2, text="Wrong option", correct=False)])
    short = Question(category=category, qtype="short", name="Short question", text="Name the control.",
                     points=1.0, feedback=GUIDE, explanation=EXPLANATION,
                     options=[QuestionOption(position=1, text=KEY_SHORT, correct=True)])
    essay = Question(category=category, qtype="essay", name="Essay question", text="Explain the hierarchy.",
                     points=5.0, feedback=GUIDE, explanation=EXPLANATION)
    exam = Exam(programme=programme, kind="stage1", title="Stage-1 exam", time_limit_minutes=60,
                review_responses="never", review_marks="never", review_answers="never", review_feedback="never")
    exam.rules.append(ExamRule(category=category, count=3))
    db.session.add_all([category, single, short, essay, exam])
    db.session.flush()

    now = utcnow()

    def attempt(number: int, status: str) -> ExamAttempt:
        made = ExamAttempt(exam=exam, enrolment=enrolment, number=number, status=status, started_at=now,
                           deadline=None, max_score=7.0,
                           submitted_at=now if status != IN_PROGRESS else None)
        for position, question in enumerate((single, short, essay), start=1):
            order = [o.id for o in question.options] if question.qtype == "single" else []
            response = {"text": ESSAY_ANSWER} if question.qtype == "essay" and status != IN_PROGRESS else None
            made.slots.append(AttemptQuestion(question=question, position=position, option_order=order,
                                              response=response,
                                              needs_grading=question.qtype == "essay" and status != IN_PROGRESS,
                                              score=None if question.qtype == "essay" else 0.0))
        db.session.add(made)
        return made

    finished = attempt(1, SUBMITTED)
    open_attempt = attempt(2, IN_PROGRESS)
    resource = add_file(module, "Handout", FileStorage(io.BytesIO(b"%PDF-1.4 handout"), filename="handout.pdf"))
    ensure_sessions(cohort)
    db.session.flush()

    certificate = create_certificate(enrolment, TRAINER_CERTIFICATE)
    _store_fake_pdf(app, certificate)
    db.session.commit()

    essay_slot = next(s for s in finished.slots if s.question_id == essay.id)
    world = World(
        ids={
            "cohort_id": cohort.id, "programme_id": programme.id, "module_id": module.id, "lesson_id": lesson.id,
            "resource_id": resource.id, "exam_id": exam.id, "attempt_id": open_attempt.id,
            "question_id": essay.id, "slot_id": essay_slot.id, "day": 1, "enrolment_id": enrolment.id,
            "certificate_id": certificate.id, "code": certificate.code,
            "token": calendar.feed_token(cohort),
            "stage_id": min(programme.stages, key=lambda s: s.position).id,
        },
        people={role: {"id": user.id, "email": user.email, "name": user.name} for role, user in people.items()},
        extra={
            "finished_attempt_id": finished.id, "other_cohort_id": other_cohort.id,
            "other_enrolment_id": other_cohort.enrolments[0].id, "single_question_id": single.id,
            "reset_token": make_token(people["trainee"], RESET), "invite_token": make_token(people["trainee"], INVITE),
            "calendar_token": calendar.feed_token(cohort), "certificate_code": certificate.code,
        },
    )
    return world


FAKE_PDF = b"%PDF-1.4\n% a stand-in for the rendered certificate\n%%EOF\n"


def _store_fake_pdf(app, certificate) -> None:
    """Record a stored PDF for the certificate, so the download view serves a file instead of rendering one."""
    import hashlib
    from pathlib import Path

    from lms.certificates.pdf import _filename

    directory = Path(app.config["CERTIFICATE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    name = _filename(certificate)
    (directory / name).write_bytes(FAKE_PDF)
    certificate.pdf_file, certificate.pdf_sha256 = name, hashlib.sha256(FAKE_PDF).hexdigest()


class WorldState:
    """The module's app and world; `current()` rebuilds the world first when a test marked it dirty."""

    def __init__(self, app):
        self.app = app
        self.world: World | None = None

    def current(self) -> World:
        if self.world is None or self.world._dirty:
            db.session.remove()
            _truncate_all()
            self.world = build_world(self.app)
        return self.world


@contextmanager
def module_app(tmp_path_factory):
    """An app on the test database for a whole module, inside its app context; emptied before and after."""
    url = _database_url(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("security")
    app = create_app({**security_overrides(tmp), "SQLALCHEMY_DATABASE_URI": url})
    app.test_client_class = FreshContextClient
    with app.app_context():
        if url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(url)
        _truncate_all()
        try:
            yield app
        finally:
            db.session.remove()
            _truncate_all()
            db.engine.dispose()


@pytest.fixture(scope="module")
def sec_app(tmp_path_factory):
    with module_app(tmp_path_factory) as app:
        yield WorldState(app)


@pytest.fixture
def sec_world(sec_app) -> World:
    return sec_app.current()


@pytest.fixture
def sec_client(sec_app):
    return sec_app.app.test_client()


# ---- requests -----------------------------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def page_token(client, url: str = "/login") -> str:
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def log_in(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": page_token(client)})
    assert response.status_code == 302, f"login failed for {email}"
    return response


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers.get("Location", "").startswith("/login")


def database_is_postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"
