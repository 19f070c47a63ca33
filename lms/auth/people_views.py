"""Coordinator screens for people: the list and invitations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.access import coordinator_required
from lms.auth import services
from lms.auth.countries import country_name, english_name
from lms.auth.forms import InviteForm
from lms.auth.models import ROLES, User
from lms.extensions import db

bp = Blueprint("people", __name__, url_prefix="/admin/people")


@bp.route("", methods=["GET", "POST"])
@coordinator_required
def index():
    form = InviteForm()
    form.set_country_choices()
    if form.validate_on_submit():
        if services.find_user(form.email.data):
            form.email.errors.append(_("An account with this address exists already."))
        else:
            code = form.country.data or ""
            user = services.invite_user(form.email.data, form.name.data, form.role.data,
                                        organisation=form.organisation.data or "", country_code=code,
                                        country=english_name(code), sex=form.sex.data or None,
                                        language=form.language.data)
            db.session.commit()
            flash(_("%(name)s is invited; the link is on its way to %(email)s.", name=user.name, email=user.email),
                  "success")
            return redirect(url_for("people.index"))
    role = request.args.get("role", "")
    query = select(User).order_by(func.lower(User.name))
    if role in ROLES:
        query = query.where(User.role == role)
    search = (request.args.get("q") or "").strip()
    if search:
        like = f"%{search.lower()}%"
        query = query.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    users = list(db.session.scalars(query.limit(500)))
    return render_template("admin/people.html", form=form, users=users, role=role, search=search,
                           country_name=country_name)
