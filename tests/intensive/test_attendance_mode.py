"""How someone attended: in the room or online, marked by the trainer or by self check-in."""

from datetime import datetime, timedelta

import pytest

from lms.intensive import services
from lms.intensive.models import Attendance
from tests.conftest import login, post_form


@pytest.fixture
def world(db, make_cohort, make_trainee, make_trainer):
    trainer = make_trainer()
    cohort = make_cohort(trainees=[make_trainee(name="Şəhla Əliyeva"), make_trainee(name="Ion Rusu")],
                         trainers=[trainer], days_in=43)  # day 2 of the intensive
    db.session.commit()
    return {"cohort": cohort, "trainer": trainer}


def _row(db, session, enrolment):
    return db.session.scalar(db.select(Attendance).filter_by(session_id=session.id, enrolment_id=enrolment.id))


def test_trainer_marks_present_in_the_room_or_online(db, client, world):
    cohort = world["cohort"]
    first, second = cohort.enrolments
    login(client, world["trainer"])
    url = f"/cohorts/{cohort.id}/intensive/1/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "Present in the room" in page and "Present online" in page
    post_form(client, url, {f"status-{first.id}": "present", f"status-{second.id}": "online"}, token_from=url)
    session = services.ensure_sessions(cohort)[0]
    db.session.expire_all()
    room, online = _row(db, session, first), _row(db, session, second)
    assert (room.status, room.mode) == ("present", "room")
    assert (online.status, online.mode) == ("present", "online")
    assert services.cohort_attendance(cohort)[second.id].attended == 1  # online attendance counts
    page = client.get(url).get_data(as_text=True)
    assert f'name="status-{second.id}" value="online" checked' in page


def test_an_old_row_without_a_mode_counts_as_the_room(db, world):
    cohort = world["cohort"]
    session = services.ensure_sessions(cohort)[0]
    row = Attendance(session_id=session.id, enrolment_id=cohort.enrolments[0].id, status="present", mode=None)
    db.session.add(row)
    db.session.commit()
    assert services.mark_choice(row) == "present"


def _check_in(app, db, cohort, online: bool, stage_mode: str):
    enrolment = cohort.enrolments[0]
    session = services.ensure_sessions(cohort)[1]
    session.stage.settings = {**(session.stage.settings or {}), "mode": stage_mode}
    session.checkin_open = True
    now = datetime.combine(session.on, datetime.min.time()) + timedelta(hours=9)
    with app.test_request_context():
        services.self_check_in(session, enrolment, services.checkin_code(session, now), now, online=online)
    return _row(db, session, enrolment).mode


@pytest.mark.parametrize(("stage_mode", "online", "expected"), [
    ("in_person", False, "room"), ("hybrid", False, "room"), ("hybrid", True, "online"),
    ("online", False, "online"),
])
def test_self_check_in_records_online_when_online_only_or_said_so(app, db, world, stage_mode, online, expected):
    assert _check_in(app, db, world["cohort"], online, stage_mode) == expected


def test_the_check_in_form_of_a_hybrid_session_asks_where_one_takes_part(db, client, world):
    cohort = world["cohort"]
    enrolment = cohort.enrolments[0]
    session = services.ensure_sessions(cohort)[1]  # today
    session.stage.settings = {**(session.stage.settings or {}), "mode": "hybrid"}
    session.checkin_open = True
    db.session.commit()
    login(client, enrolment.user)
    url = f"/cohorts/{cohort.id}/checkin"
    assert "I am taking part" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"code": services.checkin_code(session), "where": "online"}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert _row(db, session, enrolment).mode == "online"
