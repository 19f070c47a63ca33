"""Registration rules: who gets a place, who waits, and what a decision does.

Places taken are the cohort's enrolments plus approved registrations not (or no longer) enrolled; a pending
registration holds a place too, so new registrants wait once every place is taken or promised. Each change
first locks the cohort (a no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so two quick
registrations for the last place count one after the other and never overfill the cohort.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update

from lms.auth import services as accounts
from lms.auth.models import TRAINEE, User
from lms.certificates.models import AuditEntry
from lms.courses import enrolment as enrolment_rules
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import RuleError
from lms.extensions import db
from lms.mail import send_mail
from lms.registration.models import APPROVED, CANCELLED, DECLINED, PENDING, WAITLISTED, Registration
from lms.timeutil import today, utcnow
from lms.urls import external_url


class RegistrationClosed(RuleError):
    """The cohort takes no registrations (never opened, closed, or past its closing date)."""


@dataclass
class Outcome:
    """What the public page tells a registrant: `status` of their registration, `created` False for an
    address registered before (or already enrolled)."""

    status: str
    created: bool


def audit(action: str, registration: Registration, actor: User | None = None, **details) -> None:
    db.session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, subject="registration",
                              subject_id=registration.id, details={"cohort_id": registration.cohort_id, **details}))


def _lock(cohort: Cohort) -> None:
    table = Cohort.__table__
    db.session.execute(update(table).where(table.c.id == cohort.id).values(id=table.c.id))


# ---- settings and counts ----------------------------------------------------------------------


def save_settings(cohort: Cohort, *, open_: bool, closes_on: date | None, needs_approval: bool,
                  description: str, capacity: int, actor: User | None = None) -> list[Registration]:
    """Store the cohort's registration settings; returns the waiting registrations a raised capacity admitted."""
    _lock(cohort)
    problem = enrolment_rules.capacity_problem(cohort, capacity)
    if problem or capacity < places_taken(cohort):
        raise RuleError(problem or _("Capacity cannot be below the %(n)d places taken.", n=places_taken(cohort)))
    cohort.registration_open = open_
    cohort.registration_closes_on = closes_on
    cohort.registration_needs_approval = needs_approval
    cohort.registration_description = (description or "").strip()
    cohort.capacity = capacity
    if open_ and not cohort.registration_token:
        cohort.registration_token = secrets.token_urlsafe(12)
    db.session.flush()
    return fill_places(cohort, actor)


def is_open(cohort: Cohort) -> bool:
    return cohort.registration_open and (cohort.registration_closes_on is None
                                         or today() <= cohort.registration_closes_on)


def cohort_by_token(token: str) -> Cohort | None:
    if not token or len(token) > 32:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.registration_token == token))


def _count(cohort: Cohort, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.cohort_id == cohort.id, *conditions)) or 0


def places_taken(cohort: Cohort) -> int:
    """Enrolments plus approved registrations without an enrolment in the cohort."""
    enrolled = exists().where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == Registration.user_id)
    return enrolment_rules.enrolment_count(cohort) + _count(cohort, Registration.status == APPROVED, ~enrolled)


def places_held(cohort: Cohort) -> int:
    return places_taken(cohort) + _count(cohort, Registration.status == PENDING)


def status_counts(cohort: Cohort) -> dict[str, int]:
    rows = db.session.execute(select(Registration.status, func.count()).where(Registration.cohort_id == cohort.id)
                              .group_by(Registration.status)).all()
    return dict(rows)


def registrations(cohort: Cohort) -> list[Registration]:
    """Waiting list first in its order, then pending, then the rest, oldest first."""
    order = {WAITLISTED: 1, PENDING: 0, APPROVED: 2, DECLINED: 3, CANCELLED: 4}
    items = list(db.session.scalars(select(Registration).where(Registration.cohort_id == cohort.id)
                                    .order_by(Registration.created_at, Registration.id)))
    return sorted(items, key=lambda r: order[r.status])


# ---- registering ------------------------------------------------------------------------------


def register(cohort: Cohort, name: str, email: str, institution: str = "", country: str = "") -> Outcome:
    """Record a registration from the public page. Raises RegistrationClosed."""
    if not is_open(cohort):
        raise RegistrationClosed(_("Registration for this event is closed."))
    _lock(cohort)
    email = accounts.normalise_email(email)
    existing = db.session.scalar(select(Registration).where(Registration.cohort_id == cohort.id,
                                                            Registration.email == email))
    if existing is not None:
        _mail_status(existing, again=True)
        return Outcome(existing.status, created=False)
    user = accounts.find_user(email)
    if user is not None and db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                                         Enrolment.user_id == user.id)):
        return Outcome(APPROVED, created=False)
    fill_places(cohort)  # a place freed elsewhere (the cohort form, a removed trainee) goes to those waiting first
    registration = Registration(cohort=cohort, name=" ".join(name.split()), email=email,
                                institution=(institution or "").strip(), country=(country or "").strip())
    if places_held(cohort) >= cohort.capacity:
        registration.status = WAITLISTED
    elif cohort.registration_needs_approval or (user is not None and not user.is_trainee):
        registration.status = PENDING  # a staff address is never enrolled without a coordinator
    else:
        registration.status = APPROVED
    db.session.add(registration)
    db.session.flush()
    audit("registered", registration, status=registration.status)
    if registration.status == APPROVED:
        _admit(registration)
    else:
        _mail_status(registration)
    # Pending or approved look the same to the public page: the e-mail says which.
    return Outcome(registration.status, created=True)


