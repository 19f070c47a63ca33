"""Taking an exam over HTTP, what pages reveal, who may see and grade what."""

import json
import re

import pytest

from lms.courses.services import mark_lesson_done
from lms.exams.models import ExamAttempt
from tests.conftest import csrf_token, login, post_form

SECRET_FEEDBACK = "Because elimination removes the hazard"
SECRET_EXPLANATION = "Explained only in review"


@pytest.fixture
def exam_world(db, make_cohort, make_trainee, make_trainer, make_exam):
    trainee, other, trainer, outsider = make_trainee(), make_trainee(), make_trainer(), make_trainer()
    cohort = make_cohort(trainees=[trainee, other], trainers=[trainer], days_in=29)
    make_cohort(programme=cohort.programme, trainers=[outsider])
    exam = make_exam(cohort.programme, "stage1", types=("single", "short", "essay"), time_limit=30,
                     review_responses="never", review_marks="never", review_answers="never", review_feedback="never")
    for slot_question in exam.rules[0].category.questions:
        slot_question.feedback, slot_question.explanation = SECRET_FEEDBACK, SECRET_EXPLANATION
    for enrolment in cohort.enrolments:
        for module in cohort.programme.modules:
            for lesson in module.lessons:
                mark_lesson_done(enrolment, lesson, cohort.final_exam_on)
    db.session.commit()
    return {"cohort": cohort, "exam": exam, "trainee": trainee, "other": other, "trainer": trainer,
            "outsider": outsider}


def _start(client, w):
    exam_url = f"/cohorts/{w['cohort'].id}/exams/{w['exam'].id}"
    assert "Start the exam" in client.get(exam_url).get_data(as_text=True)
    response = post_form(client, exam_url + "/start", token_from=exam_url)
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _autosave(client, attempt_id, slot_id, response, token):
    return client.post(f"/attempts/{attempt_id}/answer", data=json.dumps({"slot": slot_id, "response": response}),
                       content_type="application/json", headers={"X-CSRFToken": token})


def test_trainee_takes_the_exam_with_autosave_and_submits_once(db, client, exam_world):
    w = exam_world
    login(client, w["trainee"])
    attempt_id = _start(client, w)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Time left" in page and 'data-seconds-left="' in page
    attempt = db.session.get(ExamAttempt, attempt_id)
    token = csrf_token(client, f"/attempts/{attempt_id}")
    for slot in attempt.slots:
        q = slot.question
        answer = ({"choice": next(o.id for o in q.options if o.correct)} if q.qtype == "single"
                  else {"text": "ELIMINATION"} if q.qtype == "short" else {"text": "Remove the hazard first."})
        reply = _autosave(client, attempt_id, slot.id, answer, token)
        assert reply.status_code == 200 and reply.json["ok"]
    # a reload (or another device) shows every answer kept
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="ELIMINATION"' in page and "Remove the hazard first." in page and "checked" in page
    # without the token the autosave is refused
    assert _autosave(client, attempt_id, attempt.slots[0].id, {"text": "x"}, "bad").status_code == 400
    first = post_form(client, f"/attempts/{attempt_id}/submit", token_from=f"/attempts/{attempt_id}")
    second = post_form(client, f"/attempts/{attempt_id}/submit", token_from="/home")
    assert first.status_code == second.status_code == 302
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "once a trainer has graded the written answers" in result
    late = _autosave(client, attempt_id, attempt.slots[0].id, {"text": "changed"}, token)
    assert late.status_code == 409 and "submitted" in late.json["error"]


def test_the_exam_page_never_carries_the_key_or_feedback(db, client, exam_world):
    w = exam_world
    login(client, w["trainee"])
    attempt_id = _start(client, w)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert SECRET_FEEDBACK not in page and SECRET_EXPLANATION not in page
    assert "correct" not in page.lower().replace("correctly", "")
    assert "elimination" not in page.lower()  # the accepted short answer


