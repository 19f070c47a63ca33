"""Coordinator screens for programmes, cohorts and enrolment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.access import coordinator_required
from lms.auth import services as accounts
from lms.auth.models import TRAINEE, TRAINER, User
from lms.courses import enrolment as rules
from lms.courses.forms import CohortForm, CsvImportForm, EnrolForm, ProgrammeForm
from lms.courses.models import Cohort, Enrolment, Programme
from lms.courses.services import RuleError, cohort_enrolments, cohort_name_problem
from lms.extensions import db
from lms.forms import ConfirmForm, choices
from lms.intensive.services import parse_rubric, rubric_text, set_rubric

bp = Blueprint("admin", __name__, url_prefix="/admin")

PROGRAMME_FIELDS = (
    "name", "description", "distance_weeks", "stage1_pass_mark", "stage1_attempts", "intensive_days",
    "attendance_threshold", "final_pass_mark", "practical_required", "practical_threshold", "marker_margin",
    "certificate_title", "validity_years", "group_size_cap",
)
ENTITLEMENT_LANGUAGES = ("en", "az", "ru")  # Programme.entitlement, shown on the verification page
COHORT_FIELDS = ("name", "distance_start", "stage1_opens", "stage1_closes", "intensive_start", "final_exam_on",
                 "venue", "online_link", "capacity")


# ---- programmes -------------------------------------------------------------------------------


@bp.get("/programmes")
@coordinator_required
def programmes():
    items = list(db.session.scalars(select(Programme).order_by(Programme.name)))
    return render_template("admin/programmes.html", programmes=items)


@bp.route("/programmes/new", methods=["GET", "POST"])
@coordinator_required
def new_programme():
    return _edit_programme(Programme())


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_programme(programme_id: int):
    return _edit_programme(db.get_or_404(Programme, programme_id))


def _edit_programme(programme: Programme):
    form = ProgrammeForm(obj=programme if programme.id else None)
    if request.method == "GET" and programme.id:
        form.practical_rubric.data = rubric_text(programme)
        for language in ENTITLEMENT_LANGUAGES:
            getattr(form, f"entitlement_{language}").data = (programme.entitlement or {}).get(language, "")
    if form.validate_on_submit():
        _criteria, rubric_errors = parse_rubric(form.practical_rubric.data or "")
        form.practical_rubric.errors.extend(rubric_errors)
        duplicate = db.session.scalar(select(Programme).where(Programme.name == form.name.data.strip(),
                                                              Programme.id != (programme.id or 0)))
        if duplicate:
            form.name.errors.append(_("Another programme has this name."))
        if not rubric_errors and not duplicate:
            for name in PROGRAMME_FIELDS:
                setattr(programme, name, getattr(form, name).data)
            programme.name = programme.name.strip()
            programme.entitlement = {language: text for language in ENTITLEMENT_LANGUAGES
                                     if (text := (getattr(form, f"entitlement_{language}").data or "").strip())
                                     } or None
            db.session.add(programme)
            db.session.flush()
            set_rubric(programme, form.practical_rubric.data or "")
            db.session.commit()
            flash(_("Programme “%(name)s” saved.", name=programme.name), "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return render_template("admin/programme_form.html", form=form, programme=programme)


@bp.get("/programmes/<int:programme_id>")
@coordinator_required
def programme(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    return render_template("admin/programme.html", programme=programme)


# ---- cohorts ----------------------------------------------------------------------------------


def _cohort_form(cohort: Cohort | None) -> CohortForm:
    form = CohortForm(obj=cohort)
    programmes = db.session.scalars(select(Programme).order_by(Programme.name))
    form.programme_id.choices = choices((str(p.id), p.name) for p in programmes)
    trainers = db.session.scalars(select(User).where(User.role == TRAINER).order_by(User.name))
    form.trainer_ids.choices = choices((str(t.id), f"{t.name} <{t.email}>") for t in trainers)
    if cohort is not None and request.method == "GET":
        form.trainer_ids.data = [t.id for t in cohort.trainers]
    elif cohort is None and request.method == "GET" and request.args.get("programme", type=int):
        form.programme_id.data = request.args.get("programme", type=int)
    return form


@bp.get("/cohorts")
@coordinator_required
def cohorts():
    items = list(db.session.scalars(select(Cohort).order_by(Cohort.distance_start.desc())))
    counts = rules.enrolment_counts()
    return render_template("admin/cohorts.html", cohorts=items, counts=counts)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@coordinator_required
def new_cohort():
    return _edit_cohort(None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_cohort(cohort_id: int):
    return _edit_cohort(db.get_or_404(Cohort, cohort_id))


def _edit_cohort(cohort: Cohort | None):
    form = _cohort_form(cohort)
    if not form.programme_id.choices:
        flash(_("Create a programme first."), "info")
        return redirect(url_for("admin.new_programme"))
    if form.validate_on_submit():
        programme = db.session.get(Programme, form.programme_id.data)
        problems = rules.calendar_problems(programme, form.distance_start.data, form.stage1_opens.data,
                                           form.stage1_closes.data, form.intensive_start.data,
                                           form.final_exam_on.data)
        if cohort is not None:
            capacity = rules.capacity_problem(cohort, form.capacity.data)
            if capacity:
                problems["capacity"] = capacity
        if form.capacity.data > programme.group_size_cap:
            problems["capacity"] = _("The programme caps groups at %(n)d.", n=programme.group_size_cap)
        name_problem = cohort_name_problem(form.name.data, cohort)
        if name_problem:
            problems["name"] = name_problem
        if not problems:
            trainers = list(db.session.scalars(select(User).where(User.id.in_(form.trainer_ids.data or []),
                                                                  User.role == TRAINER)))
            cohort = cohort or Cohort()
            with db.session.no_autoflush:
                for name in COHORT_FIELDS:
                    setattr(cohort, name, getattr(form, name).data)
                cohort.online_link = cohort.online_link or ""
                cohort.name = " ".join(cohort.name.split())
                cohort.programme = programme
                cohort.trainers = trainers
            db.session.add(cohort)
            db.session.commit()
            flash(_("Cohort “%(name)s” saved.", name=cohort.name), "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        flash(_("Please correct the marked fields; nothing was saved."), "error")
    return render_template("admin/cohort_form.html", form=form, cohort=cohort)


@bp.get("/cohorts/<int:cohort_id>")
@coordinator_required
def cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    return _render_cohort(cohort)


def _render_cohort(cohort: Cohort, enrol_form=None, import_form=None, import_errors=None, status=200):
    return render_template(
        "admin/cohort.html", cohort=cohort, enrolments=cohort_enrolments(cohort),
        enrol_form=enrol_form or EnrolForm(prefix="enrol"), import_form=import_form or CsvImportForm(prefix="csv"),
        import_errors=import_errors or [], confirm=ConfirmForm(),
    ), status


@bp.post("/cohorts/<int:cohort_id>/enrol")
@coordinator_required
def enrol(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = EnrolForm(prefix="enrol")
    if not form.validate_on_submit():
        return _render_cohort(cohort, enrol_form=form, status=400)
    try:
        user = accounts.find_user(form.email.data)
        created = user is None
        if created:
            user = accounts.create_user(form.email.data, form.name.data, TRAINEE,
                                        organisation=form.organisation.data or "", country=form.country.data or "")
        rules.enrol(cohort, user)
        if created:
            accounts.send_invitation(user)
    except RuleError as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return _render_cohort(cohort, enrol_form=form, status=400)
    db.session.commit()
    flash(_("%(name)s is enrolled.", name=user.name), "success")
    return redirect(url_for("admin.cohort", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/import")
@coordinator_required
def import_csv(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = CsvImportForm(prefix="csv")
    if not form.validate_on_submit():
        return _render_cohort(cohort, import_form=form, status=400)
    report = rules.parse_enrolment_csv(form.file.data.read())
    try:
        created, enrolled = rules.import_enrolments(cohort, report)
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_cohort(cohort, import_form=form, import_errors=report.errors, status=400)
    db.session.commit()
    if report.already_enrolled:
        flash(_("%(enrolled)d trainees enrolled, %(already)d already enrolled, %(created)d new accounts invited.",
                enrolled=enrolled, already=report.already_enrolled, created=created),
              "success" if enrolled else "info")
    else:
        flash(_("%(enrolled)d trainees enrolled, %(created)d new accounts invited.", enrolled=enrolled,
                created=created), "success")
    return redirect(url_for("admin.cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/remove", methods=["GET", "POST"])
@coordinator_required
def unenrol(cohort_id: int, enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort_id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = enrolment.user.name
        rules.unenrol(enrolment)
        db.session.commit()
        flash(_("%(name)s is no longer enrolled.", name=name), "success")
        return redirect(url_for("admin.cohort", cohort_id=cohort_id))
    return render_template(
        "confirm.html", form=form,
        question=_("Remove %(name)s from %(cohort)s?", name=enrolment.user.name, cohort=enrolment.cohort.name),
        warning=_("Their lesson progress in this cohort is deleted. The account stays."),
        button=_("Remove from cohort"), back=url_for("admin.cohort", cohort_id=cohort_id),
    )
