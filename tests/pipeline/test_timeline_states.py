"""The timeline tells the truth about an exam stage: waiting for grading, failed with attempts left (and how
many), failed with none left (and what happens next), each in its own words on the card and the next step."""

import random
from datetime import datetime, time

import pytest

from lms.courses.services import mark_lesson_done
from lms.exams import services
from lms.exams.simulation import answer
from lms.pipeline.timeline import build_timeline


@pytest.fixture
def ready(db, make_cohort, make_trainee, make_exam):
    cohort = make_cohort(trainees=[make_trainee()], days_in=30)
    enrolment = cohort.enrolments[0]
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(enrolment, lesson, cohort.stage1_opens)
    return cohort, enrolment, make_exam


def _sit(exam, enrolment, day, skill):
    when = datetime.combine(day, time(10))
    attempt = services.start_attempt(exam, enrolment, when)
    answer(attempt, when, skill=skill, rng=random.Random(1))
    services.submit_attempt(attempt, when)
    return attempt


def _stage1(timeline):
    return next(card for card in timeline.stages if card.key == "stage1")


def test_an_attempt_waiting_for_essay_grading_is_not_sent_back_to_the_exam(app, ready):
    cohort, enrolment, make_exam = ready
    exam = make_exam(cohort.programme, "stage1", types=("single", "essay"))
    with app.test_request_context():
        _sit(exam, enrolment, cohort.stage1_opens, skill=1.0)
        timeline = build_timeline(enrolment, cohort.stage1_opens)
    card = _stage1(timeline)
    assert card.status == "waiting" and card.status_label == "Waiting for grading"
    assert card.action == "See your attempt" and "waiting for the written answers" in card.detail
    assert timeline.next_step.label != "Go to the exam"
    certificate = timeline.stages[-1]
    assert "Stage-1 exam waiting for grading." in certificate.detail and "not passed" not in certificate.detail


def test_failed_with_an_attempt_left_says_so_and_offers_the_retake(app, ready):
    cohort, enrolment, make_exam = ready
    exam = make_exam(cohort.programme, "stage1", types=("single", "single"))
    with app.test_request_context():
        _sit(exam, enrolment, cohort.stage1_opens, skill=0.0)
        timeline = build_timeline(enrolment, cohort.stage1_opens)
    card = _stage1(timeline)
    assert card.status == "open" and card.action == "Go to the exam"
    assert card.detail.startswith("Not passed yet: 0 %, 70 % needed. 1 attempt left. Open until")
    assert timeline.next_step.label == "Go to the exam"


def test_failed_with_no_attempt_left_says_what_happens_next(app, ready):
    cohort, enrolment, make_exam = ready
    exam = make_exam(cohort.programme, "stage1", types=("single", "single"))
    with app.test_request_context():
        for _ in range(cohort.programme.stage1_attempts):
            _sit(exam, enrolment, cohort.stage1_opens, skill=0.0)
        timeline = build_timeline(enrolment, cohort.stage1_opens)
    card = _stage1(timeline)
    assert card.status == "closed" and card.status_label == "Closed"
    assert "You have used all 2 attempts. Ask your coordinator about a re-sit or an appeal." in card.detail
    assert card.action == "See your result"
