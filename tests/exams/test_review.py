"""Review options per exam: what a trainee sees of a graded attempt, and from when (issue 15, point 2)."""

from datetime import date, datetime, timedelta
from itertools import product

import pytest
import sqlalchemy as sa
from alembic import command

from lms import create_app
from lms.courses.services import mark_lesson_done
from lms.exams.models import (
    AFTER_CLOSE,
    AFTER_LAST_ATTEMPT,
    AFTER_LAST_ATTEMPT_AND_CLOSE,
    GRADED,
    IMMEDIATELY,
    IN_PROGRESS,
    NEVER,
    Exam,
    ExamAttempt,
)
from lms.exams.review import ReviewState, review_state, visible, waiting_for
from lms.extensions import db as _db
from tests.conftest import login, post_form
from tests.test_app import ROOT, empty_database  # noqa: F401  (fixture: a fresh SQLite file or PostgreSQL database)

KEYS = ("Eliminate the hazard at source", "Substitute a safer substance")
GUIDE = "The hierarchy of controls starts with elimination"
EXPLANATION = "Explained in the review only"

# ---- the rule, as a table -----------------------------------------------------------------------

# every state a trainee can be in: (released, last attempt done, window closed)
STATES = list(product((False, True), repeat=3))
VISIBLE_IN = {  # the states, in STATES order, in which a part with this setting is shown
    IMMEDIATELY:                  (0, 0, 0, 0, 1, 1, 1, 1),
    AFTER_LAST_ATTEMPT:           (0, 0, 0, 0, 0, 0, 1, 1),
    AFTER_CLOSE:                  (0, 0, 0, 0, 0, 1, 0, 1),
    AFTER_LAST_ATTEMPT_AND_CLOSE: (0, 0, 0, 0, 0, 0, 0, 1),
    NEVER:                        (0, 0, 0, 0, 0, 0, 0, 0),
    "score":                      (0, 0, 0, 0, 0, 0, 0, 0),  # an unknown (old) value shows nothing
}


@pytest.mark.parametrize(("setting", "state"), [(s, st) for s in VISIBLE_IN for st in STATES])
def test_visibility_rule_for_every_setting_and_state(setting, state):
    released, last_done, closed = state
    expected = bool(VISIBLE_IN[setting][STATES.index(state)])
    assert visible(setting, ReviewState(released, last_done, closed)) is expected


@pytest.mark.parametrize(("setting", "last_done", "closed", "waits_for"), [
    (IMMEDIATELY, False, False, None),
    (AFTER_LAST_ATTEMPT, False, False, AFTER_LAST_ATTEMPT),
    (AFTER_LAST_ATTEMPT, False, True, AFTER_LAST_ATTEMPT),
    (AFTER_CLOSE, True, False, AFTER_CLOSE),
    (AFTER_LAST_ATTEMPT_AND_CLOSE, False, False, AFTER_LAST_ATTEMPT_AND_CLOSE),
    (AFTER_LAST_ATTEMPT_AND_CLOSE, True, False, AFTER_CLOSE),
    (AFTER_LAST_ATTEMPT_AND_CLOSE, False, True, AFTER_LAST_ATTEMPT),
    (AFTER_LAST_ATTEMPT_AND_CLOSE, True, True, None),
    (NEVER, True, True, NEVER),
    ("bogus", True, True, NEVER),
])
def test_a_hidden_part_says_what_it_still_waits_for(setting, last_done, closed, waits_for):
    assert waiting_for(setting, ReviewState(True, last_done, closed)) == waits_for
    if setting in (IMMEDIATELY, AFTER_LAST_ATTEMPT_AND_CLOSE):
        assert waiting_for(setting, ReviewState(False, last_done, closed)) == IMMEDIATELY  # the grading


def test_new_exams_keep_the_key_and_feedback_until_the_last_attempt_and_the_window(db, make_programme):
    exam = Exam(programme=make_programme(), kind="stage1", title="New")
    db.session.add(exam)
    db.session.commit()
    assert (exam.review_responses, exam.review_marks, exam.review_answers, exam.review_feedback) == (
        IMMEDIATELY, IMMEDIATELY, AFTER_LAST_ATTEMPT_AND_CLOSE, AFTER_LAST_ATTEMPT_AND_CLOSE)


# ---- where a trainee stands ---------------------------------------------------------------------


@pytest.fixture
def review_world(db, make_cohort, make_trainee, make_trainer, make_coordinator, make_exam):
    trainee, trainer, coordinator = make_trainee(), make_trainer(), make_coordinator()
    cohort = make_cohort(trainees=[trainee], trainers=[trainer], days_in=29)  # stage-1 window open, 2 attempts
    exam = make_exam(cohort.programme, "stage1", types=("single", "single"), time_limit=30)
    for question, key in zip(exam.rules[0].category.questions, KEYS, strict=True):
        question.options[0].text = key  # the right option
        question.feedback, question.explanation = GUIDE, EXPLANATION
    enrolment = cohort.enrolments[0]
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(enrolment, lesson, cohort.final_exam_on)
    db.session.commit()
    return {"cohort": cohort, "exam": exam, "enrolment": enrolment, "trainee": trainee, "trainer": trainer,
            "coordinator": coordinator}


