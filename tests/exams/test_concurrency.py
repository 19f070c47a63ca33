"""Two submissions of the same attempt at the same moment (double click, two tabs, two devices)."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from lms.courses.services import mark_lesson_done
from lms.exams import services
from lms.exams.models import AttemptQuestion, ExamAttempt
from lms.extensions import db as _db
from lms.timeutil import utcnow


def test_concurrent_double_submit_gives_one_grade(app, db, make_cohort, make_trainee, make_exam):
    cohort = make_cohort(trainees=[make_trainee()], days_in=30)
    cohort.stage1_opens = utcnow().date() - timedelta(days=1)
    exam = make_exam(cohort.programme, "stage1", types=("single", "single", "short"))
    enrolment = cohort.enrolments[0]
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(enrolment, lesson)
    with app.test_request_context():
        attempt = services.start_attempt(exam, enrolment)
    for slot in attempt.slots:
        right = [o for o in slot.question.options if o.correct][0]
        response = {"text": right.text} if slot.question.qtype == "short" else {"choice": right.id}
        services.save_answer(attempt, slot.id, response)
    db.session.commit()
    attempt_id = attempt.id

    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit():
        try:
            with app.app_context():
                mine = _db.session.get(ExamAttempt, attempt_id)
                barrier.wait(timeout=10)
                results.append(services.submit_attempt(mine))
                _db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    db.session.expire_all()
    graded = db.session.get(ExamAttempt, attempt_id)
    assert graded.status == "graded" and graded.score == 3 and graded.passed
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(AttemptQuestion)) == 3
