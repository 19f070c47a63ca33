"""The intensive for trainers (sessions, attendance, check-in codes, practical scores) and trainees (check-in)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.access import check_cohort_access, staff_required
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import RuleError, cohort_enrolments, find_enrolment
from lms.extensions import db, limiter
from lms.forms import ConfirmForm
from lms.intensive import services
from lms.intensive.forms import CheckInForm, PracticalCommentForm, SessionForm
from lms.intensive.models import Attendance, IntensiveSession, PracticalScore
from lms.qr import qr_svg
from lms.timeutil import utcnow
from lms.urls import external_url

bp = Blueprint("intensive", __name__)


def _staff_cohort(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    check_cohort_access(cohort)
    return cohort


def _session(cohort: Cohort, day: int) -> IntensiveSession:
    services.ensure_sessions(cohort)
    session = db.session.scalar(select(IntensiveSession).where(IntensiveSession.cohort_id == cohort.id,
                                                               IntensiveSession.day_number == day))
    if session is None:
        abort(404)
    return session


@bp.get("/cohorts/<int:cohort_id>/intensive")
@staff_required
def overview(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    sessions = services.ensure_sessions(cohort)
    db.session.commit()
    return render_template("intensive/overview.html", cohort=cohort, sessions=sessions,
                           enrolments=cohort_enrolments(cohort), attendance=services.cohort_attendance(cohort),
                           practicals=services.practical_results(cohort), today=utcnow().date(),
                           topic_of=services.session_topic)


@bp.route("/cohorts/<int:cohort_id>/intensive/<int:day>/edit", methods=["GET", "POST"])
@staff_required
def edit_session(cohort_id: int, day: int):
    cohort = _staff_cohort(cohort_id)
    session = _session(cohort, day)
    form = SessionForm(obj=session)
    if request.method == "GET":
        form.topic.data = services.session_topic(session)  # not the day's label as if it were a topic
    if form.validate_on_submit():
        session.topic, session.venue, session.online_link = form.topic.data, form.venue.data or "", \
            form.online_link.data or ""
        db.session.commit()
        flash(_("Day %(n)d saved.", n=day), "success")
        return redirect(url_for("intensive.overview", cohort_id=cohort.id))
    db.session.commit()
    return render_template("intensive/session_form.html", cohort=cohort, session=session, form=form)


@bp.route("/cohorts/<int:cohort_id>/intensive/<int:day>/attendance", methods=["GET", "POST"])
@staff_required
def attendance(cohort_id: int, day: int):
    cohort = _staff_cohort(cohort_id)
    session = _session(cohort, day)
    enrolments = cohort_enrolments(cohort)
    form = ConfirmForm()
    if form.validate_on_submit():
        marks = {}
        for enrolment in enrolments:
            status = request.form.get(f"status-{enrolment.id}")
            if status:
                marks[enrolment.id] = (status, request.form.get(f"note-{enrolment.id}", ""))
        try:
            count = services.mark_attendance(session, marks, current_user)
        except RuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("intensive.attendance", cohort_id=cohort.id, day=day))
        db.session.commit()
        flash(_("Attendance for day %(n)d saved (%(count)d trainees).", n=day, count=count), "success")
        return redirect(url_for("intensive.attendance", cohort_id=cohort.id, day=day))
    marked = {a.enrolment_id: a for a in db.session.scalars(select(Attendance).where(
        Attendance.session_id == session.id))}
    db.session.commit()
    return render_template("intensive/attendance.html", cohort=cohort, session=session, enrolments=enrolments,
                           marked=marked, form=form, statuses=services.MARK_CHOICES, choice_of=services.mark_choice,
                           not_yet=session.on > utcnow().date(), topic_of=services.session_topic)


@bp.post("/cohorts/<int:cohort_id>/intensive/<int:day>/checkin-toggle")
@staff_required
def toggle_checkin(cohort_id: int, day: int):
    cohort = _staff_cohort(cohort_id)
    session = _session(cohort, day)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not session.checkin_open and session.on != utcnow().date():
        flash(_("Self check-in can only be opened on the day of the session."), "error")
    else:
        session.checkin_open = not session.checkin_open
    db.session.commit()
    target = "intensive.checkin_display" if session.checkin_open else "intensive.attendance"
    return redirect(url_for(target, cohort_id=cohort.id, day=day))


@bp.get("/cohorts/<int:cohort_id>/intensive/<int:day>/checkin")
@staff_required
def checkin_display(cohort_id: int, day: int):
    """The code and QR the trainer shows on the screen; it changes every 30 seconds."""
    cohort = _staff_cohort(cohort_id)
    session = _session(cohort, day)
    code = services.checkin_code(session)
    link = external_url("intensive.checkin", cohort_id=cohort.id, day=day, code=code)
    db.session.commit()
    return render_template("intensive/checkin_display.html", cohort=cohort, session=session, code=code,
                           qr=qr_svg(link, _("Check-in code"), scale=7), seconds=services.checkin_seconds_left(),
                           form=ConfirmForm())


def _checkin_key() -> str:
    return f"checkin:{current_user.id}"


@bp.route("/cohorts/<int:cohort_id>/checkin", methods=["GET", "POST"])
@login_required
# Per account and counting only wrong codes: a whole room behind one venue address can check in.
@limiter.limit("10 per minute", methods=["POST"], key_func=_checkin_key, deduct_when=lambda r: r.status_code != 302)
def checkin(cohort_id: int):
    """A trainee enters (or scans) the code shown in the room to mark themselves present today."""
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolment = find_enrolment(cohort, current_user)
    if enrolment is None:
        abort(403)
    today = utcnow().date()
    session = next((s for s in services.ensure_sessions(cohort) if s.on == today), None)
    form = CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if session is not None and form.validate_on_submit():
        try:
            services.self_check_in(session, enrolment, form.code.data, online=form.where.data == "online")
        except RuleError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("You are checked in for day %(n)d. Welcome!", n=session.day_number), "success")
            return redirect(url_for("main.home"))
    db.session.commit()
    return render_template("intensive/checkin.html", cohort=cohort, session=session, form=form,
                           mode=services.session_mode(session) if session else None)


@bp.get("/cohorts/<int:cohort_id>/practical")
@staff_required
def practical(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    return render_template("intensive/practical.html", cohort=cohort, enrolments=cohort_enrolments(cohort),
                           results=services.practical_results(cohort), criteria=services.rubric(cohort.programme))


@bp.route("/cohorts/<int:cohort_id>/practical/<int:enrolment_id>", methods=["GET", "POST"])
@staff_required
def score(cohort_id: int, enrolment_id: int):
    cohort = _staff_cohort(cohort_id)
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        abort(404)
    criteria = services.rubric(cohort.programme)
    mine = db.session.scalar(select(PracticalScore).where(PracticalScore.enrolment_id == enrolment.id,
                                                          PracticalScore.marker_id == current_user.id))
    form = PracticalCommentForm(obj=mine)
    values = dict(mine.scores) if mine else {}
    status = 200
    if form.validate_on_submit():
        values = {str(c.id): request.form.get(f"criterion-{c.id}", "") for c in criteria}
        try:
            scores = {c.id: int(values[str(c.id)]) for c in criteria if values[str(c.id)].strip() != ""}
        except ValueError:
            flash(_("Scores must be whole numbers."), "error")
            status = 400
        else:
            try:
                services.score_practical(enrolment, current_user, scores, form.comment.data or "")
            except RuleError as error:
                db.session.rollback()
                flash(str(error), "error")
                status = 400
            else:
                db.session.commit()
                flash(_("Practical scores saved for %(name)s.", name=enrolment.user.name), "success")
                return redirect(url_for("intensive.practical", cohort_id=cohort.id))
    others = list(db.session.scalars(select(PracticalScore).where(PracticalScore.enrolment_id == enrolment.id,
                                                                  PracticalScore.marker_id != current_user.id)))
    return render_template("intensive/score.html", cohort=cohort, enrolment=enrolment, criteria=criteria,
                           values=values, form=form, others=others), status
