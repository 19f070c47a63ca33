"""The access matrix: every route of the app's URL map against every role, with the status each must get.

The parametrisation comes from `app.url_map`, not from the table below: a route added without an entry in
EXPECTED fails here by name ("no entry in the access matrix"), and an entry whose route is gone fails too.

Routes that answer GET are fetched; POST-only routes get a POST with a valid CSRF token and no other data.
`LOGIN` means a redirect to the login page. The world is described in tests/security/conftest.py: "trainer"
and "trainee" belong to cohort A, whose objects every URL names; "other_trainer" and "other_trainee" belong to
cohort B of the same programme.
"""

from __future__ import annotations

import pytest

from lms import create_app
from tests.security.conftest import ROLES, is_login_redirect, log_in, page_token

LOGIN = "login"


def roles(anonymous, trainee, other_trainee, other_trainer, trainer, coordinator) -> dict:
    return dict(zip(ROLES, (anonymous, trainee, other_trainee, other_trainer, trainer, coordinator), strict=True))


def public(status=200) -> dict:
    return roles(*(status,) * 6)


def coordinator_only(status=200) -> dict:
    return roles(LOGIN, 403, 403, 403, 403, status)


def cohort_staff(status=200) -> dict:
    """Trainers of the cohort and coordinators; a trainer of another cohort is refused."""
    return roles(LOGIN, 403, 403, 403, status, status)


def any_staff(status=200) -> dict:
    return roles(LOGIN, 403, 403, status, status, status)


def own_trainee(status=200) -> dict:
    """Only the trainee whose object it is (their enrolment, attempt, certificate)."""
    return roles(LOGIN, status, 403, 403, 403, 403)


def logged_in(status=200) -> dict:
    return roles(LOGIN, *(status,) * 5)


