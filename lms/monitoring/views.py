"""The cohort dashboard for trainers and coordinators: who is behind, at a glance; its CSV; the overview."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.access import check_cohort_access, staff_required
from lms.courses.models import Cohort
from lms.courses.services import current_week
from lms.extensions import db
from lms.monitoring import dashboard as services
from lms.monitoring.charts import progress_by_week_svg, score_distribution_svg
from lms.pipeline.outcome import OUTCOME_LABELS, programme_stages

bp = Blueprint("monitoring", __name__)


@bp.app_template_filter("monitoring_pct")
def percent_filter(value: float | None) -> str:
    """73.333 -> "73.3 %", 100.0 -> "100 %", None -> "—"."""
    return "—" if value is None else f"{round(value, 1):g} %"


def _table_labels() -> dict:
    """The words and badges of the table, translated once per page rather than once per trainee."""
    def badge(css: str, text: str) -> Markup:
        return Markup(' <span class="badge {}">{}</span>').format(css, text)

    return {
        "none": Markup('<span class="muted">—</span>'),
        "passed": badge("badge-done", _("passed")),
        "failed": badge("badge-closed", _("not passed")),
        "disagree": badge("badge-closed", _("markers disagree")),
        "waiting": badge("badge-open", _("waiting for grading")),
        "behind": _("behind"),
        "days_marked": _("days marked"),
        "why": _("Why"),
        "outcomes": {status: Markup('<span class="badge outcome outcome-{}">{}</span>').format(
            status.replace("_", "-"), label) for status, label in OUTCOME_LABELS.items()},
    }


def _params(sort_keys) -> dict:
    """The sort and filter of the request, cleaned: unknown values fall back to the defaults."""
    sort = request.args.get("sort", "name")
    outcome = request.args.get("outcome", "")
    return {
        "sort": sort if sort in sort_keys else "name",
        "desc": request.args.get("desc") == "1",
        "outcome": outcome if outcome in OUTCOME_LABELS else "",
        "at_risk": request.args.get("at_risk") == "1",
        "q": request.args.get("q", "").strip()[:100],
    }


def _shown(rows, params: dict):
    rows = services.filter_rows(rows, outcome=params["outcome"] or None, at_risk=params["at_risk"],
                                search=params["q"])
    return services.sort_rows(rows, params["sort"], params["desc"])


def _query(params: dict, **changes) -> dict:
    """URL arguments for a link that keeps the current sort and filter, but for `changes`; defaults left out."""
    merged = {**params, **changes}
    args = {"sort": merged["sort"] if merged["sort"] != "name" else None,
            "desc": "1" if merged["desc"] else None,
            "outcome": merged["outcome"] or None,
            "at_risk": "1" if merged["at_risk"] else None,
            "q": merged["q"] or None}
    return {k: v for k, v in args.items() if v is not None}


def _load(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    return cohort


@bp.get("/cohorts/<int:cohort_id>/dashboard")
@staff_required
def dashboard(cohort_id: int):
    cohort = _load(cohort_id)
    stages = programme_stages(cohort.programme_id)
    stage_columns = services.stage_columns(stages)
    params = _params(services.sort_keys(stage_columns))
    rows = services.cohort_dashboard(cohort, stages=stages)
    shown = _shown(rows, params)
    weeks = max((len(r.weeks) for r in rows), default=0)
    charts = [progress_by_week_svg(rows, weeks)] if weeks else []
    charts += [  # SVG built by our code with every text escaped; the template marks it safe
        score_distribution_svg([r.results[c.key].percent for r in rows],
                               _("%(stage)s: best scores", stage=c.title))
        for c in stage_columns if c.scored]
    summary = services.summarise(cohort, rows)
    columns = [("name", _("Trainee")), *[(c.key, c.title) for c in stage_columns], ("outcome", _("Outcome")),
               ("risk", _("At risk"))]
    return render_template(
        "monitoring/dashboard.html", cohort=cohort, rows=shown, all_rows=rows, summary=summary,
        params=params, query=lambda **changes: _query(params, **changes), columns=columns, charts=charts,
        weeks=weeks, outcome_labels=[(k, str(OUTCOME_LABELS[k])) for k in services.OUTCOME_ORDER],
        at_risk_rows=[r for r in services.sort_rows(rows, "risk", descending=True) if r.risks],
        shown_ids={r.enrolment_id for r in shown}, stage_keys={c.key for c in stage_columns},
        current_week=current_week(cohort), t=_table_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/dashboard.csv")
@staff_required
def dashboard_csv(cohort_id: int):
    cohort = _load(cohort_id)
    stages = programme_stages(cohort.programme_id)
    rows = _shown(services.cohort_dashboard(cohort, stages=stages),
                  _params(services.sort_keys(services.stage_columns(stages))))
    return Response(
        services.dashboard_csv(rows, cohort, stages),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="cohort-{cohort.id}-dashboard.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/dashboard")
@staff_required
def overview():
    summaries = services.overview(current_user)
    return render_template(
        "monitoring/overview.html", summaries=summaries,
        outcome_labels=[(k, str(OUTCOME_LABELS[k])) for k in services.OUTCOME_ORDER],
    )
