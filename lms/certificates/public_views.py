"""Public verification: no account needed. The HTML pages, the upload check, the JSON API, the registry."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    json,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from lms.api import openapi
from lms.api.problems import PROBLEMS, add_api_headers, problem, type_uri
from lms.certificates import verification
from lms.certificates.codes import CodeError, normalise
from lms.certificates.forms import UploadCheckForm
from lms.certificates.page import verify_page
from lms.extensions import csrf, db, limiter

bp = Blueprint("verify", __name__)
bp.after_app_request(add_api_headers)  # CORS on every /api/ answer, the error pages of unknown addresses too


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
        "verify/certificate.html", cert=result.certificate, page=verify_page(result.certificate),
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
@limiter.limit(_verify_limits, methods=["GET", "HEAD"])  # a CORS preflight is not a verification
@csrf.exempt
def api(code: str):
    """The certificate's public record as JSON; problem details (RFC 9457) for a malformed or unknown code.

    The hot public path: no session, user, template or ORM object is touched on the way to a 200, and the
    answer is one narrow query (counts are written in batches, see verification._Counts)."""
    try:
        canonical = normalise(code)
    except CodeError as error:
        detail = _("This code has a typo: one of its symbols is wrong or two are swapped. Check it against the "
                   "certificate.") if error.typo else _("This is not a certificate code. Codes look like "
                                                        "ITC-7K2M-Q9XD-4HT8.")
        return _noindex(problem("malformed_code", detail, typo=error.typo, error=detail))
    found = verification.api_record(canonical)
    if found is None:
        detail = _("No certificate has this code. It is well formed, so it was not issued by us.")
        return _noindex(problem("not_found", detail, typo=False, error=detail))
    certificate_id, record = found
    if verification.count_verification(certificate_id):
        db.session.commit()
    data = json.dumps(record)
    response = current_app.response_class(data, mimetype="application/json")
    # A minute in any cache, browsers' and proxies' alike: an employer re-checking a page sees the same answer
    # without a request, while a revocation reaches everyone within a minute (a coordinator revokes by hand
    # after an investigation, so a minute is far below the time anyone acts on it). Longer would let a
    # revoked certificate look valid for longer; no-cache would send every re-check to us for the same bytes.
    response.headers["Cache-Control"] = "public, max-age=60"
    response.set_etag(hashlib.blake2b(data.encode(), digest_size=12).hexdigest())
    return _noindex(response.make_conditional(request))


@bp.get("/api/v1/openapi.json")
@csrf.exempt
def openapi_document():
    """The OpenAPI 3.1 description of every /api/ endpoint, for client generators and people."""
    data = openapi.document_json(current_app.config["BASE_URL"])
    response = current_app.response_class(data, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(hashlib.blake2b(data.encode(), digest_size=12).hexdigest())
    return response.make_conditional(request)


@bp.get("/api/problems/<code>")
@csrf.exempt
def problem_type(code: str):
    """What a problem `type` URI of ours means: each is served here, as the RFC asks of resolvable types."""
    if code not in PROBLEMS:
        abort(404)
    status, title = PROBLEMS[code]
    response = jsonify({"type": type_uri(code), "code": code, "status": status, "title": str(title)})
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


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


def _linked_data(document: dict, mimetype: str):
    response = current_app.response_class(json.dumps(document, ensure_ascii=False), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=12).hexdigest())
    return response


@bp.get("/issuer")
def issuer_profile():
    """Who issues our credentials: JSON-LD for machines (the controller document that lists the signing keys),
    a page for people; the same URL either way, chosen by the Accept header."""
    from lms.certificates.credential import issuer_profile as profile

    wanted = request.accept_mimetypes.best_match(["text/html", "application/ld+json", "application/json"])
    document = profile()
    if wanted in ("application/ld+json", "application/json"):
        response = _linked_data(document, wanted)
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response = make_response(render_template("verify/issuer.html", profile=document))
    response.vary.add("Accept")
    return response.make_conditional(request)


@bp.get("/credentials/status")
def status_list():
    """The signed revocation list (W3C Bitstring Status List) that every credential's credentialStatus names."""
    from lms.certificates.status_list import status_list_credential

    response = _linked_data(status_list_credential(), "application/vc+ld+json")
    response.headers["Cache-Control"] = "public, max-age=60"  # a revocation reaches everyone within a minute
    return response
