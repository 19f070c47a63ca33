"""Trainers and coordinators: the grading queue, grading by question, statistics, extra time."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access import check_cohort_access, staff_required
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import RuleError, cohort_enrolments
from lms.exams import grading, services
from lms.exams.forms import ExtraTimeForm, GradeForm
from lms.exams.models import PRACTICE, AttemptQuestion, Exam, ExtraTime, Question
from lms.exams.review import review_for
from lms.exams.statistics import exam_statistics
from lms.extensions import db
from lms.forms import choices
from lms.markup import render_markdown

bp = Blueprint("grading", __name__)


@bp.get("/grading")
@staff_required
def queue():
    return render_template("exams/grading_queue.html", items=grading.grading_queue(current_user))


@bp.get("/grading/exams/<int:exam_id>/questions/<int:question_id>")
@staff_required
def by_question(exam_id: int, question_id: int):
    exam = db.get_or_404(Exam, exam_id)
    question = db.get_or_404(Question, question_id)
    if question.category_id not in {rule.category_id for rule in exam.rules}:
        abort(404)
    if not grading.may_see_programme(current_user, exam.programme_id):
        abort(403)
    show_all = request.args.get("all") == "1"
    answers = grading.answers_to_grade(current_user, exam, question, include_graded=show_all)
    forms = {}
    for slot in answers:
        form = GradeForm(prefix=f"a{slot.id}")
        if slot.score is not None and not form.is_submitted():
            form.points.data, form.feedback.data = slot.score, slot.feedback
        forms[slot.id] = form
    return render_template("exams/grade_question.html", exam=exam, question=question, answers=answers,
                           forms=forms, show_all=show_all, text=render_markdown(question.text),
                           guide=render_markdown(question.feedback))


@bp.post("/grading/answers/<int:slot_id>")
@staff_required
def grade(slot_id: int):
    slot = db.get_or_404(AttemptQuestion, slot_id)
    if not grading.may_grade(current_user, slot):
        abort(403)
    form = GradeForm(prefix=f"a{slot.id}")
    back = url_for("grading.by_question", exam_id=slot.attempt.exam_id, question_id=slot.question_id,
                   all=request.args.get("all"))
    if not form.validate_on_submit():
        flash(_("Enter the points as a number."), "error")
        return redirect(back)
    try:
        grading.grade_answer(slot, float(form.points.data), form.feedback.data or "", current_user,
                             form.reason.data or "")
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Grade saved for answer %(ref)s.", ref=answer_ref(slot)), "success")
    return redirect(back)


def answer_ref(slot: AttemptQuestion) -> str:
    """An anonymous reference for an answer in the grading views: no names, no addresses."""
    return f"#{slot.attempt_id}-{slot.position}"


@bp.app_template_filter("answer_ref")
def answer_ref_filter(slot):
    return answer_ref(slot)


@bp.get("/cohorts/<int:cohort_id>/exams/<int:exam_id>/statistics")
@staff_required
def statistics(cohort_id: int, exam_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    exam = db.get_or_404(Exam, exam_id)
    if exam.programme_id != cohort.programme_id:
        abort(404)
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
    return render_template("exams/statistics.html", cohort=cohort, exam=exam, stats=exam_statistics(exam, ids))


@bp.get("/cohorts/<int:cohort_id>/exams")
@staff_required
def cohort_exams(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    exams = list(db.session.scalars(select(Exam).where(Exam.programme_id == cohort.programme_id,
                                                       Exam.kind != PRACTICE).order_by(Exam.kind.desc())))
    return render_template("exams/cohort_exams.html", cohort=cohort, exams=exams)


@bp.route("/cohorts/<int:cohort_id>/exams/<int:exam_id>/extra-time", methods=["GET", "POST"])
@staff_required
def extra_time(cohort_id: int, exam_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    exam = db.get_or_404(Exam, exam_id)
    if exam.programme_id != cohort.programme_id:
        abort(404)
    enrolments = cohort_enrolments(cohort)
    form = ExtraTimeForm()
    form.enrolment_id.choices = choices((str(e.id), e.user.name) for e in enrolments)
    if form.validate_on_submit():
        enrolment = next(e for e in enrolments if e.id == form.enrolment_id.data)
        services.set_extra_time(exam, enrolment, form.minutes.data)
        db.session.commit()
        flash(_("Extra time for %(name)s: %(n)d minutes.", name=enrolment.user.name, n=form.minutes.data), "success")
        return redirect(url_for("grading.extra_time", cohort_id=cohort.id, exam_id=exam.id))
    current = {row.enrolment_id: row.minutes for row in db.session.scalars(
        select(ExtraTime).where(ExtraTime.exam_id == exam.id))}
    return render_template("exams/extra_time.html", cohort=cohort, exam=exam, form=form, enrolments=enrolments,
                           current=current)


__all__ = ["bp", "review_for"]
