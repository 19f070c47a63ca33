"""The outcome rules, as a table: each requirement missing alone, all met, borderline thresholds."""

from types import SimpleNamespace

import pytest

from lms.intensive.services import AttendanceSummary, PracticalResult
from lms.monitoring.outcomes import ATTENDANCE_ONLY, CERTIFIED, IN_PROGRESS_OUTCOME, NOT_COMPLETED, ExamResult, decide

PROGRAMME = SimpleNamespace(attendance_threshold=75, final_pass_mark=70, practical_required=True,
                            practical_threshold=60)


def _case(stage1=True, attended=4, final=True, practical=True, final_attempted=True, markers=1):
    return (ExamResult(percent=80 if stage1 else 50, passed=stage1, attempts=1),
            ExamResult(percent=85 if final else 55, passed=final, attempts=1 if final_attempted else 0),
            AttendanceSummary(total_days=4, attended=attended, marked=4),
            PracticalResult(markers=markers, total=15 if practical else 8, max_total=20,
                            percent=75 if practical else 40, passed=practical if markers else None))


@pytest.mark.parametrize(("case", "finished", "status", "reason"), [
    (_case(), True, CERTIFIED, None),
    (_case(attended=3), True, CERTIFIED, None),  # 75 % exactly meets a 75 % threshold
    (_case(attended=2), True, NOT_COMPLETED, "Attendance 50 %, 75 % needed."),
    (_case(stage1=False), True, NOT_COMPLETED, "Stage-1 exam not passed."),
    (_case(final=False), True, ATTENDANCE_ONLY, "Final exam 55 %, 70 % needed."),
    (_case(practical=False), True, ATTENDANCE_ONLY, "Practical 40 %, 60 % needed."),
    (_case(markers=0), True, ATTENDANCE_ONLY, "Practical teach-back not scored yet."),
    (_case(final=False, final_attempted=False), True, ATTENDANCE_ONLY, "Final exam not taken yet."),
    (_case(final=False, final_attempted=False), False, IN_PROGRESS_OUTCOME, "Final exam not taken yet."),
    (_case(stage1=False, attended=1, final=False), True, NOT_COMPLETED, "Attendance 25 %, 75 % needed."),
])
def test_outcome_rules(app, case, finished, status, reason):
    with app.test_request_context():
        outcome = decide(PROGRAMME, *case, finished=finished)
    assert outcome.status == status
    if reason is None:
        assert outcome.reasons == []
    else:
        assert reason in outcome.reasons


def test_no_practical_needed_when_the_programme_has_none(app):
    programme = SimpleNamespace(**{**vars(PROGRAMME), "practical_required": False})
    with app.test_request_context():
        assert decide(programme, *_case(markers=0), finished=True).status == CERTIFIED


def test_borderline_exam_marks_come_from_the_attempts(app):
    stage1, final, attendance, practical = _case()
    final = ExamResult(percent=70.0, passed=True, attempts=1)  # graded against 70 %: a pass
    with app.test_request_context():
        assert decide(PROGRAMME, stage1, final, attendance, practical, finished=True).status == CERTIFIED