def _attempt(db, w, number, status=GRADED, passed=False):
    attempt = ExamAttempt(exam=w["exam"], enrolment=w["enrolment"], number=number, status=status,
                          score=2.0 if passed else 0.0, max_score=2.0, percent=100.0 if passed else 0.0,
                          passed=passed if status == GRADED else None)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def test_last_attempt_means_none_left_or_passed_and_none_in_progress(db, review_world):
    w = review_world
    first = _attempt(db, w, 1)
    assert review_state(first) == ReviewState(True, False, False, w["cohort"].stage1_closes)
    second = _attempt(db, w, 2, status=IN_PROGRESS)
    assert not review_state(first).last_attempt_done  # the retake is under way
    second.status, second.passed = GRADED, False
    db.session.commit()
    assert review_state(first).last_attempt_done  # 2 of 2 used


def test_a_pass_ends_the_attempts_and_the_window_closes_the_day_after_its_last_day(db, review_world):
    w = review_world
    attempt = _attempt(db, w, 1, passed=True)
    assert review_state(attempt).last_attempt_done
    last_day = w["cohort"].stage1_closes
    assert not review_state(attempt, now=datetime.combine(last_day, datetime.max.time())).window_closed
    assert review_state(attempt, now=datetime.combine(last_day + timedelta(days=1), datetime.min.time())).window_closed


def test_a_practice_quiz_has_no_window_to_wait_for(db, review_world, make_exam):
    w = review_world
    quiz = make_exam(w["cohort"].programme, "practice", types=("single",), module=w["cohort"].programme.modules[0])
    attempt = ExamAttempt(exam=quiz, enrolment=w["enrolment"], number=1, status=GRADED, score=0.0, max_score=1.0,
                          percent=0.0, passed=False)
    db.session.add(attempt)
    db.session.commit()
    state = review_state(attempt)
    assert state.window_closed and not state.last_attempt_done  # unlimited attempts: only a pass ends them


# ---- what the trainee sees over HTTP ------------------------------------------------------------


def _sit(client, db, w, right: bool) -> int:
    """Start an attempt, choose the right (or a wrong) option everywhere and submit it; the attempt's id."""
    exam_url = f"/cohorts/{w['cohort'].id}/exams/{w['exam'].id}"
    started = post_form(client, exam_url + "/start", token_from=exam_url)
    assert started.status_code == 302, started.get_data(as_text=True)
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(ExamAttempt, attempt_id)
    form = {"submit": "1"}
    for slot in attempt.slots:
        option = next(o for o in slot.question.options if o.correct is right)
        form[f"q{slot.id}"] = str(option.id)
    submitted = post_form(client, f"/attempts/{attempt_id}/save", form, token_from=f"/attempts/{attempt_id}")
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/result")
    return attempt_id


def _review_section(page: str) -> str:
    """The questions' review, if the page has one ('' otherwise)."""
    start = page.find('aria-labelledby="review-heading"')
    return page[start:page.find("</section>", start)] if start >= 0 else ""


def _switch(client, user):
    post_form(client, "/logout", token_from="/home")
    login(client, user)


def test_after_a_failed_first_attempt_of_two_the_key_stays_hidden(db, client, review_world):
    w = review_world
    login(client, w["trainee"])
    first = _sit(client, db, w, right=False)
    page = client.get(f"/attempts/{first}/result").get_data(as_text=True)
    assert "Score" in page and "0 / 2" in page and "Not passed" in page
    review = _review_section(page)
    assert "Your answer" in review and "Wrong A" in review  # own responses and marks: at once (the defaults)
    assert "Points" in review
    for secret in (*KEYS, GUIDE, EXPLANATION, "Right answer"):
        assert secret not in page, secret
    closes = w["cohort"].stage1_closes
    assert "The correct answers are shown after your last attempt" in page
    assert "The feedback is shown after your last attempt" in page
    assert f"once the exam window closes on {closes:%b} {closes.day}, {closes.year}" in page

    # the trainer of the cohort and a coordinator see the key of the same attempt
    for staff in (w["trainer"], w["coordinator"]):
        _switch(client, staff)
        staff_page = client.get(f"/attempts/{first}/result").get_data(as_text=True)
        assert all(key in _review_section(staff_page) for key in KEYS) and GUIDE in staff_page
        assert "shown after your last attempt" not in staff_page


def test_after_the_last_attempt_and_the_window_the_key_is_shown(db, client, review_world):
    w = review_world
    login(client, w["trainee"])
    first = _sit(client, db, w, right=False)
    second = _sit(client, db, w, right=False)  # the last of two
    page = client.get(f"/attempts/{second}/result").get_data(as_text=True)
    assert not any(key in page for key in KEYS)  # the window is still open for the others
    assert "The correct answers are shown after the exam window closes on" in page
    assert "after your last attempt" not in page

    cohort = w["cohort"]
    cohort.stage1_closes = date.today() - timedelta(days=1)
    cohort.stage1_opens = cohort.stage1_closes - timedelta(days=2)
    db.session.commit()
    for attempt_id in (first, second):
        page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
        review = _review_section(page)
        assert all(key in review for key in KEYS) and "Right answer" in review
        assert GUIDE in review and EXPLANATION in review
        assert "are shown after" not in page and "is shown after" not in page


