"""The coordinator's question bank and exam settings screens: access, import, export, editing a key with a
regrade, draw rules, creating exams."""

import io
import random
from datetime import datetime, time

import pytest
from sqlalchemy import func, select

from lms.courses.services import mark_lesson_done
from lms.exams import services
from lms.exams.models import Exam, ExamAttempt, ExamRule, GradeAudit, Question, QuestionCategory
from lms.exams.moodle import parse_moodle_xml
from tests.conftest import csrf_token, login, post_form

GOOD_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Stage 1/Hazards</text></category></question>
  <question type="multichoice"><name><text>Fire triangle</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which is <strong>not</strong> part of it?</p>]]></text></questiontext>
    <defaultgrade>2</defaultgrade><single>true</single>
    <answer fraction="0"><text>Heat</text></answer><answer fraction="100"><text>Water</text></answer>
    <answer fraction="0"><text>Oxygen</text></answer></question>
  <question type="truefalse"><name><text>Helmets</text></name>
    <questiontext format="plain_text"><text>Helmets protect heads.</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
  <question type="category"><category><text>$course$/top/Law</text></category></question>
  <question type="numerical"><name><text>Exit width</text></name>
    <questiontext format="plain_text"><text>Minimum width in cm?</text></questiontext>
    <answer fraction="100"><text>90</text><tolerance>5</tolerance></answer></question>
  <question type="essay"><name><text>Reflect</text></name>
    <questiontext format="plain_text"><text>Describe a hazard at your workplace.</text></questiontext></question>
</quiz>"""

BAD_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="essay"><name><text>Good essay</text></name>
    <questiontext format="plain_text"><text>Fine.</text></questiontext></question>
  <question type="multichoice"><name><text>Two right</text></name>
    <questiontext format="plain_text"><text>Q?</text></questiontext><single>true</single>
    <answer fraction="100"><text>A</text></answer><answer fraction="100"><text>B</text></answer></question>
  <question type="numerical"><name><text>Not a number</text></name>
    <questiontext format="plain_text"><text>Q?</text></questiontext>
    <answer fraction="100"><text>nine</text></answer></question>
</quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>Leak</text></name>
<questiontext format="plain_text"><text>&secret;</text></questiontext></question></quiz>"""

GOOD_CSV = (b"category,name,question,correct,wrong1,wrong2\r\n"
            b"Hazards,Fuel,Which is not fuel?,Water,Wood,Paper\r\n"
            b"Law,Lift,May a lift be used in a fire?,No,Yes,\r\n")


