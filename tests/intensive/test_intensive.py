"""Attendance, self check-in, the practical rubric: services, screens and the bad input they refuse."""

from datetime import date, datetime, timedelta

import pytest

from lms.courses.services import RuleError
from lms.intensive import services
from lms.intensive.models import Attendance
from lms.monitoring.outcomes import enrolment_outcome
from tests.conftest import login, post_form


@pytest.fixture
def world(db, make_cohort, make_trainee, make_trainer, make_coordinator):
    trainer, outsider = make_trainer(), make_trainer()
    trainees = [make_trainee(name="Şəhla Əliyeva"), make_trainee(name="Алексей Ковалёв")]
    cohort = make_cohort(trainees=trainees, trainers=[trainer], days_in=43)  # day 2 of the intensive
    make_cohort(programme=cohort.programme, trainers=[outsider])
    services.set_rubric(cohort.programme, "Objectives | 4 | 2\nMethods | 4 | 2\nTiming | 4 | 1")
    db.session.commit()
    return {"cohort": cohort, "trainer": trainer, "outsider": outsider, "trainees": trainees,
            "coordinator": make_coordinator()}


def test_sessions_follow_the_calendar(world):
    cohort = world["cohort"]
    sessions = services.ensure_sessions(cohort)
    assert [s.on for s in sessions] == cohort.intensive_dates
    assert len(services.ensure_sessions(cohort)) == 4  # no duplicates


def test_attendance_percentage_counts_present_and_late(db, world):
    cohort, trainer = world["cohort"], world["trainer"]
    e = cohort.enrolments[0]
    today = cohort.final_exam_on
    for session, status in zip(services.ensure_sessions(cohort), ["present", "late", "excused", "absent"],
                               strict=True):
        services.mark_attendance(session, {e.id: (status, "")}, trainer, today)
    summary = services.cohort_attendance(cohort)[e.id]
    assert (summary.attended, summary.marked, summary.percent) == (2, 4, 50.0)


def test_attendance_for_a_day_not_begun_is_refused(app, world):
    cohort = world["cohort"]
    last = services.ensure_sessions(cohort)[-1]
    with app.test_request_context(), pytest.raises(RuleError, match="has not begun yet"):
        services.mark_attendance(last, {cohort.enrolments[0].id: ("present", "")}, world["trainer"],
                                 last.on - timedelta(days=1))


def test_unknown_status_or_trainee_is_refused(app, world, make_trainee, make_cohort):
    cohort = world["cohort"]
    first = services.ensure_sessions(cohort)[0]
    with app.test_request_context():
        with pytest.raises(RuleError, match="not an attendance status"):
            services.mark_attendance(first, {cohort.enrolments[0].id: ("asleep", "")}, world["trainer"])
        stranger = make_cohort(trainees=[make_trainee()]).enrolments[0]
        with pytest.raises(RuleError, match="not in this cohort"):
            services.mark_attendance(first, {stranger.id: ("present", "")}, world["trainer"])


def test_self_check_in_accepts_the_current_code_and_refuses_a_stale_one(app, db, world):
    cohort = world["cohort"]
    enrolment = cohort.enrolments[0]
    session = services.ensure_sessions(cohort)[1]
    session.checkin_open = True
    now = datetime.combine(session.on, datetime.min.time()) + timedelta(hours=9, seconds=5)
    code = services.checkin_code(session, now)
    with app.test_request_context():
        stale = services.checkin_code(session, now - timedelta(seconds=65))
        with pytest.raises(RuleError, match="expired"):
            services.self_check_in(session, enrolment, stale, now)
        services.self_check_in(session, enrolment, code[:3] + " " + code[3:], now + timedelta(seconds=40))
    row = db.session.scalar(db.select(Attendance).filter_by(session_id=session.id, enrolment_id=enrolment.id))
    assert row.status == "present" and row.self_checked_in


def test_self_check_in_closed_or_on_another_day_is_refused(app, world):
    cohort = world["cohort"]
    session = services.ensure_sessions(cohort)[1]
    now = datetime.combine(session.on, datetime.min.time()) + timedelta(hours=9)
    with app.test_request_context():
        with pytest.raises(RuleError, match="not open"):
            services.self_check_in(session, cohort.enrolments[0], services.checkin_code(session, now), now)
        session.checkin_open = True
        tomorrow = now + timedelta(days=1)
        with pytest.raises(RuleError, match="not open"):
            services.self_check_in(session, cohort.enrolments[0], services.checkin_code(session, tomorrow), tomorrow)


def test_rubric_parsing_reports_bad_lines():
    criteria, errors = services.parse_rubric("Good | 4 | 2\n | 4\nScale | x | 1\nRange | 4 | 9\nDefaults")
    assert criteria == [("Good", 4, 2), ("Defaults", 4, 2)]
    assert [e.split(":")[0] for e in errors] == ["Line 2", "Line 3", "Line 4"]


