"""The public registration page and the coordinator's screen, through the test client."""

from __future__ import annotations

from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.registration import services
from lms.registration.models import APPROVED, DECLINED, PENDING, Registration
from tests.conftest import login, post_form

VISITOR = {"name": "Leyla Həsənova", "email": "leyla@example.org", "institution": "Ombudsman Office",
           "country": "Azerbaijan", "consent": "y"}


def _open(db, make_cohort, **settings):
    cohort = make_cohort(capacity=settings.pop("capacity", 2))
    services.save_settings(cohort, open_=True, closes_on=None, needs_approval=settings.pop("needs_approval", True),
                           description="Business and human rights, one day.", capacity=cohort.capacity)
    db.session.commit()
    return cohort, f"/register/{cohort.registration_token}"


def test_anyone_registers_on_the_public_page_without_logging_in(client, db, make_cohort):
    cohort, url = _open(db, make_cohort)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Business and human rights, one day." in html
    assert '<label class="check"><input id="consent" name="consent"' in html
    response = post_form(client, url, VISITOR, token_from=url)
    assert response.status_code == 200
    assert "Your registration is received" in response.get_data(as_text=True)
    db.session.expire_all()
    registration = db.session.scalar(select(Registration))
    assert (registration.cohort_id, registration.email, registration.status) == (cohort.id, "leyla@example.org",
                                                                                 PENDING)


def test_consent_and_a_token_are_required(client, db, make_cohort):
    _cohort, url = _open(db, make_cohort)
    without_consent = post_form(client, url, {**VISITOR, "consent": ""}, token_from=url)
    assert without_consent.status_code == 400
    assert "Please agree" in without_consent.get_data(as_text=True)
    assert client.post(url, data=VISITOR).status_code == 400  # no CSRF token
    assert db.session.scalar(select(Registration)) is None


def test_the_bot_trap_records_nothing(client, db, make_cohort):
    _cohort, url = _open(db, make_cohort)
    response = post_form(client, url, {**VISITOR, "website": "http://spam.example"}, token_from=url)
    assert response.status_code == 200
    assert db.session.scalar(select(Registration)) is None


def test_closed_full_and_duplicate_messages(client, db, make_cohort):
    cohort, url = _open(db, make_cohort, capacity=1)
    post_form(client, url, VISITOR, token_from=url)
    full_page = client.get(url).get_data(as_text=True)
    assert "The event is full" in full_page
    waiting = post_form(client, url, {**VISITOR, "email": "second@example.org"}, token_from=url)
    assert "you are on the waiting list" in waiting.get_data(as_text=True)
    again = post_form(client, url, {**VISITOR, "name": "Someone Else"}, token_from=url).get_data(as_text=True)
    assert "already registered for this event" in again and "Leyla" not in again.split("<main")[-1]
    cohort.registration_open = False
    db.session.commit()
    assert "Registration for this event is closed." in client.get(url).get_data(as_text=True)
    assert client.get("/register/not-a-token").status_code == 404


def test_the_public_page_is_rate_limited_per_address(make_app, db, make_cohort):
    _cohort, url = _open(db, make_cohort)
    limited = make_app(RATELIMIT_ENABLED=True, REGISTRATION_LIMITS="2 per minute",
                       RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    statuses = [post_form(client, url, {**VISITOR, "email": f"p{n}@example.org"}, token_from=url).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]


def test_the_coordinator_opens_registration_and_decides(client, db, make_cohort, make_coordinator, outbox):
    coordinator = make_coordinator()
    cohort = make_cohort(capacity=1)
    login(client, coordinator)
    manage = f"/admin/cohorts/{cohort.id}/registration"
    assert client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True).count(manage) == 1
    saved = post_form(client, manage, {"registration_open": "y", "registration_needs_approval": "y",
                                       "capacity": "1", "registration_description": "Open day"}, token_from=manage)
    assert saved.status_code == 302
    db.session.expire_all()
    assert cohort.registration_open and cohort.registration_token
    services.register(cohort, "First", "first@example.org")
    services.register(cohort, "Second", "second@example.org")
    db.session.commit()
    first, second = db.session.scalars(select(Registration).order_by(Registration.id))
    page = client.get(manage).get_data(as_text=True)
    assert "first@example.org" in page and "second@example.org" in page

    decide = f"/admin/cohorts/{cohort.id}/registration/decide"
    # Declining asks first, and changes nothing until confirmed.
    asked = post_form(client, decide, {"registration": first.id, "action": "decline"}, token_from=manage)
    assert asked.status_code == 200 and "Decline the registration of First?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert first.status == PENDING
    done = post_form(client, decide, {"registration": first.id, "action": "decline", "confirmed": "yes"},
                     token_from=manage)
    assert done.status_code == 302
    db.session.expire_all()
    assert (first.status, second.status) == (DECLINED, PENDING)  # the waiting list moved up

    approved = post_form(client, decide, {"registration": second.id, "action": "approve"}, token_from=manage)
    assert approved.status_code == 302
    db.session.expire_all()
    assert second.status == APPROVED and second.decided_by_id == coordinator.id
    assert db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).user.email == \
        "second@example.org"
    assert any("/invite/" in p.read_text() for p in outbox.glob("*.eml"))


def test_a_registration_of_another_cohort_is_not_found(client, db, make_cohort, make_coordinator):
    cohort, _url = _open(db, make_cohort)
    other, _other_url = _open(db, make_cohort)
    services.register(other, "Elsewhere", "elsewhere@example.org")
    db.session.commit()
    registration = db.session.scalar(select(Registration))
    login(client, make_coordinator())
    decide = f"/admin/cohorts/{cohort.id}/registration/decide"
    response = post_form(client, decide, {"registration": registration.id, "action": "approve"})
    assert response.status_code == 404
    db.session.expire_all()
    assert registration.status == PENDING


def test_a_trainer_cannot_manage_registration(client, db, make_cohort, make_trainer):
    trainer = make_trainer()
    cohort, _url = _open(db, make_cohort)
    cohort.trainers = [trainer]
    db.session.commit()
    login(client, trainer)
    assert client.get(f"/admin/cohorts/{cohort.id}/registration").status_code == 403
    response = post_form(client, f"/admin/cohorts/{cohort.id}/registration/decide",
                         {"registration": "1", "action": "approve"})
    assert response.status_code == 403
