"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user

from lms import config as settings
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(settings.from_environment(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    from lms.ops import configure_logging

    configure_logging(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    configure_url_converters(app)
    configure_extensions(app)
    configure_input_checks(app)
    from lms.certificates import verification

    verification.init_app(app)
    from lms import urls

    urls.init_app(app)
    configure_blueprints(app)
    configure_security_headers(app)
    from lms.cli import register_commands
    from lms.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    return app


def select_locale() -> str:
    """The session's language (set at login from the account, or by the switcher), else the browser's."""
    languages = current_app_languages()
    if not has_request_context():  # CLI and services outside a request speak the default language
        return "en"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or "en"


def current_app_languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def configure_extensions(app: Flask) -> None:
    import lms.models  # noqa: F401  (registers every table)
    import lms.stage_kinds  # noqa: F401  (registers every stage kind with the pipeline core)
    from lms.pipeline import legacy

    legacy.install()
    from lms.db_setup import configure_database

    db.init_app(app)
    configure_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        from lms.timeutil import today

        return {"current_locale": str(get_locale()), "languages": LANGUAGE_NAMES, "today": today()}


LANGUAGE_NAMES = {"en": "English", "az": "Azərbaycanca", "ru": "Русский"}


def configure_blueprints(app: Flask) -> None:
    from lms.auth.people_views import bp as people_bp
    from lms.auth.views import bp as auth_bp
    from lms.certificates.public_views import bp as verify_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.admin_views import bp as admin_bp
    from lms.courses.content_views import bp as content_bp
    from lms.courses.views import bp as courses_bp
    from lms.exams.bank_views import bp as bank_bp
    from lms.exams.staff_views import bp as grading_bp
    from lms.exams.views import bp as exams_bp
    from lms.intensive.views import bp as intensive_bp
    from lms.main import bp as main_bp
    from lms.monitoring.views import bp as monitoring_bp
    from lms.ops import bp as ops_bp
    from lms.pipeline.views import bp as pipeline_bp
    from lms.registration.views import bp as registration_bp
    from lms.reports.views import bp as reports_bp

    for bp in (main_bp, auth_bp, people_bp, courses_bp, admin_bp, content_bp, exams_bp, grading_bp, bank_bp,
               intensive_bp, verify_bp, certificates_bp, ops_bp, monitoring_bp, pipeline_bp, registration_bp):
        app.register_blueprint(bp)
    app.register_blueprint(reports_bp)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def configure_url_converters(app: Flask) -> None:
    """Ids in URLs are 32-bit database integers: a larger number matches no route (404), never a query
    that PostgreSQL would refuse with an error."""
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter


def configure_input_checks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """A NUL byte is never valid text (PostgreSQL refuses it outright): a clear 400, not a 500."""
        from flask import abort

        values = list(request.args.values())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any("\x00" in value for value in values) or "\x00" in request.path:
            abort(400)


def configure_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS: browsers should never try HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        download = response.headers.get("Content-Disposition", "").startswith("attachment")
        if getattr(g, "private_page", True) and (response.mimetype == "text/html" or download):
            response.headers["Cache-Control"] = "private, no-store"
        return response
