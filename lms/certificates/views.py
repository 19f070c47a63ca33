"""Certificates for their holders (downloads, registry switch) and coordinators (approve, revoke, reissue)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.utils import secure_filename

from lms.access import can_monitor_cohort, coordinator_required
from lms.certificates import services, share
from lms.certificates.forms import IssueOneForm, ReissueForm, RevokeForm, WithholdForm
from lms.certificates.models import PENDING, REVOKED, AuditEntry, Certificate, Withholding
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import RuleError
from lms.exams.models import GradeAudit
from lms.extensions import db
from lms.forms import ConfirmForm

bp = Blueprint("certificates", __name__)
bp.add_app_template_global(share.linkedin_add_url)


def _viewable(certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    own = certificate.enrolment.user_id == current_user.id
    if not own and not can_monitor_cohort(current_user, certificate.enrolment.cohort):
        abort(403)
    if certificate.status == PENDING:
        abort(404)
    return certificate


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    from lms.certificates.pdf import store_pdf, stored_pdf_path

    certificate = _viewable(certificate_id)
    path = stored_pdf_path(certificate)
    if path is None:
        if not store_pdf(certificate):
            flash(_("The PDF is being prepared; try again in a minute."), "info")
            return redirect(url_for("main.home"))
        db.session.commit()
        path = stored_pdf_path(certificate)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{certificate.code}.pdf")


@bp.get("/certificates/<int:certificate_id>/credential.json")
@login_required
def credential(certificate_id: int):
    from lms.certificates.credential import credential_json

    certificate = _viewable(certificate_id)
    response = make_response(credential_json(certificate))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{share.wallet_filename(certificate)}"'
    return response


@bp.post("/certificates/<int:certificate_id>/registry")
@login_required
def toggle_registry(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.enrolment.user_id != current_user.id:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if certificate.status == REVOKED:
        flash(_("A revoked certificate cannot be listed."), "error")
    else:
        certificate.listed = not certificate.listed
        db.session.commit()
        flash(_("You are now listed in the public registry.") if certificate.listed
              else _("You are no longer listed in the public registry."), "success")
    return redirect(url_for("main.home"))


# ---- coordinators -----------------------------------------------------------------------------


@bp.get("/admin/certificates")
@coordinator_required
def admin_list():
    status = request.args.get("status", "")
    query = select(Certificate).order_by(Certificate.id.desc())
    if status in ("pending", "issued", "revoked"):
        query = query.where(Certificate.status == status)
    certificates = list(db.session.scalars(query.limit(500)))
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.final_exam_on.desc())))
    return render_template("certificates/admin_list.html", certificates=certificates, status=status,
                           cohorts=cohorts, form=ConfirmForm())


@bp.post("/admin/cohorts/<int:cohort_id>/issue-certificates")
@coordinator_required
def issue_for_cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        made = services.issue_due(cohort, current_user)
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("certificates.admin_list"))
    _render_new(made)
    db.session.commit()
    flash(_("%(n)d certificates issued or sent for approval in %(cohort)s.", n=len(made), cohort=cohort.name),
          "success")
    return redirect(url_for("certificates.admin_list"))


def _render_new(certificates) -> None:
    from lms.certificates.pdf import store_pdf

    for certificate in certificates:
        if certificate.status != PENDING:
            store_pdf(certificate)


@bp.post("/admin/certificates/<int:certificate_id>/approve")
@coordinator_required
def approve(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.approve(certificate, current_user)
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("certificates.admin_list"))
    _render_new([certificate])
    db.session.commit()
    flash(_("Certificate %(code)s issued.", code=certificate.code), "success")
    return redirect(url_for("certificates.admin_list"))


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@coordinator_required
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, form.reason.data, current_user)
        except RuleError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Certificate %(code)s is revoked.", code=certificate.code), "success")
            return redirect(url_for("certificates.admin_list"))
    return render_template("certificates/revoke.html", cert=certificate, form=form)


@bp.route("/admin/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@coordinator_required
def reissue(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReissueForm()
    if request.method == "GET":
        form.holder_name.data = certificate.holder_name
    if form.validate_on_submit():
        try:
            new = services.reissue(certificate, form.holder_name.data, current_user)
        except RuleError as error:
            form.holder_name.errors.append(str(error))
        else:
            _render_new([new])
            db.session.commit()
            flash(_("Reissued as %(code)s; %(old)s now verifies as superseded.", code=new.code,
                    old=certificate.code), "success")
            return redirect(url_for("certificates.admin_list"))
    return render_template("certificates/reissue.html", cert=certificate, form=form)


@bp.get("/admin/audit")
@coordinator_required
def audit_log():
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc()).limit(300)))
    grades = list(db.session.scalars(select(GradeAudit).order_by(GradeAudit.at.desc()).limit(300)))
    return render_template("certificates/audit.html", entries=entries, grades=grades)


# ---- one person, one cohort: issue on a decision, withhold, the ceremony ZIP -------------------------------------


@bp.get("/admin/cohorts/<int:cohort_id>/certificates")
@coordinator_required
def cohort_certificates(cohort_id: int):
    from lms.monitoring.outcomes import cohort_outcomes

    cohort = db.get_or_404(Cohort, cohort_id)
    enrolments = sorted(cohort.enrolments, key=lambda e: e.user.name.casefold())
    certificates: dict[int, list[Certificate]] = {}
    for certificate in db.session.scalars(select(Certificate).join(Enrolment)
                                          .where(Enrolment.cohort_id == cohort.id).order_by(Certificate.id)):
        certificates.setdefault(certificate.enrolment_id, []).append(certificate)
    withheld = {w.enrolment_id: w for w in db.session.scalars(
        select(Withholding).join(Enrolment).where(Enrolment.cohort_id == cohort.id))}
    return render_template("certificates/cohort.html", cohort=cohort, enrolments=enrolments,
                           certificates=certificates, withheld=withheld, outcomes=cohort_outcomes(cohort),
                           form=ConfirmForm())


def _back_to(enrolment: Enrolment):
    return redirect(url_for("certificates.cohort_certificates", cohort_id=enrolment.cohort_id))


@bp.route("/admin/enrolments/<int:enrolment_id>/issue-certificate", methods=["GET", "POST"])
@coordinator_required
def issue_one(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = IssueOneForm()
    if form.validate_on_submit():
        try:
            certificate = services.issue_one(enrolment, form.kind.data, form.reason.data, current_user)
        except RuleError as error:
            form.reason.errors.append(str(error))
        else:
            _render_new([certificate])
            db.session.commit()
            flash(_("Certificate %(code)s issued to %(name)s.", code=certificate.code, name=enrolment.user.name)
                  if certificate.status != PENDING else
                  _("The certificate of %(name)s is waiting for approval.", name=enrolment.user.name), "success")
            return _back_to(enrolment)
    return render_template("certificates/issue_one.html", enrolment=enrolment, form=form)


@bp.route("/admin/enrolments/<int:enrolment_id>/withhold", methods=["GET", "POST"])
@coordinator_required
def withhold(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = WithholdForm()
    if form.validate_on_submit():
        try:
            services.withhold(enrolment, form.reason.data, current_user)
        except RuleError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The certificate of %(name)s is withheld until you lift it.", name=enrolment.user.name),
                  "success")
            return _back_to(enrolment)
    return render_template("certificates/withhold.html", enrolment=enrolment, form=form)


@bp.post("/admin/enrolments/<int:enrolment_id>/lift-withholding")
@coordinator_required
def lift_withholding(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.lift_withholding(enrolment, current_user)
    except RuleError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The certificate of %(name)s is no longer withheld; “Issue due certificates” issues it if the "
                "outcome earns one.", name=enrolment.user.name), "success")
    return _back_to(enrolment)


@bp.get("/admin/cohorts/<int:cohort_id>/certificates.zip")
@coordinator_required
def cohort_zip(cohort_id: int):
    from lms.certificates.bundle import write_zip

    cohort = db.get_or_404(Cohort, cohort_id)
    archive, included, missing = write_zip(cohort)
    db.session.commit()  # the PDFs rendered on the way are recorded
    if missing:
        archive.close()
        flash(_("%(n)d PDFs could not be prepared; try again in a minute.", n=len(missing)), "error")
        return redirect(url_for("certificates.cohort_certificates", cohort_id=cohort.id))
    name = secure_filename(cohort.name) or f"cohort-{cohort.id}"
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"{name}-certificates.zip")
