"""The outcome rules, as a table over a pipeline: each requirement missing alone, all met, borderline values,
and pipelines of other shapes (a seminar of one sessions stage; two exams and no modules)."""

from types import SimpleNamespace

import pytest

from lms.intensive.services import AttendanceSummary, PracticalResult
from lms.pipeline.outcome import CERTIFIED, FALLBACK_AWARD, IN_PROGRESS, NOT_COMPLETED, decide
from lms.pipeline.registry import StageResult


def stage(key, kind, title, required=True, **rule):
    return SimpleNamespace(key=key, kind=kind, title={"en": title}, required=required, rule=rule, settings={},
                           after=[])


EOSH = [stage("distance", "modules", "Distance learning", required=False, modules=100),
        stage("stage1", "exam", "Stage-1 exam", score=70),
        stage("intensive", "sessions", "Intensive", attendance=75),
        stage("teachback", "practical", "Practical teach-back", score=60),
        stage("final", "exam", "Final exam", score=70)]
FALLBACK = {"passed": ["stage1", "intensive"]}


def _case(stage1=True, attended=4, final=True, practical=True, final_attempted=True, markers=1, distance=True):
    attendance = AttendanceSummary(total_days=4, attended=attended, marked=4)
    scored = PracticalResult(markers=markers, total=15 if practical else 8, max_total=20,
                             percent=75 if practical else 40, passed=practical if markers else None)
    return {
        "distance": StageResult(passed=distance, percent=100.0 if distance else 50.0),
        "stage1": StageResult(passed=stage1, percent=80 if stage1 else 50, attempts=1),
        "intensive": StageResult(passed=attendance.percent >= 75, percent=attendance.percent, detail=attendance),
        "teachback": StageResult(passed=bool(scored.passed), percent=scored.percent, attempts=markers, detail=scored),
        "final": StageResult(passed=final, percent=85 if final else 55, attempts=1 if final_attempted else 0),
    }


@pytest.mark.parametrize(("case", "finished", "status", "reason"), [
    (_case(), True, CERTIFIED, None),
    (_case(attended=3), True, CERTIFIED, None),  # 75 % exactly meets a 75 % threshold
    (_case(distance=False), True, CERTIFIED, None),  # distance counts through stage 1's gate only
    (_case(attended=2), True, NOT_COMPLETED, "Attendance 50 %, 75 % needed."),
    (_case(stage1=False), True, NOT_COMPLETED, "Stage-1 exam 50 %, 70 % needed."),
    (_case(final=False), True, FALLBACK_AWARD, "Final exam 55 %, 70 % needed."),
    (_case(practical=False), True, FALLBACK_AWARD, "Practical teach-back 40 %, 60 % needed."),
    (_case(markers=0), True, FALLBACK_AWARD, "Practical teach-back not scored yet."),
    (_case(final=False, final_attempted=False), True, FALLBACK_AWARD, "Final exam not taken yet."),
    (_case(final=False, final_attempted=False), False, IN_PROGRESS, "Final exam not taken yet."),
    (_case(stage1=False, attended=1, final=False), True, NOT_COMPLETED, "Attendance 25 %, 75 % needed."),
])
def test_outcome_rules(app, case, finished, status, reason):
    with app.test_request_context():
        outcome = decide(EOSH, case, FALLBACK, finished=finished)
    assert outcome.status == status
    if reason is None:
        assert outcome.reasons == []
    else:
        assert reason in outcome.reasons


def test_an_essay_waiting_for_grading_says_so(app):
    case = _case(stage1=False)
    case["stage1"] = StageResult(passed=False, attempts=1, waiting=True)
    with app.test_request_context():
        assert "Stage-1 exam waiting for grading." in decide(EOSH, case, FALLBACK, finished=False).reasons


def test_no_practical_needed_when_the_programme_has_none(app):
    pipeline = [*EOSH[:3], stage("teachback", "practical", "Practical teach-back", required=False, score=60),
                EOSH[4]]
    with app.test_request_context():
        assert decide(pipeline, _case(markers=0), FALLBACK, finished=True).status == CERTIFIED


def test_a_one_stage_seminar_certifies_on_attendance_alone(app):
    seminar = [stage("seminar", "sessions", "Seminar", attendance=50)]
    present = {"seminar": StageResult(passed=True, percent=100.0)}
    absent = {"seminar": StageResult(passed=False, percent=0.0)}
    with app.test_request_context():
        assert decide(seminar, present, None, finished=True).status == CERTIFIED
        outcome = decide(seminar, absent, None, finished=True)
    assert outcome.status == NOT_COMPLETED and outcome.reasons == ["Attendance 0 %, 50 % needed."]


def test_two_exams_and_no_modules(app):
    pipeline = [stage("written", "exam", "Written exam", score=60), stage("oral", "exam", "Oral exam", score=50)]
    with app.test_request_context():
        outcome = decide(pipeline, {"written": StageResult(passed=True, percent=61, attempts=1),
                                    "oral": StageResult(attempts=0)}, {"passed": ["written"]}, finished=True)
    assert outcome.status == FALLBACK_AWARD and outcome.reasons == ["Oral exam not taken yet."]


def test_a_fallback_award_on_an_attendance_share(app):
    seminar = [stage("days", "sessions", "Seminar days", attendance=100)]
    rule = {"at_least": {"days": 50}}
    with app.test_request_context():
        assert decide(seminar, {"days": StageResult(percent=50.0)}, rule, finished=True).status == FALLBACK_AWARD
        assert decide(seminar, {"days": StageResult(percent=49.0)}, rule, finished=True).status == NOT_COMPLETED
