"""Distance learning for trainees (and a preview for their trainers): modules, lessons, resources."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_monitor_cohort, check_cohort_access, staff_required
from lms.courses import calendar, services
from lms.courses import resources as resource_files
from lms.courses.models import Cohort, Lesson, Module, Resource
from lms.exams.gates import practice_quiz
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.markup import render_markdown
from lms.urls import external_url

bp = Blueprint("courses", __name__)


def _load_for_learning(cohort_id: int, module: Module):
    """The cohort and the viewer's enrolment (None for staff). 404/403 for anyone else or a locked module."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if module.programme_id != cohort.programme_id:
        abort(404)
    enrolment = services.find_enrolment(cohort, current_user)
    if enrolment is None:
        if not can_monitor_cohort(current_user, cohort):
            abort(403)
        return cohort, None
    return cohort, enrolment


@bp.get("/cohorts/<int:cohort_id>/modules/<int:module_id>")
@login_required
def module(cohort_id: int, module_id: int):
    module = db.get_or_404(Module, module_id)
    cohort, enrolment = _load_for_learning(cohort_id, module)
    progress = services.enrolment_progress(enrolment) if enrolment else None
    is_open = services.is_module_open(cohort, module)
    quiz = practice_quiz(module) if enrolment else None
    return render_template(
        "courses/module.html", cohort=cohort, module=module, progress=progress, is_open=is_open, quiz=quiz,
        opens_on=services.module_opens_on(cohort, module), summary=render_markdown(module.summary),
    )


@bp.get("/cohorts/<int:cohort_id>/lessons/<int:lesson_id>")
@login_required
def lesson(cohort_id: int, lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    cohort, enrolment = _load_for_learning(cohort_id, lesson.module)
    if enrolment and not services.is_module_open(cohort, lesson.module):
        return redirect(url_for("courses.module", cohort_id=cohort.id, module_id=lesson.module_id))
    progress = services.enrolment_progress(enrolment) if enrolment else None
    lessons = lesson.module.lessons
    index = lessons.index(lesson)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    return render_template(
        "courses/lesson.html", cohort=cohort, lesson=lesson, module=lesson.module, progress=progress,
        body=render_markdown(lesson.body_md), following=following, form=ConfirmForm(),
        done=bool(progress and lesson.id in progress.done_lessons),
    )


@bp.post("/cohorts/<int:cohort_id>/lessons/<int:lesson_id>/done")
@login_required
def mark_done(cohort_id: int, lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    cohort, enrolment = _load_for_learning(cohort_id, lesson.module)
    if enrolment is None:
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.mark_lesson_done(enrolment, lesson)
    except services.RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("courses.module", cohort_id=cohort.id, module_id=lesson.module_id))
    db.session.commit()
    flash(_("“%(title)s” marked as done.", title=lesson.title), "success")
    lessons = lesson.module.lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return redirect(url_for("courses.lesson", cohort_id=cohort.id, lesson_id=lessons[index + 1].id))
    return redirect(url_for("courses.module", cohort_id=cohort.id, module_id=lesson.module_id))


@bp.get("/cohorts/<int:cohort_id>/resources/<int:resource_id>")
@login_required
def resource(cohort_id: int, resource_id: int):
    item = db.get_or_404(Resource, resource_id)
    cohort, enrolment = _load_for_learning(cohort_id, item.module)
    if enrolment and not services.is_module_open(cohort, item.module):
        abort(403)
    if not item.is_file:
        return redirect(item.url)
    path = resource_files.resource_path(item)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.filename)


@bp.get("/cohorts/<int:cohort_id>/progress")
@staff_required
def cohort_progress(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    progress = services.cohort_progress(cohort)
    enrolments = services.cohort_enrolments(cohort)
    return render_template("courses/cohort_progress.html", cohort=cohort, progress=progress,
                           enrolments=enrolments, current_week=services.current_week(cohort))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The cohort calendar for calendar apps; the signed token is the only key."""
    cohort = calendar.cohort_from_token(token)
    if cohort is None:
        abort(404)
    body = calendar.cohort_ics(cohort)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="cohort-{cohort.id}.ics"'
    return response


@bp.route("/cohorts/<int:cohort_id>/calendar/reset", methods=["GET", "POST"])
@staff_required
def reset_calendar_link(cohort_id: int):
    """Asks first, then gives the cohort a new calendar address (a link shared too widely, say)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    form = ConfirmForm()
    if form.validate_on_submit():
        calendar.reset_feed(cohort)
        db.session.commit()
        flash(_("The calendar link has been reset; links given out before no longer work."), "success")
        return redirect(url_for("courses.cohort_progress", cohort_id=cohort.id))
    return render_template(
        "confirm.html", form=form, question=_("Reset the calendar link of %(cohort)s?", cohort=cohort.name),
        warning=_("Calendars subscribed to the current link, trainees' and trainers' alike, stop updating. "
                  "Everyone finds the new link on their home page."),
        button=_("Reset calendar link"), back=url_for("courses.cohort_progress", cohort_id=cohort.id),
    )


@bp.app_template_global()
def calendar_url(cohort: Cohort) -> str:
    return external_url("courses.calendar_feed", token=calendar.feed_token(cohort))
