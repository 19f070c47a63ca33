"""The public registration page and the coordinator's registration screen of a cohort."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import coordinator_required
from lms.courses.models import Cohort
from lms.courses.services import RuleError
from lms.extensions import db, limiter
from lms.registration import services
from lms.registration.forms import DecisionForm, RegistrationForm, SettingsForm
from lms.registration.models import APPROVED, PENDING, WAITLISTED, Registration

bp = Blueprint("registration", __name__)


def _limits() -> str:
    return current_app.config["REGISTRATION_LIMITS"]


# ---- public -----------------------------------------------------------------------------------


@bp.route("/register/<token>", methods=["GET", "POST"])
@limiter.limit(_limits, methods=["POST"])
def register(token: str):
    cohort = services.cohort_by_token(token)
    if cohort is None:
        abort(404)
    form = RegistrationForm()
    if not services.is_open(cohort):
        return render_template("registration/register.html", cohort=cohort, form=None, closed=True)
    full = services.places_held(cohort) >= cohort.capacity
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer as if registered, record nothing
            return render_template("registration/done.html", cohort=cohort, outcome=None)
        try:
            outcome = services.register(cohort, form.name.data, form.email.data, form.institution.data or "",
                                        form.country.data or "")
        except services.RegistrationClosed:
            db.session.rollback()
            return render_template("registration/register.html", cohort=cohort, form=None, closed=True)
        db.session.commit()
        return render_template("registration/done.html", cohort=cohort, outcome=outcome, WAITLISTED=WAITLISTED)
    status = 400 if form.is_submitted() else 200
    return render_template("registration/register.html", cohort=cohort, form=form, full=full), status


# ---- coordinator ------------------------------------------------------------------------------


def _render_manage(cohort: Cohort, form: SettingsForm | None = None, status: int = 200):
    form = form or SettingsForm(obj=cohort)
    return render_template(
        "registration/manage.html", cohort=cohort, form=form, registrations=services.registrations(cohort),
        counts=services.status_counts(cohort), taken=services.places_taken(cohort),
        is_open=services.is_open(cohort), decision=DecisionForm(), PENDING=PENDING, WAITLISTED=WAITLISTED,
        APPROVED=APPROVED,
    ), status


@bp.route("/admin/cohorts/<int:cohort_id>/registration", methods=["GET", "POST"])
@coordinator_required
def manage(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = SettingsForm(obj=cohort)
    if not form.validate_on_submit():
        return _render_manage(cohort, form, status=400 if form.is_submitted() else 200)
    try:
        promoted = services.save_settings(
            cohort, open_=form.registration_open.data, closes_on=form.registration_closes_on.data,
            needs_approval=form.registration_needs_approval.data,
            description=form.registration_description.data or "", capacity=form.capacity.data, actor=current_user)
    except RuleError as error:
        db.session.rollback()
        form.capacity.errors.append(str(error))
        return _render_manage(cohort, form, status=400)
    db.session.commit()
    flash(_("Registration settings saved."), "success")
    if promoted:
        flash(_("%(n)d people on the waiting list were offered a place.", n=len(promoted)), "info")
    return redirect(url_for("registration.manage", cohort_id=cohort.id))


@bp.post("/admin/cohorts/<int:cohort_id>/registration/decide")
@coordinator_required
def decide(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.action.data not in ("approve", "decline", "cancel"):
        abort(400)
    registration = db.session.get(Registration, int(form.registration.data)) \
        if form.registration.data.isdigit() and len(form.registration.data) < 10 else None
    if registration is None or registration.cohort_id != cohort.id:
        abort(404)
    if form.action.data != "approve" and form.confirmed.data != "yes":
        return render_template("registration/confirm.html", cohort=cohort, registration=registration,
                               action=form.action.data, form=DecisionForm(formdata=None))
    try:
        if form.action.data == "approve":
            services.approve(registration, current_user)
            promoted = []
        elif form.action.data == "decline":
            promoted = services.decline(registration, current_user)
        else:
            promoted = services.cancel(registration, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("registration.manage", cohort_id=cohort.id))
    db.session.commit()
    messages = {"approve": _("%(name)s is approved, enrolled and invited.", name=registration.name),
                "decline": _("The registration of %(name)s is declined.", name=registration.name),
                "cancel": _("The registration of %(name)s is cancelled.", name=registration.name)}
    flash(messages[form.action.data], "success")
    for promoted_registration in promoted:
        flash(_("A place went to %(name)s from the waiting list.", name=promoted_registration.name), "info")
    return redirect(url_for("registration.manage", cohort_id=cohort.id))
