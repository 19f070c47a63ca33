"""The dashboard of any pipeline: a column per stage, and a constant number of queries whatever the number of
participants and however many stages of each kind."""

from datetime import date, timedelta

import pytest

from lms.auth.models import TRAINEE, User
from lms.courses.models import Cohort, Enrolment, Programme
from lms.monitoring import dashboard as dash
from lms.pipeline.models import ProgrammeStage
from tests.conftest import count_queries, login

START = date(2026, 9, 7)


def stage(position, key, kind, title, **rule):
    settings = {"sessions": 2} if kind == "sessions" else {"weeks": 1} if kind == "modules" else {}
    return ProgrammeStage(position=position, key=key, kind=kind, title={"en": title}, offset_days=7 * position,
                          length_days=3, after=[], rule=rule, settings=settings, required=True)


SHAPES = {
    "seminar": [("exam", "Entry quiz", {"score": 50}), ("sessions", "Seminar day", {"attendance": 50})],
    "four kinds": [("modules", "Reading", {"modules": 100}), ("exam", "Quiz", {"score": 60}),
                   ("sessions", "Workshop", {"attendance": 75}), ("practical", "Teach-back", {"score": 60})],
    "six stages": [("modules", "Reading", {"modules": 100}), ("exam", "Quiz", {"score": 60}),
                   ("sessions", "Workshop", {"attendance": 75}), ("practical", "Teach-back", {"score": 60}),
                   ("exam", "Final quiz", {"score": 70}), ("sessions", "Closing day", {"attendance": 50})],
}


@pytest.fixture
def pipeline_cohort(db):
    counter = iter(range(1, 10_000))

    def make(shape: str, size: int) -> Cohort:
        n = next(counter)
        programme = Programme(name=f"{shape} {n}", slug=f"shape-{n}")
        programme.stages = [stage(i, f"s{i}", kind, title, **rule)
                            for i, (kind, title, rule) in enumerate(SHAPES[shape], start=1)]
        cohort = Cohort(programme=programme, name=f"{shape} cohort {n}", starts_on=START, distance_start=START,
                        stage1_opens=START, stage1_closes=START, intensive_start=START, final_exam_on=START)
        for i in range(size):
            user = User(email=f"p{n}-{i}@example.org", name=f"Participant {n}-{i}", role=TRAINEE)
            cohort.enrolments.append(Enrolment(user=user))
        db.session.add(cohort)
        db.session.commit()
        return cohort

    return make


def _queries(db, cohort_id: int) -> int:
    def work():
        db.session.expire_all()
        cohort = db.session.get(Cohort, cohort_id)
        rows = dash.cohort_dashboard(cohort, today=START + timedelta(days=60))
        dash.dashboard_csv(rows, cohort)

    return count_queries(db, work)


def test_queries_stay_constant_for_any_size_and_any_number_of_stages(db, pipeline_cohort):
    counts = {(shape, size): _queries(db, pipeline_cohort(shape, size).id)
              for shape in SHAPES for size in (5, 200)}
    for shape in SHAPES:
        assert counts[(shape, 5)] == counts[(shape, 200)], counts
    # two exams and two sessions stages cost what one of each costs: one call per kind, not per stage
    assert counts[("six stages", 5)] == counts[("four kinds", 5)], counts
    assert counts[("four kinds", 5)] <= 16, counts


def test_a_seminar_dashboard_has_a_column_per_stage_and_no_weeks(db, client, pipeline_cohort, make_coordinator):
    cohort = pipeline_cohort("seminar", 3)
    login(client, make_coordinator())
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    head = page[page.index("<thead>"):page.index("</thead>")]
    assert "Entry quiz" in head and "Seminar day" in head and "Week 1" not in head
    csv = client.get(f"/cohorts/{cohort.id}/dashboard.csv").get_data(as_text=True)
    header = csv.splitlines()[0]
    assert header.endswith("Entry quiz %,Seminar day %,Outcome,Certificate,At risk")