# ---- decisions --------------------------------------------------------------------------------


def approve(registration: Registration, actor: User) -> None:
    """Give a pending (or waiting) registrant their place: account, enrolment, invitation."""
    cohort = registration.cohort
    _lock(cohort)
    if registration.status not in (PENDING, WAITLISTED):
        raise RuleError(_("Only pending or waiting registrations can be approved."))
    free = cohort.capacity - places_held(cohort) + (1 if registration.status == PENDING else 0)
    if free <= 0:
        raise RuleError(_("The cohort is full (capacity %(n)d).", n=cohort.capacity))
    _admit(registration, actor)


def _admit(registration: Registration, actor: User | None = None) -> None:
    user = accounts.find_user(registration.email)
    invite = user is None or not user.password_hash
    if user is None:
        user = accounts.create_user(registration.email, registration.name, TRAINEE,
                                    organisation=registration.institution[:200],
                                    country=registration.country[:100])
    elif not user.is_trainee:
        raise RuleError(_("This address belongs to a staff account; enrol trainees only."))
    registration.status, registration.user = APPROVED, user
    registration.decided_by, registration.decided_at = actor, utcnow()
    db.session.flush()
    enrolment_rules.enrol(registration.cohort, user)
    audit("approved", registration, actor, user_id=user.id)
    if invite:
        accounts.send_invitation(user)
    else:
        send_mail(user.email, _("Your place in %(cohort)s", cohort=registration.cohort.name),
                  _("Hello %(name)s,\n\nYour registration is approved and you are enrolled in %(cohort)s. "
                    "Log in with your account:\n%(link)s\n", name=user.name, cohort=registration.cohort.name,
                    link=external_url("auth.login")))


def decline(registration: Registration, actor: User) -> list[Registration]:
    """Decline a pending or waiting registration; returns who the freed place went to."""
    _lock(registration.cohort)
    if registration.status not in (PENDING, WAITLISTED):
        raise RuleError(_("Only pending or waiting registrations can be declined."))
    _close(registration, DECLINED, actor)
    send_mail(registration.email, _("Your registration for %(cohort)s", cohort=registration.cohort.name),
              _("Hello %(name)s,\n\nWe are sorry: your registration for %(cohort)s was not accepted.\n",
                name=registration.name, cohort=registration.cohort.name))
    return fill_places(registration.cohort, actor)


def cancel(registration: Registration, actor: User) -> list[Registration]:
    """Cancel a registration at its holder's request; an approved one leaves the cohort (the account stays)."""
    _lock(registration.cohort)
    if registration.status not in (PENDING, WAITLISTED, APPROVED):
        raise RuleError(_("This registration is already closed."))
    if registration.status == APPROVED and registration.user_id:
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == registration.cohort_id,
                                                              Enrolment.user_id == registration.user_id))
        if enrolment is not None:
            enrolment_rules.unenrol(enrolment)
    _close(registration, CANCELLED, actor)
    return fill_places(registration.cohort, actor)


def _close(registration: Registration, status: str, actor: User) -> None:
    registration.status, registration.decided_by, registration.decided_at = status, actor, utcnow()
    db.session.flush()
    audit(status, registration, actor)


def fill_places(cohort: Cohort, actor: User | None = None) -> list[Registration]:
    """Offer free places to the waiting list in its order: pending when the cohort wants approval, else approved."""
    promoted = []
    while places_held(cohort) < cohort.capacity:
        first = db.session.scalar(select(Registration).where(Registration.cohort_id == cohort.id,
                                                             Registration.status == WAITLISTED)
                                  .order_by(Registration.created_at, Registration.id).limit(1))
        if first is None:
            break
        user = accounts.find_user(first.email)
        if cohort.registration_needs_approval or (user is not None and not user.is_trainee):
            first.status = PENDING
            db.session.flush()
            audit("offered", first, actor)
            _mail_status(first)
        else:
            _admit(first, actor)
        promoted.append(first)
    return promoted


def _mail_status(registration: Registration, again: bool = False) -> None:
    cohort = registration.cohort.name
    texts = {
        PENDING: _("Your registration for %(cohort)s is received and waits for the coordinator's approval. "
                   "We will write to you again.", cohort=cohort),
        WAITLISTED: _("%(cohort)s is full: you are on the waiting list. We will write to you if a place frees up.",
                      cohort=cohort),
        APPROVED: _("Your registration for %(cohort)s is approved.", cohort=cohort),
        DECLINED: _("Your registration for %(cohort)s was not accepted.", cohort=cohort),
        CANCELLED: _("Your registration for %(cohort)s was cancelled.", cohort=cohort),
    }
    intro = _("This address was already registered; nothing was changed.") + "\n\n" if again else ""
    send_mail(registration.email, _("Your registration for %(cohort)s", cohort=cohort),
              _("Hello %(name)s,\n\n", name=registration.name) + intro + texts[registration.status] + "\n")
