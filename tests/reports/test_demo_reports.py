"""The demo's event delegates fill every report: countries, participant types, sex given and not, attendance
in the room and online."""

from sqlalchemy import select

from lms.courses.models import Cohort
from lms.demo.seed import seed_demo
from lms.reports import services


def test_every_report_of_the_demo_seminar_shows_something(app, db):
    with app.test_request_context():
        seed_demo()
        db.session.commit()
        for name in ("BHR seminar · Baku · last week", "BHR conference · Baku · day 1"):
            cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
            report = services.build_report([cohort])
            rows = {key: {row[0]: row[1] for row in table.rows} for key, table in report.tables.items()}
            assert len(rows["countries"]) >= 5 and "Georgia" in rows["countries"]
            assert all(rows["types"][t] >= 1 for t in ("Speaker / expert", "Organiser", "Observer", "Participant"))
            assert rows["sexes"]["Female"] >= 1 and rows["sexes"]["Not given"] >= 1
            sessions = report.tables["attendance"].rows
            assert any(row[3] > 0 and row[4] > 0 for row in sessions)  # in the room and online
        seed_demo()  # again: nothing added twice
        db.session.commit()
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "BHR seminar · Baku · last week"))
        assert services.build_report([cohort]).participants == 7