@pytest.fixture
def world(db, make_coordinator, make_trainee, make_trainer, make_programme):
    programme = make_programme(modules_per_week=1, lessons_per_module=1)
    return {"coordinator": make_coordinator(), "trainee": make_trainee(), "trainer": make_trainer(),
            "programme": programme}


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, programme, data: bytes, filename: str, **kwargs):
    page = f"/admin/programmes/{programme.id}/questions"
    token = csrf_token(client, page)
    return client.post(page + "/import", data={"import-csrf_token": token, "import-file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", **kwargs)


# ---- access -----------------------------------------------------------------------------------


def _bank_urls(programme, question, exam):
    gets = [f"/admin/programmes/{programme.id}/questions", f"/admin/programmes/{programme.id}/questions/export",
            f"/admin/questions/{question.id}/edit", f"/admin/exams/{exam.id}/edit"]
    posts = [f"/admin/programmes/{programme.id}/questions/import", f"/admin/questions/{question.id}/edit",
             f"/admin/exams/{exam.id}/edit", f"/admin/programmes/{programme.id}/exams/new"]
    return gets, posts


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_trainees_and_trainers_are_refused_everywhere(db, client, world, make_exam, role):
    exam = make_exam(world["programme"], "stage1", types=("single",))
    question = exam.rules[0].category.questions[0]
    gets, posts = _bank_urls(world["programme"], question, exam)
    login(client, world[role])
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert post_form(client, url, {"exam-kind": "final"}, token_from="/home").status_code == 403, url
    assert _count(db, type(exam)) == 1


def test_anonymous_visitors_are_sent_to_log_in(db, client, world, make_exam):
    exam = make_exam(world["programme"], "stage1", types=("single",))
    gets, posts = _bank_urls(world["programme"], exam.rules[0].category.questions[0], exam)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    for url in posts:
        response = post_form(client, url, token_from="/login")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


# ---- import and export ------------------------------------------------------------------------


def test_a_good_moodle_file_is_imported_and_listed(db, client, world):
    login(client, world["coordinator"])
    response = _upload(client, world["programme"], GOOD_XML, "bank.xml", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 questions imported." in page
    for text in ("Fire triangle", "Helmets", "Exit width", "Reflect", "Hazards", "Law", "Single choice",
                 "True/false", "Numerical", "Essay", "2 questions, 2 active"):
        assert text in page, text
    assert _count(db, Question) == 4


def test_a_csv_file_of_single_choice_questions_is_imported(db, client, world):
    login(client, world["coordinator"])
    response = _upload(client, world["programme"], GOOD_CSV, "Questions.CSV", follow_redirects=True)
    assert "2 questions imported." in response.get_data(as_text=True)
    assert sorted(db.session.scalars(select(QuestionCategory.name))) == ["Hazards", "Law"]


def test_a_file_with_bad_questions_is_reported_and_nothing_imported(db, client, world):
    login(client, world["coordinator"])
    response = _upload(client, world["programme"], BAD_XML, "bank.xml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert ("Question 2 (“Two right”): a single-choice question needs exactly one fully correct answer "
            "(it has 2).") in page
    assert "Question 3 (“Not a number”): the answer “nine” is not a number." in page
    assert _count(db, Question) == 0 and _count(db, QuestionCategory) == 0


def test_an_xml_file_with_an_external_entity_is_refused(db, client, world):
    login(client, world["coordinator"])
    response = _upload(client, world["programme"], EXTERNAL_ENTITY, "evil.xml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The file contains a DTD or entities, which are refused for safety." in page
    assert "root:" not in page and "Nothing was imported" in page
    assert _count(db, Question) == 0


def test_other_file_types_are_refused(db, client, world):
    login(client, world["coordinator"])
    response = _upload(client, world["programme"], GOOD_XML, "bank.txt")
    assert response.status_code == 400
    assert "Choose a Moodle XML file (.xml) or a CSV file" in response.get_data(as_text=True)
    assert _count(db, Question) == 0


def test_export_downloads_moodle_xml_that_reads_back(db, client, world, make_question, make_programme):
    programme = world["programme"]
    for qtype in ("single", "multi", "truefalse", "short", "numeric", "matching", "essay"):
        make_question(programme, qtype, category="Law" if qtype in ("essay", "short") else "Hazards", name=f"Q {qtype}")
    make_question(make_programme(), "single", name="Another programme's")
    login(client, world["coordinator"])
    response = client.get(f"/admin/programmes/{programme.id}/questions/export")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"programme-{programme.id}" in disposition
    result = parse_moodle_xml(response.data)
    assert result.errors == []
    assert len(result.questions) == 7
    assert "Another programme's" not in {q.name for q in result.questions}


# ---- editing a question, and the regrade ------------------------------------------------------


def _question_data(question, correct_ids, **fields):
    data = {"name": question.name, "text": question.text, "points": f"{question.points:g}", "feedback": "",
            "explanation": "", "active": "y"}
    for option in question.options:
        data[f"opt-{option.id}-text"] = option.text
        if option.id in correct_ids:
            data[f"opt-{option.id}-correct"] = "y"
    data.update(fields)
    return data


@pytest.fixture
def graded_attempt(app, db, make_cohort, make_trainee, make_exam):
    """A submitted stage-1 attempt whose single-choice answer was marked wrong by the key."""
    cohort = make_cohort(trainees=[make_trainee()], days_in=30)
    exam = make_exam(cohort.programme, "stage1", types=("single", "single"), time_limit=30)
    enrolment = cohort.enrolments[0]
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(enrolment, lesson, cohort.final_exam_on)
    now = datetime.combine(cohort.stage1_opens, time(12, 0))
    with app.test_request_context():
        attempt = services.start_attempt(exam, enrolment, now, rng=random.Random(1))
        first, second = attempt.slots
        wrong = next(o for o in first.question.options if not o.correct)
        right = next(o for o in second.question.options if o.correct)
        services.save_answer(attempt, first.id, {"choice": wrong.id}, now)
        services.save_answer(attempt, second.id, {"choice": right.id}, now)
        services.submit_attempt(attempt, now)
    db.session.commit()
    assert attempt.score == 1 and first.score == 0
    return {"attempt": attempt, "question": first.question, "chosen": wrong, "exam": exam}


def test_changing_a_key_needs_a_reason_then_regrades_the_answers(db, client, world, graded_attempt):
    g = graded_attempt
    question, url = g["question"], f"/admin/questions/{g['question'].id}/edit"
    login(client, world["coordinator"])
    page = client.get(url).get_data(as_text=True)
    assert "Reason for the change" in page and f'name="opt-{g["chosen"].id}-correct"' in page

    refused = post_form(client, url, _question_data(question, {g["chosen"].id}), token_from=url)
    assert refused.status_code == 400
    assert "Give a reason for changing its key" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExamAttempt, g["attempt"].id).score == 1
    assert _count(db, GradeAudit) == 0

    response = post_form(client, url, _question_data(question, {g["chosen"].id}, reason="Key was wrong"),
                         token_from=url, follow_redirects=True)
    assert response.status_code == 200
    assert "1 answer was regraded." in response.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, g["attempt"].id)
    assert attempt.score == 2 and attempt.percent == 100
    audit = db.session.scalars(select(GradeAudit)).all()
    assert [(a.old_score, a.new_score, a.reason, a.actor_id) for a in audit] == [
        (0, 1, "Key was wrong", world["coordinator"].id)]
    assert [o.correct for o in db.session.get(Question, question.id).options if o.id == g["chosen"].id] == [True]


def test_more_points_for_a_question_change_the_attempt_totals(db, client, world, graded_attempt):
    g = graded_attempt
    question, url = g["question"], f"/admin/questions/{g['question'].id}/edit"
    correct = {o.id for o in question.options if o.correct}
    login(client, world["coordinator"])
    response = post_form(client, url, _question_data(question, correct, points="3", reason="Weighted higher"),
                         token_from=url, follow_redirects=True)
    assert "0 answers were regraded." in response.get_data(as_text=True)  # the wrong answer still scores 0
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, g["attempt"].id)
    assert (attempt.score, attempt.max_score, attempt.percent) == (1, 4, 25)


