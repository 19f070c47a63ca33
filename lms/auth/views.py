"""Log in and out, passwords, invitations, language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services
from lms.auth.forms import ChangePasswordForm, ForgotPasswordForm, LanguageForm, LoginForm, SetPasswordForm
from lms.auth.models import SESSION_KEY
from lms.extensions import db, limiter, posted_email

bp = Blueprint("auth", __name__)


def _login_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _failed(response) -> bool:
    # Only failed attempts count towards the throttle; a successful login redirects.
    return response.status_code != 302


def _trusted_device() -> str | None:
    """The nonce of this browser's device cookie when it was issued to the account being logged in to."""
    return services.device_nonce(request.cookies.get(services.DEVICE_COOKIE), request.form.get("email") or "")


def _device_key() -> str:
    return "device:" + (_trusted_device() or "")


def _is_trusted_device() -> bool:
    return _trusted_device() is not None


def _is_unknown_device() -> bool:
    return _trusted_device() is None


def _remember_device(response, email: str) -> None:
    response.set_cookie(
        services.DEVICE_COOKIE, services.device_token(email), max_age=services.DEVICE_COOKIE_MAX_AGE,
        path=url_for("auth.login"), httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def _safe_next(target: str | None) -> str:
    """A path on this site, else home. Control characters (a header split) and backslashes (which browsers
    read as slashes, making `/\\evil.example` another host) are refused."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 32 or ord(char) == 127 for char in target)
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.home")


# Failed logins are throttled per address, and per account unless the browser shows a device cookie from an
# earlier login to that account: so someone guessing one account's password from elsewhere cannot lock its
# owner out (OWASP's device cookies). Failures with a device cookie are throttled per cookie instead.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limits, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limits, methods=["POST"], key_func=posted_email, deduct_when=_failed,
               exempt_when=_is_trusted_device)
@limiter.limit(_login_limits, methods=["POST"], key_func=_device_key, deduct_when=_failed,
               exempt_when=_is_unknown_device)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            session.clear()  # a fresh session at login: no fixation
            session[SESSION_KEY] = services.start_session(user)
            login_user(user)
            session["lang"] = user.language
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")))
            _remember_device(response, user.email)
            return response
        flash(_("Email or password is wrong."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_session(session.get(SESSION_KEY))  # the cookie, even if copied, names no session any more
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            services.change_password(current_user, form.password.data, session.get(SESSION_KEY))
            db.session.commit()
            login_user(current_user._get_current_object())  # this session goes on; every other one ends
            flash(_("Your password has been changed; other devices are logged out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


def _reset_target() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limits, methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_reset_target)  # no mail-bombing one address
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        flash(_("If an account exists for that address, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _set_password_from_link(token: str, purpose: str, template: str):
    try:
        user = services.user_from_token(token, purpose)
    except services.TokenError as error:
        return render_template("auth/link_invalid.html", message=str(error)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password_from_link(user, form.password.data)
        db.session.commit()
        flash(_("Your password is set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_from_link(token, services.RESET, "auth/reset_password.html")


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    return _set_password_from_link(token, services.INVITE, "auth/accept_invite.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.language = form.lang.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
