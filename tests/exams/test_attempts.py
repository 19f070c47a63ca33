"""Gates, attempts, autosave, the deadline (with a controllable clock), submission exactly once, grading."""

import random
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.courses.services import RuleError, mark_lesson_done
from lms.exams import grading, services
from lms.exams.gates import exam_gate
from lms.exams.models import GRADED, IN_PROGRESS, SUBMITTED, ExamAttempt, GradeAudit


@pytest.fixture
def setup(db, make_cohort, make_trainee, make_exam, make_trainer):
    trainee, trainer = make_trainee(), make_trainer()
    cohort = make_cohort(trainees=[trainee], trainers=[trainer], days_in=30)
    exam = make_exam(cohort.programme, "stage1", types=("single", "multi", "short", "essay"), time_limit=30)
    enrolment = cohort.enrolments[0]
    return cohort, exam, enrolment, trainer


def _complete_distance(enrolment):
    for module in enrolment.cohort.programme.modules:
        for lesson in module.lessons:
            mark_lesson_done(enrolment, lesson, enrolment.cohort.final_exam_on)


def _noon(day):
    return datetime.combine(day, time(12, 0))


def test_stage_one_gate_needs_modules_then_window(app, setup):
    cohort, exam, enrolment, _ = setup
    with app.test_request_context():
        gate = exam_gate(enrolment, exam, _noon(cohort.stage1_opens))
        assert not gate.open and "every module of “Distance learning”" in gate.reason
        _complete_distance(enrolment)
        early = exam_gate(enrolment, exam, _noon(cohort.stage1_opens) - timedelta(days=1))
        assert not early.open and "Opens on" in early.reason and early.opens_on == cohort.stage1_opens
        assert exam_gate(enrolment, exam, _noon(cohort.stage1_opens)).open
        late = exam_gate(enrolment, exam, _noon(cohort.stage1_closes) + timedelta(days=1))
        assert not late.open and "closed" in late.reason


def test_final_exam_needs_stage_one_passed_and_attendance(app, db, setup, make_exam):
    from lms.intensive.services import ensure_sessions, mark_attendance

    cohort, stage1, enrolment, trainer = setup
    final = make_exam(cohort.programme, "final", types=("single",))
    with app.test_request_context():
        assert "Opens after you pass “Stage-1 exam”" in exam_gate(enrolment, final, _noon(cohort.final_exam_on)).reason
        db.session.add(ExamAttempt(exam=stage1, enrolment=enrolment, status=GRADED, passed=True, percent=90))
        db.session.flush()
        days = ensure_sessions(cohort)
        for session, status in zip(days, ["present", "absent", "absent", "present"], strict=True):
            mark_attendance(session, {enrolment.id: (status, "")}, trainer, cohort.final_exam_on)
        gate = exam_gate(enrolment, final, _noon(cohort.final_exam_on))
        assert not gate.open and gate.reason == "Attendance 50 %, 75 % needed."
        mark_attendance(days[1], {enrolment.id: ("late", "bus")}, trainer, cohort.final_exam_on)
        assert exam_gate(enrolment, final, _noon(cohort.final_exam_on)).open
        assert not exam_gate(enrolment, final, _noon(cohort.final_exam_on) + timedelta(days=1)).open


def _started(app, setup, now=None):
    cohort, exam, enrolment, _ = setup
    _complete_distance(enrolment)
    now = now or _noon(cohort.stage1_opens)
    with app.test_request_context():
        attempt = services.start_attempt(exam, enrolment, now, rng=random.Random(1))
    return attempt, now


def _answer_all_right(attempt, now):
    for slot in attempt.slots:
        q = slot.question
        right = [o.id for o in q.options if o.correct]
        response = {"single": {"choice": right[0] if right else None}, "multi": {"choices": right},
                    "short": {"text": "Elimination"}, "essay": {"text": "Controls at the source come first."}}
        services.save_answer(attempt, slot.id, response[q.qtype], now)


def test_start_records_deadline_and_resume_gives_the_same_attempt(app, setup):
    attempt, now = _started(app, setup)
    assert attempt.deadline == now + timedelta(minutes=30)
    assert len(attempt.slots) == 4 and attempt.max_score == 4
    with app.test_request_context():
        again = services.start_attempt(attempt.exam, attempt.enrolment, now + timedelta(minutes=5))
    assert again.id == attempt.id


def test_extra_time_extends_the_deadline(app, setup):
    cohort, exam, enrolment, _ = setup
    services.set_extra_time(exam, enrolment, 15)
    attempt, now = _started(app, setup)
    assert attempt.deadline == now + timedelta(minutes=45)


def test_deadline_never_passes_the_window_end(app, setup):
    cohort, exam, enrolment, _ = setup
    late = datetime.combine(cohort.stage1_closes, time(23, 50))
    attempt, _now = _started(app, setup, late)
    assert attempt.deadline == datetime.combine(cohort.stage1_closes + timedelta(days=1), time.min)


def test_autosave_keeps_answers_and_refuses_them_after_the_deadline(app, db, setup):
    attempt, now = _started(app, setup)
    slot = next(s for s in attempt.slots if s.question.qtype == "single")
    option = slot.question.options[0].id
    services.save_answer(attempt, slot.id, {"choice": option}, now + timedelta(minutes=29, seconds=59))
    db.session.commit()
    assert db.session.get(type(slot), slot.id).response == {"choice": option}
    with pytest.raises(RuleError, match="time is up"):
        services.save_answer(attempt, slot.id, {"choice": slot.question.options[1].id},
                             now + timedelta(minutes=30))
    db.session.commit()
    attempt = db.session.get(ExamAttempt, attempt.id)
    assert attempt.status in (SUBMITTED, GRADED)
    assert db.session.get(type(slot), slot.id).response == {"choice": option}
    assert attempt.submitted_at == attempt.deadline