def test_a_pass_counts_as_the_last_attempt(db, client, review_world):
    w = review_world
    exam = w["exam"]
    exam.review_answers, exam.review_feedback = AFTER_LAST_ATTEMPT, NEVER
    db.session.commit()
    login(client, w["trainee"])
    passed = _sit(client, db, w, right=True)
    page = client.get(f"/attempts/{passed}/result").get_data(as_text=True)
    assert "Passed" in page and "Right answer" in _review_section(page)
    assert GUIDE not in page and "The feedback is not shown for this exam." in page


def test_settings_set_to_never_show_the_score_alone(db, client, review_world):
    w = review_world
    exam = w["exam"]
    exam.review_responses = exam.review_marks = exam.review_answers = exam.review_feedback = NEVER
    db.session.commit()
    login(client, w["trainee"])
    attempt_id = _sit(client, db, w, right=False)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "0 / 2" in page and _review_section(page) == "" and "Wrong A" not in page
    for sentence in ("Your answers are not shown for this exam.",
                     "The points for each question are not shown for this exam.",
                     "The correct answers are not shown for this exam.", "The feedback is not shown for this exam."):
        assert sentence in page


def test_the_coordinator_chooses_each_part_in_the_exam_settings(db, client, review_world):
    w = review_world
    login(client, w["coordinator"])
    url = f"/admin/exams/{w['exam'].id}/edit"
    page = client.get(url).get_data(as_text=True)
    for name, label in (("review_responses", "Trainees see their own answers"),
                        ("review_marks", "Trainees see the points for each question"),
                        ("review_answers", "Trainees see the correct answers"),
                        ("review_feedback", "Trainees see the feedback and explanations")):
        assert f'<label for="{name}">{label}</label>' in page
    assert page.count('<option selected value="after_last_attempt_and_close">') == 2  # the safe defaults
    assert "After their last attempt (or once they pass)" in page and "After the exam window closes" in page


# ---- the migration keeps what existing exams meant, without the leak ------------------------------


def _insert(conn, table_name, **values):
    """A row with the given values and a placeholder in every other required column."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        values[column.name] = (False if isinstance(kind, sa.Boolean) else datetime(2026, 1, 1)
                               if isinstance(kind, sa.DateTime) else date(2026, 1, 1) if isinstance(kind, sa.Date)
                               else {} if isinstance(kind, sa.JSON) else 1 if isinstance(kind, sa.Integer | sa.Float)
                               else column.name[:getattr(kind, "length", None)])
    return conn.execute(table.insert().values(**values)).inserted_primary_key[0]


def test_the_migration_maps_old_policies_and_keeps_every_attempt(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        try:
            config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
            command.upgrade(config, "a7e1c3d5f901")
            with _db.engine.begin() as conn:
                programme = _insert(conn, "programmes", name="P")
                user = _insert(conn, "users", email="t@example.org")
                cohort = _insert(conn, "cohorts", programme_id=programme, name="C")
                enrolment = _insert(conn, "enrolments", cohort_id=cohort, user_id=user)
                exams = {policy: _insert(conn, "exams", programme_id=programme, kind="stage1", title=policy,
                                         review_policy=policy) for policy in ("score", "answers", "feedback")}
                for exam_id in exams.values():
                    _insert(conn, "exam_attempts", exam_id=exam_id, enrolment_id=enrolment, number=1, status=GRADED)
            command.upgrade(config, "b8f2d4e6a012")
            with _db.engine.connect() as conn:
                rows = {row.title: tuple(row)[1:] for row in conn.execute(sa.text(
                    "SELECT title, review_responses, review_marks, review_answers, review_feedback FROM exams"))}
                attempts = conn.scalar(sa.text("SELECT count(*) FROM exam_attempts"))
                columns = {c["name"] for c in sa.inspect(conn).get_columns("exams")}
            assert rows == {
                "score": (NEVER, NEVER, NEVER, NEVER),
                "answers": (IMMEDIATELY, IMMEDIATELY, AFTER_LAST_ATTEMPT, NEVER),
                "feedback": (IMMEDIATELY, IMMEDIATELY, AFTER_LAST_ATTEMPT, AFTER_LAST_ATTEMPT),
            }
            assert attempts == 3 and "review_policy" not in columns  # dropped in place: no cascade took the attempts
            command.downgrade(config, "a7e1c3d5f901")
            with _db.engine.connect() as conn:
                back = dict(conn.execute(sa.text("SELECT title, review_policy FROM exams")).all())
                attempts = conn.scalar(sa.text("SELECT count(*) FROM exam_attempts"))
            assert back == {"score": "score", "answers": "answers", "feedback": "feedback"} and attempts == 3
        finally:
            _db.engine.dispose()
