"""Coordinator screens for question banks and exam settings."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.access import coordinator_required
from lms.courses.models import Module, Programme
from lms.courses.services import RuleError
from lms.exams import bank_services as bank
from lms.exams.bank_forms import (
    EXAM_KIND_LABELS,
    QUESTION_TYPE_LABELS,
    QuestionImportForm,
    exam_settings_form,
    new_exam_form,
    question_form,
)
from lms.exams.models import ESSAY, TRUEFALSE, Exam, Question
from lms.exams.moodle import export_moodle_xml, import_questions
from lms.extensions import db
from lms.markup import render_markdown

bp = Blueprint("bank", __name__, url_prefix="/admin")

EXAM_FIELDS = ("title", "time_limit_minutes", "attempts_allowed", "pass_mark", "shuffle_questions",
               "shuffle_options", "review_responses", "review_marks", "review_answers", "review_feedback")


# ---- the bank ---------------------------------------------------------------------------------


@bp.get("/programmes/<int:programme_id>/questions")
@coordinator_required
def questions(programme_id: int):
    return _render_bank(db.get_or_404(Programme, programme_id))


def _render_bank(programme: Programme, import_form=None, exam_form=None, import_errors=None, status=200):
    summaries = bank.bank(programme)
    return render_template(
        "admin/bank/bank.html", programme=programme, bank=summaries,
        question_count=sum(len(s.questions) for s in summaries),
        exams=bank.programme_exams(programme), import_form=import_form or QuestionImportForm(prefix="import"),
        exam_form=exam_form or new_exam_form(programme), import_errors=import_errors or [],
        TYPES=QUESTION_TYPE_LABELS, KINDS=EXAM_KIND_LABELS,
    ), status


@bp.post("/programmes/<int:programme_id>/questions/import")
@coordinator_required
def import_bank(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = QuestionImportForm(prefix="import")
    if not form.validate_on_submit():
        return _render_bank(programme, import_form=form, status=400)
    upload = form.file.data
    result = bank.read_question_file(upload.filename or "", upload.read())
    try:
        count = import_questions(programme, result)
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_bank(programme, import_form=form, import_errors=result.errors, status=400)
    db.session.commit()
    flash(ngettext("%(num)d question imported.", "%(num)d questions imported.", count), "success")
    return redirect(url_for("bank.questions", programme_id=programme.id))


@bp.get("/programmes/<int:programme_id>/questions/export")
@coordinator_required
def export_bank(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    data = export_moodle_xml(bank.programme_questions(programme))
    filename = f"questions-programme-{programme.id}.xml"
    return Response(data, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---- one question -----------------------------------------------------------------------------


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_question(question_id: int):
    question = db.get_or_404(Question, question_id)
    form = question_form(question)
    rows = bank.rows_from_form(question, request.form) if form.is_submitted() else bank.current_rows(question)
    problems: dict[str, list[str]] = {}
    if form.validate_on_submit():
        changes = bank.QuestionChanges(
            name=form.name.data, text=form.text.data, points=form.points.data, feedback=form.feedback.data or "",
            explanation=form.explanation.data or "", active=form.active.data,
            scoring=form.scoring.data if form.scoring else None,
            tolerance=form.tolerance.data if form.tolerance else None, options=rows)
        try:
            regraded = bank.update_question(question, changes, current_user, form.reason.data or "")
        except bank.Problems as error:
            db.session.rollback()
            problems = error.problems
            for name in ("points", "tolerance", "reason"):
                if name in problems and getattr(form, name, None) is not None:
                    getattr(form, name).errors = [*getattr(form, name).errors, *problems.pop(name)]
        else:
            db.session.commit()
            flash(_("Question “%(name)s” saved.", name=question.name), "success")
            if regraded is not None:
                flash(ngettext("%(num)d answer was regraded.", "%(num)d answers were regraded.", regraded), "info")
            return redirect(url_for("bank.questions", programme_id=question.category.programme_id) +
                            f"#category-{question.category_id}")
    status = 400 if form.is_submitted() else 200
    if all(row.option_id is not None for row in rows) and question.qtype not in (TRUEFALSE, ESSAY):
        rows.append(bank.OptionRow(None, ""))  # the empty row for one more option
    return render_template(
        "admin/bank/question_form.html", form=form, question=question, rows=rows, problems=problems,
        option_problems=problems.get("options", []), answered=bank.submitted_answers(question),
        preview=render_markdown(question.text), TYPES=QUESTION_TYPE_LABELS,
    ), status


# ---- exams ------------------------------------------------------------------------------------


@bp.post("/programmes/<int:programme_id>/exams/new")
@coordinator_required
def new_exam(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = new_exam_form(programme)
    if form.validate_on_submit():
        module = db.session.get(Module, form.module_id.data) if form.module_id.data else None
        try:
            exam = bank.create_exam(programme, form.kind.data, module, form.title.data or "")
        except RuleError as error:
            db.session.rollback()
            form.kind.errors = [*form.kind.errors, str(error)]
        else:
            db.session.commit()
            flash(_("“%(title)s” created. Choose how many questions it draws.", title=exam.title), "success")
            return redirect(url_for("bank.edit_exam", exam_id=exam.id))
    return _render_bank(programme, exam_form=form, status=400)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_exam(exam_id: int):
    exam = db.get_or_404(Exam, exam_id)
    form = exam_settings_form(exam)
    rule_rows = bank.rule_rows(exam)
    problems: dict[str, list[str]] = {}
    if form.is_submitted():
        posted = {str(row.category.id): request.form.get(f"rule-{row.category.id}", "") for row in rule_rows}
        valid = form.validate_on_submit()
        try:
            counts = bank.read_rule_counts(exam, request.form)
        except bank.Problems as error:
            problems = error.problems
        else:
            if valid:
                for name in EXAM_FIELDS:
                    field = getattr(form, name, None)
                    if field is not None:
                        setattr(exam, name, field.data)
                exam.title = exam.title.strip()
                bank.save_rules(exam, counts)
                db.session.commit()
                flash(_("Settings of “%(title)s” saved.", title=exam.title), "success")
                return redirect(url_for("bank.questions", programme_id=exam.programme_id))
        return _render_exam(exam, form, rule_rows, problems, posted, 400)
    return _render_exam(exam, form, rule_rows, problems, {str(r.category.id): str(r.count) for r in rule_rows})


def _render_exam(exam, form, rule_rows, problems, values, status=200):
    return render_template(
        "admin/bank/exam_form.html", exam=exam, form=form, rule_rows=rule_rows, problems=problems,
        values=values, KINDS=EXAM_KIND_LABELS,
    ), status
