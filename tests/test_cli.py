"""The command-line contracts: seed-demo, simulate-cohort, close-expired-attempts."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.exams.models import Exam, ExamAttempt, Question
from lms.timeutil import utcnow


def test_seed_demo_prints_the_logins_and_builds_question_banks(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.lms" in result.output and "trainee5@demo.lms" in result.output
    assert db.session.scalar(select(func.count()).select_from(Question)) >= 80
    kinds = set(db.session.scalars(select(Exam.kind)))
    assert kinds == {"stage1", "final", "practice", "stage"}  # "stage": an exam of a pipeline of its own (SIYB)
    again = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in again.output


def test_simulate_cohort_runs_every_trainee_through_and_prints_codes(app, db):
    result = app.test_cli_runner().invoke(args=["simulate-cohort", "--trainees", "4", "--seed", "7"])
    assert result.exit_code == 0, result.output
    codes = result.stdout.split()
    assert codes and all(re.fullmatch(r"ITC-\w{4}-\w{4}-\w{3}[\w*~$=]", code) for code in codes)
    summary = [line for line in result.stderr.splitlines() if "@simulated.lms" in line]
    assert len(summary) == 4 and all("stage1=" in line for line in summary)
    issued = set(db.session.scalars(select(Certificate.code).where(Certificate.status == "issued")))
    assert set(codes) <= issued
    graded = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(ExamAttempt.status == "graded"))
    assert graded >= 4 + 4  # the demo's own attempts plus at least one per simulated trainee


def test_close_expired_attempts_command(app, db, make_cohort, make_trainee, make_exam):
    from lms.exams import services

    cohort = make_cohort(trainees=[make_trainee()], days_in=30)
    exam = make_exam(cohort.programme, "practice", types=("single",), time_limit=10)
    with app.test_request_context():
        attempt = services.start_attempt(exam, cohort.enrolments[0], utcnow() - timedelta(minutes=11))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["close-expired-attempts"])
    assert "1 expired attempts closed" in result.output
    db.session.expire_all()
    assert db.session.get(ExamAttempt, attempt.id).status == "graded"
