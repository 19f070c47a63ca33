"""simulate-cohort: simulated trainees meet the same gates as people and stop at the first closed one
(issue 10, point 6: a trainee under the attendance threshold used to be sent to the final exam, and the
RuleError aborted the whole command before any code was printed)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.codes import ALPHABET, CHECK_ALPHABET
from lms.certificates.models import ATTENDANCE_CERTIFICATE, TRAINER_CERTIFICATE, Certificate
from lms.courses.models import Enrolment
from lms.demo.simulate import simulate_cohort
from lms.exams.models import FINAL, Exam, ExamAttempt
from lms.intensive.services import cohort_attendance
from lms.monitoring.outcomes import ATTENDANCE_ONLY, CERTIFIED, cohort_outcomes

# Under the attendance threshold is rare (P(present) is 0.9-1.0 a day), so plain seeds seldom reach the gate.
# Seeds 10, 26 and 28 each have, within their first 8 trainees, one who passes stage 1 but misses too much
# of the intensive (seed 28: the 4th): the old simulator sent that trainee to the final exam and crashed.
SEEDS, TRAINEES = (10, 26, 28), 8
# ITC-XXXX-XXXX-XXXC: Crockford base-32 symbols, the last one a mod-37 check that may also be * ~ $ = U.
_SYMBOL, _CHECK = f"[{re.escape(ALPHABET)}]", f"[{re.escape(CHECK_ALPHABET)}]"
CODE = re.compile(rf"^ITC-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}-{_SYMBOL}{{3}}{_CHECK}$")
EXPECTED_KIND = {CERTIFIED: TRAINER_CERTIFICATE, ATTENDANCE_ONLY: ATTENDANCE_CERTIFICATE}


def _enrolments(db, outcomes) -> list[Enrolment]:
    emails = [o.email for o in outcomes]
    by_email = {e.user.email: e for e in db.session.scalars(
        select(Enrolment).join(User).where(User.email.in_(emails)))}
    return [by_email[email] for email in emails]


def _results(outcomes) -> list[tuple]:
    """What a seed decides (emails and codes are random per run by design)."""
    return [(o.stage1_percent, o.final_percent, o.passed, o.code is not None) for o in outcomes]


def test_simulated_trainees_stop_at_closed_gates_and_only_earned_certificates_are_issued(app, db):
    stopped_at_attendance = 0
    results = {}
    for seed in SEEDS:
        outcomes = simulate_cohort(TRAINEES, seed=seed)  # must not raise RuleError at a closed gate
        assert len(outcomes) == TRAINEES
        results[seed] = _results(outcomes)
        enrolments = _enrolments(db, outcomes)
        cohort = enrolments[0].cohort
        assert all(e.cohort_id == cohort.id for e in enrolments)
        programme = cohort.programme
        attendance = cohort_attendance(cohort)
        final_sitters = set(db.session.scalars(
            select(ExamAttempt.enrolment_id).join(Exam).where(
                Exam.kind == FINAL, ExamAttempt.enrolment_id.in_([e.id for e in enrolments]))))
        decided = cohort_outcomes(cohort, cohort.final_exam_on + timedelta(days=1))
        certificates = {c.enrolment_id: c for c in db.session.scalars(
            select(Certificate).where(Certificate.enrolment_id.in_([e.id for e in enrolments])))}
        for outcome, enrolment in zip(outcomes, enrolments, strict=True):
            stage1_passed = outcome.stage1_percent is not None and outcome.stage1_percent >= programme.stage1_pass_mark
            if attendance[enrolment.id].percent < programme.attendance_threshold:
                stopped_at_attendance += stage1_passed
                assert enrolment.id not in final_sitters, (seed, outcome)
                assert outcome.final_percent is None and not outcome.passed, (seed, outcome)
            if not stage1_passed:
                assert enrolment.id not in final_sitters, (seed, outcome)
            status = decided[enrolment.id].status
            certificate = certificates.get(enrolment.id)
            if status in EXPECTED_KIND:
                assert certificate is not None and certificate.kind == EXPECTED_KIND[status], (seed, outcome, status)
                assert outcome.code == certificate.code
            else:
                assert certificate is None and outcome.code is None, (seed, outcome, status)
            if outcome.passed:
                assert enrolment.id in final_sitters
    # The seeds must reach the closed attendance gate (stage 1 passed, attendance short), or this proves nothing.
    assert stopped_at_attendance >= 3
    # A seed is a repeatable run (and a shorter run is its prefix), so the seeds above keep their meaning.
    assert _results(simulate_cohort(4, seed=28)) == results[28][:4]
    assert len({tuple(r) for r in results.values()}) == len(SEEDS)


def test_the_command_exits_cleanly_and_prints_one_code_a_line(app, db):
    # Seed 1's 36th trainee passes stage 1 with too little attendance: the run that used to crash.
    result = app.test_cli_runner().invoke(args=["simulate-cohort", "--trainees", "60", "--seed", "1"])
    assert result.exit_code == 0, (result.output, result.exception)
    lines = result.stdout.splitlines()
    assert lines, "no certificate code printed"
    assert all(CODE.fullmatch(line) for line in lines), lines
    assert len(set(lines)) == len(lines)
    issued = set(db.session.scalars(select(Certificate.code)))
    assert set(lines) <= issued
