"""Reports on participants and attendance: counts by institution, country, type and sex, attendance per
session split room / online, CSV of each table, who may see which report, and a constant number of queries."""

from datetime import date, timedelta

import pytest

from lms.courses.models import Enrolment
from lms.intensive import services as intensive
from lms.intensive.models import Attendance
from lms.reports import services
from tests.conftest import count_queries, login, post_form


@pytest.fixture
def event(db, make_cohort, make_trainee, make_trainer, make_coordinator):
    trainer, outsider = make_trainer(), make_trainer()
    people = [
        make_trainee(name="Nigar Əsgərova", organisation="Ombudsman of Azerbaijan", country_code="AZ", sex="female"),
        make_trainee(name="Giorgi Lomidze", organisation="Public Defender's Office", country_code="GE", sex="male"),
        make_trainee(name="Tamar Kiknadze", organisation="Public Defender's Office", country_code="GE"),
        make_trainee(name="Old Record", organisation="", country="Atlantis"),
    ]
    cohort = make_cohort(trainees=people, trainers=[trainer], days_in=50)  # the intensive is over
    by_user = {e.user_id: e for e in cohort.enrolments}
    by_user[people[1].id].participant_type = "speaker"
    by_user[people[2].id].participant_type = "observer"
    first = intensive.ensure_sessions(cohort)[0]
    marks = {by_user[people[0].id].id: ("present", ""), by_user[people[1].id].id: ("online", ""),
             by_user[people[2].id].id: ("late", ""), by_user[people[3].id].id: ("absent", "")}
    intensive.mark_attendance(first, marks, trainer)
    db.session.commit()
    return {"cohort": cohort, "trainer": trainer, "outsider": outsider, "coordinator": make_coordinator(),
            "people": people}


def _rows(report, key):
    return {row[0]: row[1] for row in report.tables[key].rows}


def test_tables_count_by_institution_country_type_and_sex(app, event):
    with app.test_request_context():
        report = services.build_report([event["cohort"]])
    assert report.participants == 4
    assert _rows(report, "institutions") == {"Public Defender's Office": 2, "Ombudsman of Azerbaijan": 1,
                                              "Not given": 1}
    assert _rows(report, "countries") == {"Georgia": 2, "Azerbaijan": 1, "Atlantis": 1}  # legacy text kept
    assert _rows(report, "types") == {"Participant": 2, "Speaker / expert": 1, "Organiser": 0, "Observer": 1}
    assert _rows(report, "sexes") == {"Female": 1, "Male": 1, "Other": 0, "Prefers not to say": 0, "Not given": 2}
    day1 = report.tables["attendance"].rows[0]
    assert day1[3:] == [2, 1, 3]  # present and late in the room, one online
    assert "<svg" in report.tables["countries"].chart


def test_country_names_follow_the_interface_language(app, event):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        from flask_babel import refresh

        refresh()
        report = services.build_report([event["cohort"]])
    assert "Грузия" in _rows(report, "countries")


def test_csv_has_a_bom_and_neutralises_formulas(app, client, event, make_trainee, db):
    evil = make_trainee(organisation="=HYPERLINK(\"x\")")
    db.session.add(Enrolment(cohort=event["cohort"], user=evil))
    db.session.commit()
    login(client, event["coordinator"])
    response = client.get(f"/reports/cohorts/{event['cohort'].id}/report.csv?table=institutions")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert "'=HYPERLINK" in response.data.decode("utf-8-sig")
    assert client.get(f"/reports/cohorts/{event['cohort'].id}/report.csv?table=nothing").status_code == 404


def test_who_sees_which_report(client, event):
    cohort_url = f"/reports/cohorts/{event['cohort'].id}"
    login(client, event["outsider"])
    assert client.get(cohort_url).status_code == 403
    assert client.get(cohort_url + "/report.csv?table=countries").status_code == 403
    start = (date.today() - timedelta(days=400)).isoformat()
    page = client.get(f"/reports/period?start={start}").get_data(as_text=True)
    assert event["cohort"].name not in page  # a trainer's period report covers only their cohorts
    post_form(client, "/logout", token_from="/")
    login(client, event["trainer"])
    page = client.get(cohort_url).get_data(as_text=True)
    assert "Public Defender&#39;s Office" in page and "Georgia" in page
    assert event["cohort"].name in client.get(f"/reports/period?start={start}").get_data(as_text=True)
    csv = client.get(f"/reports/period/report.csv?table=countries&start={start}").data.decode("utf-8-sig")
    assert "Georgia,2," in csv
    assert client.get(f"/reports/cohorts/{event['cohort'].id}/participants").status_code == 403
    post_form(client, "/logout", token_from="/")
    login(client, event["people"][0])
    assert client.get(cohort_url).status_code == 403
    assert client.get("/reports/period").status_code == 403


def test_period_report_filters_by_programme_and_dates(app, event, make_cohort, make_trainee, db):
    cohort = event["cohort"]
    other = make_cohort(trainees=[make_trainee(country_code="MD")], days_in=50)
    start = cohort.distance_start - timedelta(days=1)
    with app.test_request_context():
        both = services.period_cohorts(event["coordinator"], start, start + timedelta(days=5))
        one = services.period_cohorts(event["coordinator"], start, start + timedelta(days=5), cohort.programme_id)
        none = services.period_cohorts(event["coordinator"], start + timedelta(days=5), start + timedelta(days=9))
        mine = services.period_cohorts(event["trainer"], start, start + timedelta(days=5))
    assert {c.id for c in both} == {cohort.id, other.id}
    assert [c.id for c in one] == [cohort.id] == [c.id for c in mine]
    assert none == []


def test_coordinator_sets_participant_types(client, event, db):
    cohort = event["cohort"]
    enrolment = cohort.enrolments[0]
    url = f"/reports/cohorts/{cohort.id}/participants"
    login(client, event["coordinator"])
    response = post_form(client, url, {f"type-{enrolment.id}": "organiser"}, token_from=url)
    assert response.status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.participant_type == "organiser"
    post_form(client, url, {f"type-{enrolment.id}": "king"}, token_from=url)
    db.session.refresh(enrolment)
    assert enrolment.participant_type == "organiser"


_QUERIES: dict = {}


@pytest.mark.parametrize("size", [5, 200])
def test_report_queries_do_not_grow_with_participants(app, db, client, make_cohort, make_trainee, make_trainer,
                                                      make_coordinator, size):
    people = [make_trainee(organisation=f"Org {i % 7}", country_code=("AZ", "GE", "TR")[i % 3],
                           sex=("female", "male", None)[i % 3]) for i in range(size)]
    trainer = make_trainer()
    cohort = make_cohort(trainees=people, trainers=[trainer], days_in=50)
    for session in intensive.ensure_sessions(cohort):
        intensive.mark_attendance(session, {e.id: (("present", "online", "absent")[i % 3], "")
                                            for i, e in enumerate(cohort.enrolments)}, trainer)
    db.session.commit()
    login(client, make_coordinator())
    url = f"/reports/cohorts/{cohort.id}"
    assert client.get(url).status_code == 200
    queries = count_queries(db, lambda: client.get(url))
    period = count_queries(db, lambda: client.get("/reports/period?start=2000-01-01&end=2100-01-01"))
    assert (queries, period) == _QUERIES.setdefault("counts", (queries, period))  # the same for 5 and for 200
    assert db.session.query(Attendance).count() == 4 * size
