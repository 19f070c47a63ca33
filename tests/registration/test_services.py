"""Registration rules on the real database: places, the waiting list, decisions and what they send."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.models import AuditEntry
from lms.courses.models import Enrolment
from lms.courses.services import RuleError
from lms.registration import services
from lms.registration.models import APPROVED, CANCELLED, DECLINED, PENDING, WAITLISTED, Registration
from lms.timeutil import today


@pytest.fixture
def open_cohort(db, make_cohort):
    def make(capacity: int = 2, needs_approval: bool = True, closes_on=None, trainees=()):
        cohort = make_cohort(capacity=capacity, trainees=trainees)
        services.save_settings(cohort, open_=True, closes_on=closes_on, needs_approval=needs_approval,
                               description="A one-day seminar.", capacity=capacity)
        db.session.commit()
        return cohort

    return make


def mails(outbox) -> list[str]:
    """Subject and body of every message in the outbox, oldest first."""
    if not outbox.exists():
        return []
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)]
    return [f"{m['Subject']}\n{m.get_content()}" for m in messages]


def test_opening_gives_the_cohort_a_public_token(db, open_cohort):
    cohort = open_cohort()
    assert cohort.registration_token and services.cohort_by_token(cohort.registration_token) == cohort
    assert services.cohort_by_token("nope") is None


def test_a_registration_waits_for_approval_and_is_no_account_yet(db, open_cohort, outbox):
    cohort = open_cohort()
    outcome = services.register(cohort, "  Şəhla   Məmmədova ", " Shahla@Example.ORG ", "Ombudsman", "Azerbaijan")
    db.session.commit()
    assert outcome == services.Outcome(PENDING, created=True)
    registration = db.session.scalar(select(Registration))
    assert (registration.name, registration.email, registration.status) == ("Şəhla Məmmədova", "shahla@example.org",
                                                                             PENDING)
    assert db.session.scalar(select(User).where(User.email == "shahla@example.org")) is None
    assert "waits for the coordinator's approval" in mails(outbox)[0]


def test_approving_creates_the_account_enrols_and_invites(db, open_cohort, make_coordinator, outbox):
    coordinator = make_coordinator()
    cohort = open_cohort()
    services.register(cohort, "Aysel Quliyeva", "aysel@example.org", "Ombudsman", "Azerbaijan")
    registration = db.session.scalar(select(Registration))
    services.approve(registration, coordinator)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.email == "aysel@example.org"))
    assert user.is_trainee and user.organisation == "Ombudsman" and user.country == "Azerbaijan"
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id))
    assert registration.status == APPROVED and registration.decided_by == coordinator and registration.decided_at
    assert registration.user == user
    assert any("You are invited" in m and "/invite/" in m for m in mails(outbox))
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject == "registration")).all()
    assert actions == ["registered", "approved"]


def test_approving_reuses_an_account_with_the_same_address(db, open_cohort, make_coordinator, make_trainee, outbox):
    trainee = make_trainee(email="known@example.org")
    cohort = open_cohort()
    services.register(cohort, "Known Person", "KNOWN@example.org ")
    services.approve(db.session.scalar(select(Registration)), make_coordinator())
    db.session.commit()
    assert db.session.scalar(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)) == trainee.id
    assert db.session.scalars(select(User).where(User.email == "known@example.org")).all() == [trainee]
    assert "Your registration is approved and you are enrolled" in mails(outbox)[-1]


def test_first_come_first_served_enrols_at_once(db, open_cohort):
    cohort = open_cohort(needs_approval=False)
    assert services.register(cohort, "Fast Person", "fast@example.org").status == APPROVED
    db.session.commit()
    assert len(cohort.enrolments) == 1


def test_a_full_cohort_puts_registrants_on_the_waiting_list(db, open_cohort, make_trainee):
    cohort = open_cohort(capacity=2, trainees=[make_trainee()])
    assert services.register(cohort, "A", "a@example.org").status == PENDING  # the last place, promised
    assert services.register(cohort, "B", "b@example.org").status == WAITLISTED
    assert services.register(cohort, "C", "c@example.org").status == WAITLISTED


def test_declining_frees_the_place_for_the_first_on_the_waiting_list(db, open_cohort, make_coordinator, outbox):
    coordinator = make_coordinator()
    cohort = open_cohort(capacity=1)
    for name in ("a", "b", "c"):
        services.register(cohort, name.upper(), f"{name}@example.org")
    first, second, third = db.session.scalars(select(Registration).order_by(Registration.id))
    promoted = services.decline(first, coordinator)
    db.session.commit()
    assert promoted == [second]
    assert (first.status, second.status, third.status) == (DECLINED, PENDING, WAITLISTED)
    assert any("was not accepted" in m for m in mails(outbox))


def test_without_approval_the_waiting_list_moves_straight_into_the_cohort(db, open_cohort, make_coordinator):
    coordinator = make_coordinator()
    cohort = open_cohort(capacity=1, needs_approval=False)
    services.register(cohort, "A", "a@example.org")
    services.register(cohort, "B", "b@example.org")
    first, second = db.session.scalars(select(Registration).order_by(Registration.id))
    assert (first.status, second.status) == (APPROVED, WAITLISTED)
    services.cancel(first, coordinator)
    db.session.commit()
    assert (first.status, second.status) == (CANCELLED, APPROVED)
    assert [e.user.email for e in cohort.enrolments] == ["b@example.org"]


def test_raising_the_capacity_offers_places_in_order(db, open_cohort, make_coordinator):
    cohort = open_cohort(capacity=1)
    for name in ("a", "b", "c"):
        services.register(cohort, name.upper(), f"{name}@example.org")
    promoted = services.save_settings(cohort, open_=True, closes_on=None, needs_approval=True, description="",
                                      capacity=2, actor=make_coordinator())
    assert [r.email for r in promoted] == ["b@example.org"]


def test_the_capacity_is_never_exceeded(db, open_cohort, make_coordinator, make_trainee):
    coordinator = make_coordinator()
    cohort = open_cohort(capacity=1)
    services.register(cohort, "A", "a@example.org")
    services.register(cohort, "B", "b@example.org")
    first, second = db.session.scalars(select(Registration).order_by(Registration.id))
    with pytest.raises(RuleError):
        services.approve(second, coordinator)  # the waiting list cannot jump the pending registrant
    services.approve(first, coordinator)
    with pytest.raises(RuleError):
        services.save_settings(cohort, open_=True, closes_on=None, needs_approval=True, description="", capacity=0)
    db.session.commit()
    assert services.places_taken(cohort) == 1


def test_two_quick_registrations_for_the_last_place(app, db, open_cohort):
    cohort = open_cohort(capacity=1)
    cohort_id = cohort.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def register(n: int) -> None:
        with app.app_context():
            from lms.courses.models import Cohort

            try:
                target = db.session.get(Cohort, cohort_id)
                barrier.wait(timeout=10)
                outcomes.append(services.register(target, f"Person {n}", f"p{n}@example.org").status)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == [PENDING, WAITLISTED]


def test_closed_and_past_closing_date_refuse(db, open_cohort):
    cohort = open_cohort(closes_on=today() - timedelta(days=1))
    with pytest.raises(services.RegistrationClosed):
        services.register(cohort, "Late", "late@example.org")
    cohort.registration_closes_on = today()
    assert services.register(cohort, "Just in time", "ontime@example.org").created
    cohort.registration_open = False
    with pytest.raises(services.RegistrationClosed):
        services.register(cohort, "Closed", "closed@example.org")


def test_registering_twice_changes_nothing(db, open_cohort, make_trainee, outbox):
    cohort = open_cohort(trainees=[make_trainee(email="enrolled@example.org")])
    services.register(cohort, "Once", "once@example.org", "First institution")
    again = services.register(cohort, "Twice", "ONCE@example.org", "Other institution")
    assert again == services.Outcome(PENDING, created=False)
    assert db.session.scalars(select(Registration.institution)).all() == ["First institution"]
    assert "already registered" in mails(outbox)[-1]
    # Someone enrolled already gets the same answer, and no registration.
    assert not services.register(cohort, "Enrolled", "enrolled@example.org").created
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_a_place_freed_outside_registration_goes_to_the_waiting_list_first(db, open_cohort):
    cohort = open_cohort(capacity=1)
    services.register(cohort, "A", "a@example.org")
    services.register(cohort, "B", "b@example.org")
    cohort.capacity = 2  # raised on the cohort form, which knows nothing of registrations
    db.session.commit()
    assert services.register(cohort, "C", "c@example.org").status == WAITLISTED
    statuses = dict(db.session.execute(select(Registration.email, Registration.status)).all())
    assert statuses == {"a@example.org": PENDING, "b@example.org": PENDING, "c@example.org": WAITLISTED}
