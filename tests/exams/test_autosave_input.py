"""Autosave refuses malformed input with one plain message, never Python's own exception text."""

import json

import pytest

from lms.courses.services import mark_lesson_done
from lms.exams.models import ExamAttempt
from tests.conftest import csrf_token, login, post_form

UNREADABLE = "The answer could not be read."


@pytest.fixture
def open_attempt(db, client, make_cohort, make_trainee, make_exam):
    """A trainee logged in with an open attempt of a single-choice, a matching and an essay question."""
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], days_in=29)
    exam = make_exam(cohort.programme, "stage1", types=("single", "matching", "essay"))
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(cohort.enrolments[0], lesson, cohort.final_exam_on)
    db.session.commit()
    login(client, trainee)
    exam_url = f"/cohorts/{cohort.id}/exams/{exam.id}"
    started = post_form(client, exam_url + "/start", token_from=exam_url)
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    token = csrf_token(client, f"/attempts/{attempt_id}")
    attempt = db.session.get(ExamAttempt, attempt_id)
    slots = {slot.question.qtype: slot for slot in attempt.slots}

    def post(body: str):
        return client.post(f"/attempts/{attempt_id}/answer", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})

    return post, slots


@pytest.mark.parametrize("slot", ['"1e400"', "1e400", "-1e400", "1.5", "true", "false", '{"id": 1}', "[1]",
                                  '"12345678901234567890"', '"١٢"', "null", '" 7"'])
def test_a_slot_that_is_no_id_gets_a_plain_400(open_attempt, slot):
    post, _slots = open_attempt
    response = post('{"slot": ' + slot + ', "response": {}}')
    assert response.status_code == 400
    assert response.is_json and response.json == {"ok": False, "error": UNREADABLE, "open": True}


def test_a_nested_answer_the_checks_do_not_expect_gets_a_plain_400(open_attempt):
    post, slots = open_attempt
    matching = slots["matching"]
    prompt = str(matching.question.options[0].id)
    response = post(json.dumps({"slot": matching.id, "response": {"pairs": {prompt: [1, {"x": 2}]}}}))
    assert response.status_code == 400
    assert response.json["error"] == UNREADABLE
    for leak in ("unhashable", "Traceback", "invalid literal", "int()", "float"):
        assert leak not in response.get_data(as_text=True)


def test_well_formed_answers_still_save(open_attempt):
    post, slots = open_attempt
    single = slots["single"]
    right = next(o.id for o in single.question.options if o.correct)
    for slot_value in (single.id, str(single.id)):
        response = post(json.dumps({"slot": slot_value, "response": {"choice": right}}))
        assert response.status_code == 200 and response.json["ok"]
    elsewhere = post(json.dumps({"slot": 2**31 - 1, "response": {}}))
    assert elsewhere.status_code == 409
    assert elsewhere.json["error"] == "That question is not part of this attempt."