def test_changing_only_the_wording_needs_no_reason(db, client, world, graded_attempt):
    g = graded_attempt
    question, url = g["question"], f"/admin/questions/{g['question'].id}/edit"
    correct = {o.id for o in question.options if o.correct}
    login(client, world["coordinator"])
    response = post_form(client, url, _question_data(question, correct, text="A clearer wording?"),
                         token_from=url, follow_redirects=True)
    assert response.status_code == 200 and "regraded" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == "A clearer wording?"
    assert _count(db, GradeAudit) == 0


def test_question_edit_checks_the_key_and_adds_an_option(db, client, world, make_question):
    question = make_question(world["programme"], "single")
    url = f"/admin/questions/{question.id}/edit"
    login(client, world["coordinator"])
    all_right = post_form(client, url, _question_data(question, {o.id for o in question.options}), token_from=url)
    assert all_right.status_code == 400
    assert "Mark exactly one option as correct (3 are marked)." in all_right.get_data(as_text=True)
    no_points = post_form(client, url, _question_data(question, {question.options[0].id}, points="0"),
                          token_from=url)
    assert no_points.status_code == 400 and "The points must be more than 0." in no_points.get_data(as_text=True)

    data = _question_data(question, {question.options[0].id}, **{"opt-new-text": "Wrong C"})
    data[f"opt-{question.options[1].id}-text"] = ""  # removes it
    assert post_form(client, url, data, token_from=url).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Question, question.id)
    assert [(o.position, o.text, o.correct) for o in stored.options] == [
        (1, "Right", True), (2, "Wrong B", False), (3, "Wrong C", False)]


def test_numeric_answers_must_be_numbers(db, client, world, make_question):
    question = make_question(world["programme"], "numeric")
    url = f"/admin/questions/{question.id}/edit"
    login(client, world["coordinator"])
    response = post_form(client, url, _question_data(question, set(), tolerance="0.5",
                                                     **{f"opt-{question.options[0].id}-text": "twelve"}),
                         token_from=url)
    assert response.status_code == 400
    assert "The accepted answer “twelve” is not a number." in response.get_data(as_text=True)


# ---- exams ------------------------------------------------------------------------------------


def _new_exam(client, programme, kind, module_id=""):
    page = f"/admin/programmes/{programme.id}/questions"
    token = csrf_token(client, page)
    return post_form(client, f"/admin/programmes/{programme.id}/exams/new",
                     {"exam-csrf_token": token, "exam-kind": kind, "exam-module_id": str(module_id)},
                     token_from=page)


