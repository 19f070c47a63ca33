"""One place that decides each enrolment's outcome from the programme's rules, with readable reasons.

certified: stage 1 passed, attendance at or above the threshold, final exam passed, practical passed
(where the programme has one). Eligible for a certificate of attendance: took part in the intensive (attendance
met) but did not pass. Otherwise not completed; until the final exam day is over, in progress.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.courses.models import Cohort, Enrolment
from lms.exams.models import FINAL, GRADED, IN_PROGRESS, STAGE1, Exam, ExamAttempt
from lms.extensions import db
from lms.intensive.services import AttendanceSummary, PracticalResult, cohort_attendance, practical_results
from lms.timeutil import today as clock_today

CERTIFIED, ATTENDANCE_ONLY, NOT_COMPLETED, IN_PROGRESS_OUTCOME = (
    "certified", "attendance", "not_completed", "in_progress")
OUTCOME_LABELS = {
    CERTIFIED: _l("Certified"),
    ATTENDANCE_ONLY: _l("Eligible for a certificate of attendance"),
    NOT_COMPLETED: _l("Not completed"),
    IN_PROGRESS_OUTCOME: _l("In progress"),
}


@dataclass
class ExamResult:
    percent: float | None = None
    passed: bool = False
    attempts: int = 0
    waiting: bool = False  # submitted, essays not yet graded


@dataclass
class Outcome:
    status: str
    stage1: ExamResult
    final: ExamResult
    attendance: AttendanceSummary
    practical: PracticalResult
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self.status])


def exam_results(cohort: Cohort) -> dict[tuple[int, str], ExamResult]:
    """(enrolment id, exam kind) -> the result that counts: the best graded attempt. One query."""
    results: dict[tuple[int, str], ExamResult] = defaultdict(ExamResult)
    rows = db.session.execute(
        select(ExamAttempt.enrolment_id, Exam.kind, ExamAttempt.status, ExamAttempt.percent, ExamAttempt.passed)
        .join(Exam, Exam.id == ExamAttempt.exam_id)
        .join(Enrolment, Enrolment.id == ExamAttempt.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id, Exam.kind.in_((STAGE1, FINAL)), ExamAttempt.status != IN_PROGRESS))
    for enrolment_id, kind, status, percent, passed in rows:
        result = results[(enrolment_id, kind)]
        result.attempts += 1
        if status != GRADED:
            result.waiting = True
            continue
        if result.percent is None or (percent or 0) > result.percent:
            result.percent = percent
        result.passed = result.passed or bool(passed)
    return results


def cohort_outcomes(cohort: Cohort, today: date | None = None) -> dict[int, Outcome]:
    """The outcome of every enrolment in the cohort, keyed by enrolment id, in a fixed number of queries."""
    today = today or clock_today()
    programme = cohort.programme
    exams = exam_results(cohort)
    attendance = cohort_attendance(cohort)
    practicals = practical_results(cohort)
    enrolment_ids = db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
    outcomes = {}
    for eid in enrolment_ids:
        stage1, final = exams[(eid, STAGE1)], exams[(eid, FINAL)]
        outcome = decide(programme, stage1, final, attendance[eid], practicals[eid],
                         finished=today > cohort.final_exam_on)
        outcomes[eid] = outcome
    return outcomes


def enrolment_outcome(enrolment: Enrolment, today: date | None = None) -> Outcome:
    return cohort_outcomes(enrolment.cohort, today)[enrolment.id]


def decide(programme, stage1: ExamResult, final: ExamResult, attendance: AttendanceSummary,
           practical: PracticalResult, finished: bool) -> Outcome:
    """The rules, on plain values, so each case can be tested alone."""
    reasons = []
    if not stage1.passed:
        reasons.append(_("Stage-1 exam not passed.") if stage1.attempts else _("Stage-1 exam not taken yet."))
    attendance_met = attendance.percent >= programme.attendance_threshold
    if not attendance_met:
        reasons.append(_("Attendance %(have)s %%, %(need)d %% needed.", have=f"{attendance.percent:g}",
                         need=programme.attendance_threshold))
    if not final.passed:
        if final.waiting:
            reasons.append(_("Final exam waiting for grading."))
        elif final.attempts:
            reasons.append(_("Final exam %(have)s %%, %(need)d %% needed.", have=f"{final.percent or 0:g}",
                             need=programme.final_pass_mark))
        else:
            reasons.append(_("Final exam not taken yet."))
    if programme.practical_required and not practical.passed:
        if practical.markers == 0:
            reasons.append(_("Practical teach-back not scored yet."))
        elif practical.below_minimum:
            reasons.append(_("Practical: below the minimum on %(names)s.", names=", ".join(practical.below_minimum)))
        else:
            reasons.append(_("Practical %(have)s %%, %(need)d %% needed.", have=f"{practical.percent or 0:g}",
                             need=programme.practical_threshold))
    if not reasons:
        status = CERTIFIED
    elif not finished:
        status = IN_PROGRESS_OUTCOME
    elif stage1.passed and attendance_met:
        status = ATTENDANCE_ONLY
    else:
        status = NOT_COMPLETED
    return Outcome(status, stage1, final, attendance, practical, reasons)