def test_malformed_answers_are_refused(app, setup):
    attempt, now = _started(app, setup)
    single = next(s for s in attempt.slots if s.question.qtype == "single")
    with pytest.raises(RuleError):
        services.save_answer(attempt, single.id, {"choice": 999999}, now)
    with pytest.raises(RuleError):
        services.save_answer(attempt, single.id, {"choice": "drop table"}, now)
    with pytest.raises(RuleError):
        services.save_answer(attempt, 123456, {"choice": 1}, now)


def test_close_expired_attempts_grades_what_was_saved(app, db, setup):
    attempt, now = _started(app, setup)
    _answer_all_right(attempt, now)
    db.session.commit()
    assert services.close_expired_attempts(now + timedelta(minutes=10)) == 0
    assert services.close_expired_attempts(now + timedelta(minutes=31)) == 1
    db.session.commit()
    attempt = db.session.get(ExamAttempt, attempt.id)
    assert attempt.status == SUBMITTED  # the essay waits for a trainer
    assert sum(s.score or 0 for s in attempt.slots) == 3
    assert services.close_expired_attempts(now + timedelta(minutes=40)) == 0


def test_submitting_twice_grades_once(app, db, setup):
    attempt, now = _started(app, setup)
    _answer_all_right(attempt, now)
    assert services.submit_attempt(attempt, now) is True
    assert services.submit_attempt(attempt, now + timedelta(seconds=1)) is False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1


def test_essay_grading_releases_the_result_and_is_audited(app, db, setup):
    _cohort, _exam, _enrolment, trainer = setup
    attempt, now = _started(app, setup)
    _answer_all_right(attempt, now)
    services.submit_attempt(attempt, now)
    assert attempt.status == SUBMITTED and attempt.percent is None
    essay = next(s for s in attempt.slots if s.needs_grading)
    with app.test_request_context():
        with pytest.raises(RuleError, match="between 0 and 1"):
            grading.grade_answer(essay, 2, "", trainer)
        grading.grade_answer(essay, 0.5, "Good start", trainer)
    assert attempt.status == GRADED and attempt.score == 3.5 and attempt.percent == 87.5 and attempt.passed
    with app.test_request_context():
        with pytest.raises(RuleError, match="reason"):
            grading.grade_answer(essay, 1, "", trainer)
        grading.grade_answer(essay, 1, "Better on review", trainer, reason="second marking")
    audit = db.session.scalars(select(GradeAudit).order_by(GradeAudit.id)).all()
    assert [(a.old_score, a.new_score, a.actor_id) for a in audit] == [(None, 0.5, trainer.id),
                                                                       (0.5, 1.0, trainer.id)]
    assert audit[1].reason == "second marking"


def test_correcting_a_key_regrades_every_attempt(app, db, setup):
    _cohort, _exam, _enrolment, trainer = setup
    attempt, now = _started(app, setup)
    single = next(s for s in attempt.slots if s.question.qtype == "single")
    wrong = next(o for o in single.question.options if not o.correct)
    services.save_answer(attempt, single.id, {"choice": wrong.id}, now)
    services.submit_attempt(attempt, now)
    assert single.score == 0
    for option in single.question.options:  # the coordinator finds the key was wrong
        option.correct = option.id == wrong.id
    with app.test_request_context():
        assert grading.regrade_question(single.question, trainer, "key corrected") == 1
    assert single.score == 1
    assert db.session.scalar(select(GradeAudit.reason).where(GradeAudit.slot_id == single.id)) == "key corrected"


def test_attempts_are_limited_and_a_pass_closes_the_gate(app, db, setup):
    cohort, exam, enrolment, _ = setup
    cohort.programme.stage1_attempts = 1
    attempt, now = _started(app, setup)
    services.submit_attempt(attempt, now)
    with app.test_request_context():
        gate = exam_gate(enrolment, exam, now + timedelta(hours=1))
    assert not gate.open and "all 1 attempts" in gate.reason


def test_each_attempt_draws_again(app, db, make_cohort, make_trainee, make_question, make_exam):
    from lms.exams.models import ExamRule

    cohort = make_cohort(trainees=[make_trainee()], days_in=30)
    exam = make_exam(cohort.programme, "practice", types=("single",), time_limit=None)
    for i in range(9):
        make_question(cohort.programme, "single", category="practice bank", name=f"extra {i}")
    exam.rules = [ExamRule(category=exam.rules[0].category, count=3)]
    db.session.commit()
    enrolment = cohort.enrolments[0]
    draws = set()
    with app.test_request_context():
        for seed in range(6):
            attempt = services.start_attempt(exam, enrolment, rng=random.Random(seed))
            draws.add(tuple(sorted(s.question_id for s in attempt.slots)))
            services.submit_attempt(attempt)
    assert len(draws) > 1


def test_an_open_attempt_status_is_in_progress(app, setup):
    attempt, _ = _started(app, setup)
    assert attempt.status == IN_PROGRESS and attempt.is_open