def test_a_second_stage_one_exam_is_refused(db, client, world):
    programme = world["programme"]
    login(client, world["coordinator"])
    first = _new_exam(client, programme, "stage1")
    assert first.status_code == 302 and "/admin/exams/" in first.headers["Location"]
    second = _new_exam(client, programme, "stage1")
    assert second.status_code == 400
    assert "This programme already has a stage-1 exam" in second.get_data(as_text=True)
    assert _new_exam(client, programme, "final").status_code == 302
    no_module = _new_exam(client, programme, "practice")
    assert no_module.status_code == 400 and "Choose the module" in no_module.get_data(as_text=True)
    assert _new_exam(client, programme, "practice", programme.modules[0].id).status_code == 302
    db.session.expire_all()
    kinds = sorted(db.session.scalars(select(Exam.kind).where(Exam.programme_id == programme.id)))
    assert kinds == ["final", "practice", "stage1"]
    page = client.get(f"/admin/programmes/{programme.id}/questions").get_data(as_text=True)
    assert "Practice quiz: Week 1 module 1" in page and "Stage-1 exam" in page


def test_exam_settings_save_the_draw_rules_and_refuse_too_many(db, client, world, make_question):
    programme = world["programme"]
    hazards = [make_question(programme, "single", category="Hazards", name=f"H{i}") for i in range(3)]
    make_question(programme, "single", category="Hazards", name="Retired", active=False)
    law = make_question(programme, "short", category="Law", name="L1")
    login(client, world["coordinator"])
    url = _new_exam(client, programme, "stage1").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Questions drawn from Hazards" in page and "Questions drawn from Law" in page
    assert 'name="pass_mark"' not in page and 'name="attempts_allowed"' not in page
    assert f"/admin/programmes/{programme.id}/edit" in page
    hid, lid = hazards[0].category_id, law.category_id
    form = {"title": "Stage 1", "time_limit_minutes": "45", "shuffle_questions": "y", "review_responses": "immediately",
            "review_marks": "after_close", "review_answers": "after_last_attempt", "review_feedback": "never"}

    too_many = post_form(client, url, {**form, f"rule-{hid}": "4", f"rule-{lid}": "1"}, token_from=url)
    assert too_many.status_code == 400
    assert "“Hazards” has only 3 active questions; the exam cannot draw 4." in too_many.get_data(as_text=True)
    none = post_form(client, url, {**form, f"rule-{hid}": "0", f"rule-{lid}": "0"}, token_from=url)
    assert none.status_code == 400 and "Draw at least one question." in none.get_data(as_text=True)
    assert _count(db, ExamRule) == 0

    saved = post_form(client, url, {**form, f"rule-{hid}": "3", f"rule-{lid}": "0"}, token_from=url)
    assert saved.status_code == 302
    db.session.expire_all()
    rules = db.session.scalars(select(ExamRule)).all()
    assert [(r.category_id, r.count) for r in rules] == [(hid, 3)]
    exam = rules[0].exam
    assert (exam.title, exam.time_limit_minutes, exam.shuffle_questions, exam.shuffle_options) == (
        "Stage 1", 45, True, False)
    assert (exam.review_responses, exam.review_marks, exam.review_answers, exam.review_feedback) == (
        "immediately", "after_close", "after_last_attempt", "never")

    again = post_form(client, url, {**form, f"rule-{hid}": "2", f"rule-{lid}": "1"}, token_from=url)
    assert again.status_code == 302
    db.session.expire_all()
    assert sorted((r.category_id, r.count) for r in db.session.scalars(select(ExamRule))) == [(hid, 2), (lid, 1)]


def test_practice_settings_take_their_own_pass_mark(db, client, world, make_question):
    programme = world["programme"]
    question = make_question(programme, "single", category="Hazards")
    login(client, world["coordinator"])
    url = _new_exam(client, programme, "practice", programme.modules[0].id).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert 'name="pass_mark"' in page and 'name="attempts_allowed"' not in page
    assert "A practice quiz has no exam window" in page
    response = post_form(client, url, {"title": "Warm-up", "pass_mark": "50", "review_responses": "immediately",
                                       "review_marks": "immediately", "review_answers": "immediately",
                                       "review_feedback": "immediately", f"rule-{question.category_id}": "1"},
                         token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    rule = db.session.scalars(select(ExamRule)).one()
    assert (rule.exam.pass_mark, rule.exam.required_percent, rule.count) == (50, 50, 1)

