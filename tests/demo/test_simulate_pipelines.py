"""simulate-cohort runs any programme: participants go through its own stages, stop at the first gate they do
not pass, and those who earn it get the programme's award, printed one code a line."""

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.courses.models import Cohort, Enrolment, Programme
from lms.intensive.models import Attendance, PracticalScore
from lms.pipeline.outcome import CERTIFIED, cohort_outcomes
from lms.pipeline.timeline import build_timeline
from tests.test_app import ROOT

EXAMPLES = ROOT / "examples" / "programmes"


@pytest.fixture
def imported(app, db):
    runner = app.test_cli_runner()
    for name in ("bhr-seminar.yaml", "siyb-refresher.yaml"):
        result = runner.invoke(args=["programme-import", str(EXAMPLES / name)])
        assert result.exit_code == 0, result.output
    return runner


def _cohort(slug: str) -> Cohort:
    from lms.extensions import db

    programme = db.session.scalar(select(Programme).where(Programme.slug == slug))
    newest = select(Cohort).where(Cohort.programme_id == programme.id).order_by(Cohort.id.desc())
    return db.session.scalars(newest).first()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_refresher_stops_people_at_its_gates_and_certifies_the_rest(app, db, imported, seed):
    result = imported.invoke(args=["simulate-cohort", "--programme", "siyb-refresher", "--trainees", "12",
                                   "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    cohort = _cohort("siyb-refresher")
    codes = [line for line in result.stdout.splitlines() if line.startswith("ITC-")]
    issued = set(db.session.scalars(select(Certificate.code).join(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                                                   Certificate.kind == "trainer")))
    assert set(codes) == issued
    with app.test_request_context():
        outcomes = cohort_outcomes(cohort, cohort.windows[0].closes_on.replace(year=2100))
    certified = {eid for eid, o in outcomes.items() if o.status == CERTIFIED}
    assert len(certified) == len(codes) and 0 < len(codes) < 12
    for eid, outcome in outcomes.items():
        exam = outcome.results["exam"]
        if not exam.passed:  # held at the gate: no workshop, no teach-back
            assert db.session.scalar(select(func.count()).select_from(Attendance)
                                     .where(Attendance.enrolment_id == eid)) == 0
            assert db.session.scalar(select(func.count()).select_from(PracticalScore)
                                     .where(PracticalScore.enrolment_id == eid)) == 0


def test_a_seminar_participant_sees_one_stage_and_the_certificate(app, db, imported):
    result = imported.invoke(args=["simulate-cohort", "--programme", "bhr-seminar", "--trainees", "6",
                                   "--seed", "4"])
    assert result.exit_code == 0, result.output
    cohort = _cohort("bhr-seminar")
    with app.test_request_context():
        timeline = build_timeline(cohort.enrolments[0])
    assert [card.key for card in timeline.stages] == ["seminar", "certificate"]
    certificates = db.session.scalars(select(Certificate).join(Enrolment).where(Enrolment.cohort_id == cohort.id))
    assert all(c.expires_on is None for c in certificates)  # a certificate of participation does not expire


def test_an_unknown_programme_is_refused(imported):
    result = imported.invoke(args=["simulate-cohort", "--programme", "no-such-thing", "--trainees", "2"])
    assert result.exit_code != 0 and "No programme with the slug 'no-such-thing'" in result.output