def test_other_people_cannot_see_or_touch_an_attempt(db, client, exam_world):
    w = exam_world
    login(client, w["trainee"])
    attempt_id = _start(client, w)
    post_form(client, "/logout", token_from="/home")
    login(client, w["other"])
    token = csrf_token(client, "/home")
    assert client.get(f"/attempts/{attempt_id}").status_code == 403
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 403
    assert _autosave(client, attempt_id, 1, {"text": "x"}, token).status_code == 403
    assert post_form(client, f"/attempts/{attempt_id}/submit", token_from="/home").status_code == 403
    post_form(client, "/logout", token_from="/home")
    login(client, w["outsider"])
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 403
    assert client.get(f"/cohorts/{w['cohort'].id}/exams/{w['exam'].id}/statistics").status_code == 403


@pytest.mark.parametrize(("answers", "feedback", "shows_answers", "shows_feedback"), [
    ("never", "never", False, False), ("immediately", "never", True, False),
    ("immediately", "immediately", True, True)])
def test_review_settings_decide_what_the_trainee_sees(db, client, exam_world, answers, feedback, shows_answers,
                                                      shows_feedback):
    """Set to "immediately", a part shows as soon as the attempt is graded (lms/exams/review.py has the rest)."""
    w = exam_world
    exam = w["exam"]
    exam.review_responses = exam.review_marks = exam.review_answers = answers
    exam.review_feedback = feedback
    db.session.commit()
    login(client, w["trainee"])
    attempt_id = _start(client, w)
    essay = next(s for s in db.session.get(ExamAttempt, attempt_id).slots if s.question.qtype == "essay")
    token = csrf_token(client, f"/attempts/{attempt_id}")
    _autosave(client, attempt_id, essay.id, {"text": "Short essay"}, token)
    post_form(client, f"/attempts/{attempt_id}/submit", token_from=f"/attempts/{attempt_id}")
    # before the essay is graded nothing is released, whatever the policy
    pending = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "once a trainer has graded" in pending and "Right answer" not in pending and "Score" not in pending
    post_form(client, "/logout", token_from="/home")
    login(client, w["trainer"])
    grade_page = f"/grading/exams/{w['exam'].id}/questions/{essay.question_id}"
    page = client.get(grade_page).get_data(as_text=True)
    assert "Short essay" in page and w["trainee"].name not in page  # anonymised
    token = csrf_token(client, grade_page)
    response = post_form(client, f"/grading/answers/{essay.id}", {
        f"a{essay.id}-csrf_token": token, f"a{essay.id}-points": "0", f"a{essay.id}-feedback": "Write more"},
        token_from=grade_page, follow_redirects=True)
    assert "Grade saved" in response.get_data(as_text=True)
    post_form(client, "/logout", token_from="/home")
    login(client, w["trainee"])
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Score" in result and "Not passed" in result
    assert ("Right answer" in result) is shows_answers
    assert (SECRET_FEEDBACK in result) is shows_feedback
    assert ("Write more" in result) is shows_feedback


def test_trainer_of_another_cohort_cannot_grade(db, client, exam_world):
    w = exam_world
    login(client, w["trainee"])
    attempt_id = _start(client, w)
    post_form(client, f"/attempts/{attempt_id}/submit", token_from=f"/attempts/{attempt_id}")
    post_form(client, "/logout", token_from="/home")
    essay = next(s for s in db.session.get(ExamAttempt, attempt_id).slots if s.question.qtype == "essay")
    login(client, w["outsider"])
    assert "Nothing waits for a grade." in client.get("/grading").get_data(as_text=True)
    response = post_form(client, f"/grading/answers/{essay.id}", {f"a{essay.id}-points": "1"},
                         token_from="/grading")
    assert response.status_code == 403


def test_statistics_page_for_the_cohort_trainer(db, client, exam_world):
    w = exam_world
    login(client, w["trainer"])
    page = client.get(f"/cohorts/{w['cohort'].id}/exams/{w['exam'].id}/statistics").get_data(as_text=True)
    assert "<svg" in page and "KR-20" in page
    assert re.search(r"Graded attempts</dt><dd>0", page)
