"""Public verification: no account needed. The HTML pages, the upload check, the JSON API, the registry."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.certificates import verification
from lms.certificates.forms import UploadCheckForm
from lms.extensions import csrf, db, limiter

bp = Blueprint("verify", __name__)


def _verify_limits() -> str:
    return current_app.config["VERIFY_LIMITS"]


def _noindex(response):
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/verify")
@limiter.limit(_verify_limits)
def form():
    """The verification form; a typed code is normalised and sent to its page."""
    typed = request.args.get("code", "").strip()
    empty = "code" in request.args and not typed  # the form was sent without a code
    result = None
    if typed:
        result = verification.lookup(typed)
        if result.code:
            return redirect(url_for("verify.certificate", code=result.code))
    status = 400 if result or empty else 200
    return _noindex(make_response(render_template("verify/form.html", typed=typed, result=result, empty=empty,
                                                  upload=UploadCheckForm()), status))


@bp.get("/verify/<code>")
@limiter.limit(_verify_limits)
def certificate(code: str):
    result = verification.lookup(code)
    if result.code and result.code != code:
        return redirect(url_for("verify.certificate", code=result.code))
    if result.certificate is None:
        status = 400 if result.error else 404
        return _noindex(make_response(render_template("verify/form.html", typed=code, result=result,
                                                      upload=UploadCheckForm(), not_found=not result.error),
                                      status))
    if verification.count_verification(result.certificate):
        db.session.commit()
    g.private_page = False
    return _noindex(make_response(render_template(
        "verify/certificate.html", cert=result.certificate,
        record=verification.public_record(result.certificate))))


@bp.post("/verify/upload")
@limiter.limit(_verify_limits)
def upload():
    form = UploadCheckForm()
    match = None
    checked = not_pdf = False
    if form.validate_on_submit():
        data = form.file.data.read(20 * 1024 * 1024 + 1)
        checked = True
        not_pdf = not verification.is_pdf(data)
        match = None if not_pdf else verification.match_upload(data)
        if match is not None and verification.count_verification(match):
            db.session.commit()
    return _noindex(make_response(render_template(
        "verify/upload.html", form=form, checked=checked, not_pdf=not_pdf, match=match,
        record=verification.public_record(match) if match else None), 200 if checked else 400))


@bp.get("/api/v1/certificates/<code>")
@limiter.limit(_verify_limits)
@csrf.exempt
def api(code: str):
    result = verification.lookup(code)
    if result.certificate is None:
        message = result.error or _("No certificate has this code.")
        response = jsonify({"error": message, "typo": result.typo})
        response.status_code = 404
        return _noindex(response)
    record = verification.public_record(result.certificate)
    if verification.count_verification(result.certificate):
        db.session.commit()
    response = jsonify({key: record[key] for key in ("code", "status", "holder", "programme", "issued_on",
                                                     "expires_on", "revoked_reason")})
    response.headers["Cache-Control"] = "no-store"
    return _noindex(response)


@bp.get("/registry")
def registry():
    """Certified trainers who chose to be listed, with valid certificates."""
    name = request.args.get("name", "")[:100]
    programme = request.args.get("programme", "")[:100]
    country = request.args.get("country", "")[:100]
    rows = verification.registry(name, programme, country)
    return render_template("verify/registry.html", rows=rows, name=name, programme=programme, country=country)


@bp.get("/.well-known/credential-key.json")
def credential_key():
    """The public key that signs our credentials, so anyone can check one without asking us."""
    from lms.certificates.credential import public_key_document

    response = jsonify(public_key_document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