def test_practical_pass_needs_every_minimum_and_the_threshold(app, db, world, make_trainer):
    cohort, trainer = world["cohort"], world["trainer"]
    e = cohort.enrolments[0]
    c = services.rubric(cohort.programme)
    with app.test_request_context():
        with pytest.raises(RuleError, match="outside the scale"):
            services.score_practical(e, trainer, {c[0].id: 5, c[1].id: 3, c[2].id: 3})
        with pytest.raises(RuleError, match="missing"):
            services.score_practical(e, trainer, {c[0].id: 4})
        services.score_practical(e, trainer, {c[0].id: 4, c[1].id: 1, c[2].id: 4})  # Methods below its minimum
    result = services.practical_results(cohort)[e.id]
    assert result.passed is False and result.below_minimum == ["Methods"]
    second = make_trainer()
    services.score_practical(e, second, {c[0].id: 4, c[1].id: 4, c[2].id: 4})
    result = services.practical_results(cohort)[e.id]
    assert result.markers == 2 and result.total == 10.5 and result.passed  # mean Methods 2.5 >= 2
    assert result.disagreement is False
    third = make_trainer()
    services.score_practical(e, third, {c[0].id: 0, c[1].id: 0, c[2].id: 0})
    assert services.practical_results(cohort)[e.id].disagreement is True


# ---- screens ----------------------------------------------------------------------------------


def test_trainer_marks_a_day_on_one_screen(db, client, world):
    cohort, trainer = world["cohort"], world["trainer"]
    first, second = cohort.enrolments
    login(client, trainer)
    url = f"/cohorts/{cohort.id}/intensive/1/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "Şəhla Əliyeva" in page and "Алексей Ковалёв" in page
    response = post_form(client, url, {f"status-{first.id}": "present", f"status-{second.id}": "late",
                                       f"note-{second.id}": "Traffic"}, token_from=url, follow_redirects=True)
    assert "Attendance for day 1 saved (2 trainees)." in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.cohort_attendance(cohort)[second.id].by_day == {1: "late"}


def test_a_day_not_begun_is_refused_with_a_message(client, world):
    cohort = world["cohort"]
    login(client, world["trainer"])
    url = f"/cohorts/{cohort.id}/intensive/4/attendance"
    assert "has not begun yet" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {f"status-{cohort.enrolments[0].id}": "present"}, token_from=url,
                         follow_redirects=True)
    assert "has not begun yet" in response.get_data(as_text=True)


def test_a_rubric_score_outside_the_scale_is_refused(client, world):
    cohort = world["cohort"]
    enrolment = cohort.enrolments[0]
    criteria = services.rubric(cohort.programme)
    login(client, world["trainer"])
    url = f"/cohorts/{cohort.id}/practical/{enrolment.id}"
    data = {f"criterion-{c.id}": "3" for c in criteria} | {f"criterion-{criteria[0].id}": "7"}
    response = post_form(client, url, data, token_from=url)
    assert response.status_code == 400
    assert "outside the scale" in response.get_data(as_text=True)


def test_trainee_checks_in_with_the_code_on_the_screen(app, db, client, world):
    cohort = world["cohort"]
    trainee = world["trainees"][0]
    login(client, world["trainer"])
    toggle = f"/cohorts/{cohort.id}/intensive/2/checkin-toggle"
    response = post_form(client, toggle, token_from=f"/cohorts/{cohort.id}/intensive/2/attendance")
    display = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg" in display and 'http-equiv="refresh"' in display
    session = services.ensure_sessions(cohort)[1]
    db.session.expire_all()
    code = services.checkin_code(session)
    post_form(client, "/logout", token_from="/home")
    login(client, trainee)
    url = f"/cohorts/{cohort.id}/checkin"
    bad = post_form(client, url, {"code": "000000" if code != "000000" else "111111"}, token_from=url)
    assert "not valid or has expired" in bad.get_data(as_text=True)
    good = post_form(client, url, {"code": code}, token_from=url, follow_redirects=True)
    assert "You are checked in for day 2" in good.get_data(as_text=True)


URLS = ["/cohorts/{c}/intensive", "/cohorts/{c}/intensive/1/attendance", "/cohorts/{c}/intensive/1/edit",
        "/cohorts/{c}/intensive/1/checkin", "/cohorts/{c}/practical", "/cohorts/{c}/practical/{e}"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("trainee", 403), ("trainer", 200),
                                             ("coordinator", 200)])
def test_intensive_access(client, world, url, who, status):
    cohort = world["cohort"]
    user = world["trainees"][0] if who == "trainee" else world[who]
    login(client, user)
    assert client.get(url.format(c=cohort.id, e=cohort.enrolments[0].id)).status_code == status


def test_checkin_page_is_for_the_cohort_trainees_only(client, world, make_trainee):
    login(client, make_trainee())
    assert client.get(f"/cohorts/{world['cohort'].id}/checkin").status_code == 403


def test_outcome_reasons_reach_the_trainee(app, world):
    enrolment = world["cohort"].enrolments[0]
    with app.test_request_context():
        outcome = enrolment_outcome(enrolment, date.today())
    assert outcome.status == "in_progress"
    assert "Attendance 0 %, 75 % needed." in outcome.reasons