EXPECTED: dict[str, dict] = {
    # ---- public ----------------------------------------------------------------------------------------------
    "main.index": roles(200, 302, 302, 302, 302, 302),
    "main.favicon": public(301),
    "auth.login": roles(200, 302, 302, 302, 302, 302),
    "auth.forgot_password": public(),
    "auth.reset_password": public(),  # with a valid link of the trainee
    "auth.accept_invite": public(),  # with a valid invitation of the trainee
    "auth.set_language": public(302),  # back to a local page
    "verify.form": public(),
    "verify.certificate": public(),
    "verify.upload": public(400),  # no file
    "verify.api": public(),
    "verify.openapi_document": public(),
    "verify.problem_type": public(404),  # a certificate code is no problem type; tests/api reads the real ones
    "verify.registry": public(),
    "verify.credential_key": public(),
    "verify.issuer_profile": public(),
    "verify.status_list": public(),
    "courses.calendar_feed": public(),  # with the cohort's signed token
    # The <token> the world gives is the calendar feed's, which opens no registration page: tests/registration
    # opens a real one.
    "registration.register": public(404),
    "ops.healthz": public(),
    # ---- any account -----------------------------------------------------------------------------------------
    "main.home": logged_in(),
    "auth.logout": roles(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "auth.change_password": logged_in(),
    # ---- learning: the enrolled trainee, the cohort's trainers, coordinators -----------------------------------
    "courses.module": roles(LOGIN, 200, 403, 403, 200, 200),
    "courses.lesson": roles(LOGIN, 200, 403, 403, 200, 200),
    "courses.resource": roles(LOGIN, 200, 403, 403, 200, 200),
    "courses.mark_done": own_trainee(302),
    "courses.cohort_progress": cohort_staff(),
    "courses.reset_calendar_link": cohort_staff(),  # the confirmation page
    # ---- exams: taking them ----------------------------------------------------------------------------------
    "exams.exam": own_trainee(),
    "exams.start": own_trainee(302),  # resumes the open attempt
    "exams.attempt": own_trainee(),
    "exams.autosave": own_trainee(400),  # an empty body is not a JSON object
    "exams.save": own_trainee(302),
    "exams.submit": own_trainee(302),
    "exams.result": roles(LOGIN, 200, 403, 403, 200, 200),  # the submitted attempt
    # ---- exams: staff ------------------------------------------------------------------------------------------
    "grading.queue": any_staff(),
    "grading.by_question": any_staff(),  # answers are filtered to the viewer's cohorts (see the IDOR tests)
    "grading.grade": cohort_staff(302),  # no points: back to the list with a message
    "grading.statistics": cohort_staff(),
    "grading.cohort_exams": cohort_staff(),
    "grading.extra_time": cohort_staff(),
    # ---- intensive ---------------------------------------------------------------------------------------------
    "intensive.overview": cohort_staff(),
    "intensive.edit_session": cohort_staff(),
    "intensive.attendance": cohort_staff(),
    "intensive.toggle_checkin": cohort_staff(302),  # not the session's day: refused with a message
    "intensive.checkin_display": cohort_staff(),
    "intensive.checkin": own_trainee(),
    "intensive.practical": cohort_staff(),
    "intensive.score": cohort_staff(),
    # ---- reports -----------------------------------------------------------------------------------------------
    "reports.cohort": cohort_staff(),
    "reports.cohort_csv": cohort_staff(),
    "reports.period": any_staff(),
    "reports.period_csv": any_staff(),
    "reports.participant_types": coordinator_only(),
    # ---- monitoring --------------------------------------------------------------------------------------------
    "monitoring.dashboard": cohort_staff(),
    "monitoring.dashboard_csv": cohort_staff(),
    "monitoring.overview": any_staff(),
    # ---- certificates --------------------------------------------------------------------------------------------
    "certificates.pdf": roles(LOGIN, 200, 403, 403, 200, 200),
    "certificates.credential": roles(LOGIN, 200, 403, 403, 200, 200),
    "certificates.toggle_registry": own_trainee(302),
    "certificates.admin_list": coordinator_only(),
    "certificates.audit_log": coordinator_only(),
    "certificates.approve": coordinator_only(302),  # already issued: refused with a message
    "certificates.revoke": coordinator_only(),
    "certificates.reissue": coordinator_only(),
    "certificates.issue_for_cohort": coordinator_only(302),
    "certificates.cohort_certificates": coordinator_only(),
    "certificates.issue_one": coordinator_only(),  # the form; a POST without a reason shows it again
    "certificates.withhold": coordinator_only(),
    "certificates.lift_withholding": coordinator_only(302),  # nothing withheld: refused with a message
    "certificates.cohort_zip": coordinator_only(),
    # ---- coordinators: programmes, cohorts, people, content, question banks -----------------------------------
    "people.index": coordinator_only(),
    "admin.programmes": coordinator_only(),
    "admin.new_programme": coordinator_only(),
    "admin.programme": coordinator_only(),
    "admin.edit_programme": coordinator_only(),
    "admin.cohorts": coordinator_only(),
    "admin.new_cohort": coordinator_only(),
    "admin.cohort": coordinator_only(),
    "admin.edit_cohort": coordinator_only(),
    "admin.enrol": coordinator_only(400),  # empty form
    "admin.import_csv": coordinator_only(400),  # no file
    "admin.unenrol": coordinator_only(),  # the confirmation page
    "registration.manage": coordinator_only(),
    "registration.decide": coordinator_only(400),  # no registration named
    "content.new_module": coordinator_only(),
    "content.edit_module": coordinator_only(),
    "content.module": coordinator_only(),
    "content.new_lesson": coordinator_only(),
    "content.edit_lesson": coordinator_only(),
    "content.add_link": coordinator_only(400),
    "content.add_file": coordinator_only(400),
    "content.delete_resource": coordinator_only(),  # the confirmation page
    "bank.questions": coordinator_only(),
    "bank.import_bank": coordinator_only(400),
    "bank.export_bank": coordinator_only(),
    "bank.edit_question": coordinator_only(),
    "bank.new_exam": coordinator_only(400),
    "bank.edit_exam": coordinator_only(),
    "pipeline.stages": coordinator_only(),
    "pipeline.new_stage": coordinator_only(),
    "pipeline.edit_stage": coordinator_only(),
    "pipeline.move_stage": coordinator_only(400),  # no direction
    "pipeline.remove_stage": coordinator_only(302),  # the first stage: later stages come after it, refused
    "pipeline.stage_dates": coordinator_only(),
}

# URL arguments that differ from the world's defaults for one endpoint.
ARGUMENTS = {
    "exams.result": {"attempt_id": "finished_attempt_id"},
    "auth.reset_password": {"token": "reset_token"},
    "auth.accept_invite": {"token": "invite_token"},
    "courses.calendar_feed": {"token": "calendar_token"},
    "verify.certificate": {"code": "certificate_code"},
    "verify.api": {"code": "certificate_code"},
    "verify.problem_type": {"code": "certificate_code"},
}

# Cells where the app is wrong today: (endpoint, role) -> the finding. They run as strict xfails.
# (Staff opening an attempt whose essay still waits for a grade got a 500 from result.html; fixed meanwhile.)
KNOWN_WRONG: dict[tuple[str, str], str] = {}

# Successful POSTs to these change nothing stored, so the world need not be rebuilt after them.
STATELESS_POSTS = {"auth.logout", "auth.set_language", "verify.upload"}


def _rules():
    """Every rule of the app's URL map but static, read at collection time from an app without a database."""
    from lms.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.engine.dispose()
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


RULES = _rules()


def request_method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def build_url(rule, world) -> str:
    values = {}
    overrides = ARGUMENTS.get(rule.endpoint, {})
    for argument in rule.arguments:
        if argument in overrides:
            values[argument] = world.extra[overrides[argument]]
        else:
            assert argument in world.ids, f"the security world has no object for <{argument}> of {rule.rule}"
            values[argument] = world.ids[argument]
    return rule.build(values, append_unknown=False)[1]


def request_as(client, world, role: str, rule):
    """Log in as `role` (unless anonymous) and send the matrix's request to `rule`."""
    if role != "anonymous":
        log_in(client, world.email(role))
    url = build_url(rule, world)
    if request_method(rule) == "GET":
        return client.get(url)
    token = page_token(client, "/login")
    response = client.post(url, data={"csrf_token": token})
    denied = response.status_code in (403, 404) or (is_login_redirect(response) and rule.endpoint != "auth.logout")
    if not denied and response.status_code < 400 and rule.endpoint not in STATELESS_POSTS:
        world.dirty()
    return response


def test_every_route_has_an_entry_and_every_entry_a_route():
    endpoints = {r.endpoint for r in RULES}
    assert sorted(endpoints - EXPECTED.keys()) == [], "routes without an entry in the access matrix"
    assert sorted(EXPECTED.keys() - endpoints) == [], "matrix entries whose route no longer exists"


def _cases():
    for rule in RULES:
        for role in ROLES:
            reason = KNOWN_WRONG.get((rule.endpoint, role))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(rule, role, id=f"{rule.endpoint}-{role}", marks=marks)


@pytest.mark.parametrize(("rule", "role"), list(_cases()))
def test_access_matrix(sec_client, sec_world, rule, role):
    assert rule.endpoint in EXPECTED, f"{rule.endpoint} ({rule.rule}) has no entry in the access matrix"
    expected = EXPECTED[rule.endpoint][role]
    response = request_as(sec_client, sec_world, role, rule)
    response.close()  # file downloads keep their file open until then
    where = f"{request_method(rule)} {rule.rule} as {role}"
    if expected == LOGIN:
        assert is_login_redirect(response), f"{where}: {response.status_code} {response.headers.get('Location')}"
    else:
        assert response.status_code == expected, f"{where}: {response.status_code} {response.headers.get('Location')}"
        if expected == 302:
            assert not response.headers["Location"].startswith("/login"), f"{where} sent to the login page"


# ---- objects of someone else, by id ---------------------------------------------------------------------------


def test_public_pages_answer_404_for_unknown_objects(sec_client, sec_world):
    from lms.certificates.codes import check_symbol, format_code

    unknown = format_code("00000000000" + check_symbol("00000000000"))
    assert sec_client.get(f"/verify/{unknown}").status_code == 404
    assert sec_client.get(f"/api/v1/certificates/{unknown}").status_code == 404
    assert sec_client.get("/calendar/not-a-token.ics").status_code == 404
    assert sec_client.get("/password/reset/not-a-token").status_code == 400
    assert sec_client.get("/invite/not-a-token").status_code == 400


def test_a_trainee_cannot_reach_objects_of_another_cohort_by_swapping_ids(sec_client, sec_world):
    """Cohort A's trainee with cohort B's id, or with an object of cohort A under cohort B's id."""
    w = sec_world
    log_in(sec_client, w.email("trainee"))
    other = w.extra["other_cohort_id"]
    for url in (f"/cohorts/{other}/modules/{w.ids['module_id']}", f"/cohorts/{other}/lessons/{w.ids['lesson_id']}",
                f"/cohorts/{other}/resources/{w.ids['resource_id']}", f"/cohorts/{other}/exams/{w.ids['exam_id']}",
                f"/cohorts/{other}/checkin"):
        assert sec_client.get(url).status_code == 403, url


def test_a_trainer_cannot_reach_a_trainee_of_another_cohort_through_their_own_cohort(sec_client, sec_world):
    w = sec_world
    log_in(sec_client, w.email("trainer"))
    own, foreign_enrolment = w.ids["cohort_id"], w.extra["other_enrolment_id"]
    assert sec_client.get(f"/cohorts/{own}/practical/{foreign_enrolment}").status_code == 404


def test_a_trainer_of_another_cohort_sees_no_answer_of_this_cohort_in_grading(sec_client, sec_world):
    from tests.security.conftest import ESSAY_ANSWER

    w = sec_world
    log_in(sec_client, w.email("other_trainer"))
    url = f"/grading/exams/{w.ids['exam_id']}/questions/{w.ids['question_id']}?all=1"
    page = sec_client.get(url).get_data(as_text=True)
    assert ESSAY_ANSWER not in page
    assert "Essay question" not in sec_client.get("/grading").get_data(as_text=True)


def test_the_cohort_trainer_sees_the_essay_to_grade(sec_client, sec_world):
    from tests.security.conftest import ESSAY_ANSWER

    w = sec_world
    log_in(sec_client, w.email("trainer"))
    page = sec_client.get(f"/grading/exams/{w.ids['exam_id']}/questions/{w.ids['question_id']}").get_data(as_text=True)
    assert ESSAY_ANSWER in page
    assert w.people["trainee"]["name"] not in page and w.email("trainee") not in page  # graded anonymously


def test_a_trainer_outside_the_programme_cannot_read_its_questions_and_marking_guide(sec_app, sec_client, sec_world):
    from lms.auth.models import TRAINER, User
    from lms.extensions import db
    from tests.conftest import PASSWORD
    from tests.security.conftest import GUIDE

    w = sec_world
    outsider = User(email="outsider.trainer@example.org", name="Outsider Trainer", role=TRAINER)
    outsider.set_password(PASSWORD)
    db.session.add(outsider)
    db.session.commit()
    w.dirty()
    log_in(sec_client, outsider.email)
    response = sec_client.get(f"/grading/exams/{w.ids['exam_id']}/questions/{w.extra['single_question_id']}")
    assert response.status_code in (403, 404) and GUIDE not in response.get_data(as_text=True)
