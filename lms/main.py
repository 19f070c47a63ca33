"""Home pages by role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.models import User
from lms.certificates.models import ISSUED
from lms.certificates.services import certificates_of
from lms.courses import services
from lms.courses.enrolment import enrolment_counts
from lms.courses.models import Cohort, Programme, cohort_trainers
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.pipeline.timeline import build_timeline

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own; ours is an SVG."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/home")
@login_required
def home():
    if current_user.is_coordinator:
        return coordinator_home()
    if current_user.is_trainer:
        return trainer_home()
    return trainee_home()


def trainee_home():
    timelines = []
    for enrolment in services.trainee_enrolments(current_user):
        timeline = build_timeline(enrolment)
        if enrolment.cohort.programme.modules:  # distance learning by week, for programmes that have it
            timeline.progress = services.enrolment_progress(enrolment)
        timelines.append(timeline)
    certificates = {}
    for certificate in reversed(certificates_of(current_user)):  # newest last, so it wins
        if certificate.status == ISSUED:
            certificates[certificate.enrolment_id] = certificate
    return render_template("main/trainee_home.html", timelines=timelines, certificates=certificates,
                           form=ConfirmForm())


def trainer_home():
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id)
            .where(cohort_trainers.c.user_id == current_user.id)
            .order_by(Cohort.distance_start.desc())
        )
    )
    overviews = [(c, services.cohort_enrolments(c), services.cohort_progress(c)) for c in cohorts]
    return render_template("main/trainer_home.html", overviews=overviews)


def coordinator_home():
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.name)))
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.distance_start.desc())))
    counts = enrolment_counts()
    people = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template(
        "main/coordinator_home.html", programmes=programmes, cohorts=cohorts, counts=counts, people=people
    )
