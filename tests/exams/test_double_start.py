"""A double click on "Start the exam": both clicks land on the same attempt, and nobody sees an error page.

Both requests are held just before they insert the attempt until the other has got there too, so each has
seen "no attempt yet": the race happens every time, on SQLite and on PostgreSQL.
"""

import threading

from sqlalchemy import event, func, select

from lms.courses.services import mark_lesson_done
from lms.exams.models import ExamAttempt
from tests.conftest import csrf_token, login


def _hold_attempt_inserts(db, parties: int):
    """A barrier every INSERT of an attempt waits at, and the hook to remove afterwards."""
    barrier = threading.Barrier(parties)

    def hold(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO EXAM_ATTEMPTS"):
            barrier.wait(timeout=20)

    event.listen(db.engine, "before_cursor_execute", hold)
    return barrier, hold


def test_two_simultaneous_starts_open_one_attempt(app, db, make_cohort, make_trainee, make_exam):
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], days_in=29)
    exam = make_exam(cohort.programme, "stage1", types=("single", "short", "essay"))
    for module in cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(cohort.enrolments[0], lesson, cohort.final_exam_on)
    db.session.commit()
    exam_url = f"/cohorts/{cohort.id}/exams/{exam.id}"

    first = app.test_client()
    login(first, trainee)
    token = csrf_token(first, exam_url)
    second = app.test_client()  # the same browser session, as a second tab or a double click sends it
    second.set_cookie("session", first.get_cookie("session").value)
    barrier, hook = _hold_attempt_inserts(db, 2)
    responses, errors = [], []

    def click(client):
        try:
            responses.append(client.post(exam_url + "/start", data={"csrf_token": token}))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=click, args=(c,)) for c in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)
    assert errors == []
    assert [r.status_code for r in responses] == [302, 302]
    locations = {r.headers["Location"] for r in responses}
    assert len(locations) == 1 and locations.pop().startswith("/attempts/")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1
    attempt = db.session.scalar(select(ExamAttempt))
    assert len(attempt.slots) == 3
    assert first.get(f"/attempts/{attempt.id}").status_code == 200
