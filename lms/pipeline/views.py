"""The coordinator's pipeline editor: a programme's stages, their order and rules, a preview of the participant's
timeline; and one cohort's dates for each stage. Handlers load, check access, call a service and render."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.access import coordinator_required
from lms.courses.models import Cohort, Programme
from lms.courses.services import RuleError
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.pipeline import services
from lms.pipeline.forms import MoveForm, StageForm, kind_label, rule_text, stage_dates_form
from lms.pipeline.models import ProgrammeStage
from lms.pipeline.registry import kind_of, stage_title
from lms.timeutil import today

bp = Blueprint("pipeline", __name__, url_prefix="/admin")


def _ordered(programme) -> list[ProgrammeStage]:
    return sorted(programme.stages, key=lambda s: s.position)


def _stage_or_404(programme_id: int, stage_id: int) -> ProgrammeStage:
    stage = db.get_or_404(ProgrammeStage, stage_id)
    if stage.programme_id != programme_id:
        abort(404)
    return stage


def _preview(programme) -> list[dict]:
    """What a participant of a cohort starting today sees: each stage's title, dates and gate, in order."""
    start, stages = today(), _ordered(programme)
    by_key = {s.key: s for s in stages}
    rows = []
    for stage in stages:
        opens = start + timedelta(days=stage.offset_days or 0)
        earlier = [f"“{stage_title(by_key[k])}”" for k in stage.after or [] if k in by_key]
        gate = _("Opens after passing %(stages)s.", stages=", ".join(earlier)) if earlier else _("Opens on its date.")
        rows.append({"title": stage_title(stage), "kind": kind_label(stage.kind), "opens": opens,
                     "closes": opens + timedelta(days=max(stage.length_days or 1, 1) - 1), "gate": gate,
                     "required": stage.required})
    return rows


def _rows(programme) -> list[dict]:
    stages = _ordered(programme)
    titles = {s.key: stage_title(s) for s in stages}
    return [{"stage": s, "title": stage_title(s), "kind": kind_label(s.kind),
             "after": [titles.get(k, k) for k in s.after or []],
             "rule": rule_text(services.pass_figure(s.kind), services.pass_value(s))} for s in stages]


@bp.get("/programmes/<int:programme_id>/pipeline")
@coordinator_required
def stages(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    return render_template("pipeline/stages.html", programme=programme, rows=_rows(programme),
                           preview=_preview(programme), start=today(), move=MoveForm(),
                           legacy=services.follows_legacy_calendar(programme))


@bp.route("/programmes/<int:programme_id>/pipeline/new", methods=["GET", "POST"])
@coordinator_required
def new_stage(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = StageForm()
    form.set_choices(_ordered(programme))
    if request.method == "GET":
        form.kind.data = "sessions"
    if form.validate_on_submit():
        try:
            stage = services.add_stage(programme, form.stage_data())
        except RuleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Stage “%(stage)s” added.", stage=stage_title(stage)), "success")
            return redirect(url_for("pipeline.stages", programme_id=programme.id))
    return render_template("pipeline/stage_form.html", form=form, programme=programme, stage=None, fixed=False)


@bp.route("/programmes/<int:programme_id>/pipeline/<int:stage_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_stage(programme_id: int, stage_id: int):
    stage = _stage_or_404(programme_id, stage_id)
    programme = stage.programme
    fixed = kind_of(stage).has_results(stage)
    form = StageForm()
    form.set_choices([s for s in _ordered(programme) if s.position < stage.position])
    if request.method == "GET":
        form.fill(stage)
    elif fixed:  # the disabled inputs send nothing
        form.key.data, form.kind.data = stage.key, stage.kind
    if form.validate_on_submit():
        try:
            services.update_stage(stage, form.stage_data())
        except RuleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Stage “%(stage)s” saved.", stage=stage_title(stage)), "success")
            return redirect(url_for("pipeline.stages", programme_id=programme.id))
    return render_template("pipeline/stage_form.html", form=form, programme=programme, stage=stage, fixed=fixed)


@bp.post("/programmes/<int:programme_id>/pipeline/<int:stage_id>/move")
@coordinator_required
def move_stage(programme_id: int, stage_id: int):
    stage = _stage_or_404(programme_id, stage_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.move_stage(stage, form.direction.data)
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("“%(stage)s” moved.", stage=stage_title(stage)), "success")
    return redirect(url_for("pipeline.stages", programme_id=programme_id))


@bp.route("/programmes/<int:programme_id>/pipeline/<int:stage_id>/remove", methods=["GET", "POST"])
@coordinator_required
def remove_stage(programme_id: int, stage_id: int):
    stage = _stage_or_404(programme_id, stage_id)
    back = url_for("pipeline.stages", programme_id=programme_id)
    problem = services.removal_problem(stage)
    if problem:
        flash(problem, "error")
        return redirect(back)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = stage_title(stage)
        services.remove_stage(stage)
        db.session.commit()
        flash(_("Stage “%(stage)s” removed.", stage=title), "success")
        return redirect(back)
    return render_template(
        "confirm.html", form=form, question=_("Remove the stage “%(stage)s”?", stage=stage_title(stage)),
        warning=" ".join([_("Its dates in every cohort are removed too. Nobody has results in it yet.")] + (
            [_("The fallback award (a certificate of attendance or participation) will no longer ask for it.")]
            if services.in_fallback_rule(stage) else [])),
        button=_("Remove stage"), back=back)


@bp.route("/cohorts/<int:cohort_id>/stage-dates", methods=["GET", "POST"])
@coordinator_required
def stage_dates(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    rows = services.stage_dates(cohort)
    legacy = services.follows_legacy_calendar(cohort.programme)
    form = stage_dates_form(rows)
    problems: dict[int, str] = {}
    if not legacy and form.validate_on_submit():
        dates = {stage.id: (form[f"opens_{stage.id}"].data, form[f"closes_{stage.id}"].data)
                 for stage, _o, _c in rows}
        try:
            services.set_stage_dates(cohort, dates)
        except services.StageDatesError as error:
            db.session.rollback()
            problems = error.problems
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Stage dates of %(cohort)s saved.", cohort=cohort.name), "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    elif form.errors:
        flash(_("Please correct the marked dates; nothing was saved."), "error")
    return render_template("pipeline/stage_dates.html", cohort=cohort, rows=rows, form=form, problems=problems,
                           legacy=legacy, stage_title=stage_title), 400 if request.method == "POST" else 200
