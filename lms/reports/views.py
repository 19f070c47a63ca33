"""Reports on participants and attendance, per cohort and per period; each table as CSV too."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access import check_cohort_access, coordinator_required, staff_required
from lms.courses.models import PARTICIPANT_TYPES, Cohort, Programme
from lms.courses.services import RuleError, cohort_enrolments
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.reports import services
from lms.timeutil import utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    return cohort


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def _period() -> dict:
    today = utcnow().date()
    start = _day("start", date(today.year, 1, 1))
    end = _day("end", date(today.year, 12, 31))
    programme = request.args.get("programme", "")
    return {"start": start, "end": end, "programme": int(programme) if programme.isdigit() else None}


def _csv(table: services.Table, stem: str) -> Response:
    return Response(services.table_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{stem}-{table.key}.csv"'})


@bp.get("/cohorts/<int:cohort_id>")
@staff_required
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    report = services.build_report([cohort])
    return render_template("reports/report.html", report=report, cohort=cohort,
                           csv_url=lambda key: url_for("reports.cohort_csv", cohort_id=cohort.id, table=key))


def _table() -> str:
    """The table a CSV download asks for (?table=...); the first when none is named."""
    table = request.args.get("table", services.TABLES[0])
    if table not in services.TABLES:
        abort(404)
    return table


@bp.get("/cohorts/<int:cohort_id>/report.csv")
@staff_required
def cohort_csv(cohort_id: int):
    cohort = _cohort(cohort_id)
    table = _table()
    return _csv(services.build_report([cohort]).tables[table], f"cohort-{cohort.id}")


@bp.get("/period")
@staff_required
def period():
    params = _period()
    cohorts = services.period_cohorts(current_user, params["start"], params["end"], params["programme"])
    report = services.build_report(cohorts)
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.name)))
    query = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items() if v}
    return render_template("reports/report.html", report=report, cohort=None, params=params,
                           programmes=programmes,
                           csv_url=lambda key: url_for("reports.period_csv", table=key, **query))


@bp.get("/period/report.csv")
@staff_required
def period_csv():
    table = _table()
    params = _period()
    cohorts = services.period_cohorts(current_user, params["start"], params["end"], params["programme"])
    stem = f"period-{params['start'].isoformat()}-{params['end'].isoformat()}"
    return _csv(services.build_report(cohorts).tables[table], stem)


@bp.route("/cohorts/<int:cohort_id>/participants", methods=["GET", "POST"])
@coordinator_required
def participant_types(cohort_id: int):
    """The coordinator sets each enrolment's participant type (participant, speaker, organiser, observer)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolments = cohort_enrolments(cohort)
    form = ConfirmForm()
    if form.validate_on_submit():
        types = {e.id: request.form[f"type-{e.id}"] for e in enrolments if request.form.get(f"type-{e.id}")}
        try:
            changed = services.set_participant_types(cohort, types)
        except RuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("reports.participant_types", cohort_id=cohort.id)), 303
        db.session.commit()
        flash(_("Participant types saved (%(n)d changed).", n=changed), "success")
        return redirect(url_for("reports.participant_types", cohort_id=cohort.id))
    return render_template("reports/participant_types.html", cohort=cohort, enrolments=enrolments, form=form,
                           types=PARTICIPANT_TYPES, labels=services.participant_type_labels())
