"""Taking exams: the exam page, attempts with autosave, submission and the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_monitor_cohort
from lms.courses.models import Cohort
from lms.courses.services import RuleError, find_enrolment
from lms.exams import services
from lms.exams.gates import exam_gate
from lms.exams.models import MATCHING, MULTI, Exam, ExamAttempt
from lms.exams.review import review_for
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.markup import render_markdown

bp = Blueprint("exams", __name__)


def _own_attempt(attempt_id: int) -> ExamAttempt:
    attempt = db.get_or_404(ExamAttempt, attempt_id)
    if attempt.enrolment.user_id != current_user.id:
        abort(403)
    return attempt


@bp.get("/cohorts/<int:cohort_id>/exams/<int:exam_id>")
@login_required
def exam(cohort_id: int, exam_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    exam = db.get_or_404(Exam, exam_id)
    if exam.programme_id != cohort.programme_id:
        abort(404)
    enrolment = find_enrolment(cohort, current_user)
    if enrolment is None:
        abort(403)
    attempts = [a for a in _attempts(exam, enrolment)]
    for attempt in attempts:
        services.close_if_expired(attempt)
    db.session.commit()
    return render_template("exams/exam.html", cohort=cohort, exam=exam, gate=exam_gate(enrolment, exam),
                           attempts=attempts, form=ConfirmForm(),
                           extra=services.extra_minutes(exam, enrolment))


def _attempts(exam, enrolment):
    from sqlalchemy import select

    return db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.exam_id == exam.id, ExamAttempt.enrolment_id == enrolment.id).order_by(ExamAttempt.number))


@bp.post("/cohorts/<int:cohort_id>/exams/<int:exam_id>/start")
@login_required
def start(cohort_id: int, exam_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    exam = db.get_or_404(Exam, exam_id)
    enrolment = find_enrolment(cohort, current_user)
    if enrolment is None or exam.programme_id != cohort.programme_id:
        abort(403)
    try:
        attempt = services.start_attempt(exam, enrolment)
    except RuleError as error:
        db.session.commit()  # an attempt closed on the way is kept closed
        flash(str(error), "error")
        return redirect(url_for("exams.exam", cohort_id=cohort.id, exam_id=exam.id))
    db.session.commit()
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if services.close_if_expired(attempt):
        db.session.commit()
        flash(_("The time ran out; your attempt was submitted with the answers saved before."), "info")
    if not attempt.is_open:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    services.with_slots(attempt)
    options = {slot.id: _shown_options(slot) for slot in attempt.slots}
    texts = {slot.id: render_markdown(slot.question.text) for slot in attempt.slots}
    return render_template("exams/attempt.html", attempt=attempt, options=options, texts=texts,
                           seconds_left=services.seconds_left(attempt), MULTI=MULTI, MATCHING=MATCHING)


def _shown_options(slot):
    """The options in the order this attempt shows them: text and id only, never whether they are right."""
    question = slot.question
    if question.qtype == MATCHING:
        return {"prompts": [(o.id, o.text) for o in question.options], "answers": list(slot.option_order)}
    by_id = {o.id: o for o in question.options}
    order = slot.option_order or list(by_id)
    return [(oid, by_id[oid].text) for oid in order if oid in by_id]


def _response_from_form(slot, form) -> dict:
    key = f"q{slot.id}"
    qtype = slot.question.qtype
    if qtype in ("single", "truefalse"):
        return {"choice": form.get(key)}
    if qtype == MULTI:
        return {"choices": form.getlist(key)}
    if qtype == MATCHING:
        return {"pairs": {str(o.id): form.get(f"{key}-{o.id}", "") for o in slot.question.options}}
    return {"text": form.get(key, "")}


def _slot_id(value) -> int | None:
    """A question slot id as the page's script sends it: a whole number or a string of digits, else None.
    Booleans, fractions, exponents ("1e400") and nested objects are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return None


def _unreadable(attempt: ExamAttempt):
    return jsonify({"ok": False, "error": _("The answer could not be read."), "open": attempt.is_open}), 400


@bp.post("/attempts/<int:attempt_id>/answer")
@login_required
def autosave(attempt_id: int):
    """One answer, sent by the page's script whenever it changes."""
    attempt = _own_attempt(attempt_id)
    payload = request.get_json(silent=True)
    slot_id = _slot_id(payload.get("slot")) if isinstance(payload, dict) else None
    if slot_id is None:
        return _unreadable(attempt)
    try:
        slot = services.save_answer(attempt, slot_id, payload.get("response") or {})
    except RuleError as error:
        db.session.commit()
        return jsonify({"ok": False, "error": str(error), "open": attempt.is_open}), 409
    except (TypeError, ValueError, OverflowError):
        # A malformed answer the checks did not foresee: Python's own words never reach the client.
        db.session.rollback()
        return _unreadable(attempt)
    reply = {"ok": True, "saved_at": slot.saved_at.isoformat() + "Z", "seconds_left": services.seconds_left(attempt)}
    db.session.commit()  # read before the commit expires them: no reloads after it
    return jsonify(reply)


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    """The whole form, for browsers without JavaScript: Save keeps the answers, Submit hands in."""
    attempt = _own_attempt(attempt_id)
    submitting = "submit" in request.form
    services.with_slots(attempt)
    try:
        for slot in attempt.slots:
            services.save_answer(attempt, slot.id, _response_from_form(slot, request.form))
    except RuleError as error:
        db.session.commit()
        flash(str(error), "error")
        return redirect(url_for("exams.attempt", attempt_id=attempt.id))
    if submitting:
        services.submit_attempt(attempt)
        db.session.commit()
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.submit_attempt(attempt)
    db.session.commit()
    return redirect(url_for("exams.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = db.get_or_404(ExamAttempt, attempt_id)
    own = attempt.enrolment.user_id == current_user.id
    if not own and not can_monitor_cohort(current_user, attempt.enrolment.cohort):
        abort(403)
    if services.close_if_expired(attempt):
        db.session.commit()
    if attempt.is_open:
        return redirect(url_for("exams.attempt", attempt_id=attempt.id))
    return render_template("exams/result.html", attempt=attempt,
                           review=review_for(services.with_slots(attempt), staff=not own),
                           cohort=attempt.enrolment.cohort)
