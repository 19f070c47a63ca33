"""Certificate PDFs: rendered once with WeasyPrint, stored with their SHA-256, served from the store.

The document is templates/pdf/certificate.html with templates/pdf/certificate.css, in the holder's
language, set in the fonts shipped in static/fonts (FONT_FACES, loaded through `StaticURLFetcher`, which
serves our own static files and refuses everything else), so it renders the same on any machine. The QR
code is inline SVG encoding `<BASE_URL>/verify/<code>`.

The file is PDF/A-3a (archival; level A: tagged, text in Unicode) and declares PDF/UA-1 (accessible): a
structure tree a screen reader follows, the holder's language as the document language, the title shown by
viewers, alt text on the QR code. It carries the signed credential (credential.json, the same bytes as the
credential download) as an embedded file, associated with the document as its machine-readable
`Alternative`, so one file is both the printable and the machine-verifiable certificate
(verification.match_upload reads it back from a copy whose bytes differ from the stored file).

Bulk rendering (`render_many`) runs on all cores: each worker process builds its own app on the same
database, renders a certificate by id and writes its file; the parent records the results in one
transaction, as SQLite takes one writer at a time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

import segno
from flask import Flask, current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from lms.certificates.credential import credential_json
from lms.certificates.models import ATTENDANCE_CERTIFICATE, ISSUED, Certificate
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow

log = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per step and page: noise in bulk

STATIC_SCHEME = "lms-static"
# PDF/A-3 allows embedded files of any type (PDF/A-2 only PDF/A files); level A adds tagging and Unicode text.
PDF_VARIANT = "pdf/a-3a"
PDF_UA_PART = "1"  # declared beside PDF/A in the XMP metadata (pdfuaid:part)
CREDENTIAL_ATTACHMENT = "credential.json"
DEFAULT_ISSUER = "International Training Centre"
# Settings a worker process needs to see the same database, store and links as its parent.
WORKER_CONFIG_KEYS = (
    "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY", "BASE_URL", "CERTIFICATE_DIR",
    "BABEL_DEFAULT_LOCALE", "BABEL_TRANSLATION_DIRECTORIES", "LANGUAGES", "TESTING",
)


# ---- fetching: our static files only ------------------------------------------------------------


class ForbiddenURLError(ValueError):
    """A URL the certificate renderer may not fetch (anything but our own static files)."""


class RenderError(RuntimeError):
    """The certificate could not be rendered (a resource it needs was refused or is missing)."""


class StaticURLFetcher(URLFetcher):
    """Serves `lms-static:<path>` from the static folder; refuses file:, http(s):, data: and the rest.

    `fail_on_errors` makes a refused or missing resource stop the rendering instead of silently falling
    back to whatever fonts the machine has.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        super().__init__(fail_on_errors=True)
        self.root = Path(root or _static_root()).resolve()

    def fetch(self, url, headers=None):
        scheme, _, rest = str(url).partition(":")
        if scheme.lower() != STATIC_SCHEME:
            raise ForbiddenURLError(f"Certificates may only use the project's static files, not {url!r}")
        relative = rest.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        path = (self.root / relative).resolve()
        if not relative or not path.is_relative_to(self.root) or not path.is_file():
            raise ForbiddenURLError(f"No such static file: {url!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def open(self, url, data=None, timeout=None):  # never fall through to urllib's handlers
        return self.fetch(getattr(url, "full_url", url))


def _static_root() -> Path:
    return Path(current_app.static_folder)


def static_url(path: str) -> str:
    """The URL of a static file as the certificate template uses it, e.g. `lms-static:fonts/x.ttf`."""
    return f"{STATIC_SCHEME}:{path.lstrip('/')}"


# ---- rendering ---------------------------------------------------------------------------------


def verify_url(certificate: Certificate) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{certificate.code}"


def qr_code_svg(data: str, title: str = "") -> Markup:
    """The QR code as inline SVG with a viewBox (1 unit a module), so CSS can size it.

    `title` becomes the SVG's <title>, which WeasyPrint writes as the figure's alt text in the tagged PDF.
    """
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=1, unit="mm", border=4,
                                     dark="#000000", light="#ffffff", title=title or None)
    # segno writes only its own markup around data it encodes: safe to embed.
    return Markup(out.getvalue().decode())  # noqa: S704


@dataclass
class Stage:
    name: str
    detail: str = ""
    dates: str = ""


def _language(certificate: Certificate) -> str:
    languages = current_app.config.get("LANGUAGES") or ["en"]
    return certificate.language if certificate.language in languages else languages[0]


def _date(day: date | None) -> str:
    return format_date(day, format="long") if day else ""


def _span(start: date, end: date) -> str:
    return _date(start) if start == end else f"{_date(start)} – {_date(end)}"


def _signatories(text: str) -> list[tuple[str, str]]:
    people = []
    for line in (text or "").splitlines():
        name, _comma, role = line.partition(",")
        if name.strip():
            people.append((name.strip(), role.strip()))
    return people


def _stages(certificate: Certificate) -> list[Stage]:
    """The programme's stages as the certificate lists them, with this cohort's dates: every stage for the
    programme's award; for the fallback award, the stages its rule names."""
    from lms.pipeline.outcome import cohort_windows, programme_stages  # noqa: PLC0415
    from lms.pipeline.registry import kind_of, stage_title  # noqa: PLC0415

    cohort = certificate.enrolment.cohort
    stages = programme_stages(cohort.programme_id)
    if certificate.kind == ATTENDANCE_CERTIFICATE:
        rule = cohort.programme.fallback_rule or {}
        named = set(rule.get("passed") or []) | set(rule.get("at_least") or {})
        stages = [s for s in stages if s.key in named] or stages
    windows = cohort_windows(cohort.id)
    lines = []
    for stage in stages:
        window = windows.get(stage.id)
        opens, closes = (window.opens_on, window.closes_on) if window else (None, None)
        lines.append(Stage(stage_title(stage), kind_of(stage).certificate_detail(stage, opens, closes),
                           _span(opens, closes) if opens else ""))
    return lines


def render_certificate_html(certificate: Certificate) -> str:
    """The certificate as HTML, in the holder's language (needs an app context)."""
    language = _language(certificate)
    with force_locale(language):
        cohort = certificate.enrolment.cohort
        programme = cohort.programme
        issuers = [line.strip() for line in (programme.issuer or "").splitlines() if line.strip()]
        return render_template(
            "pdf/certificate.html",
            certificate=certificate,
            language=language,
            attendance=certificate.kind == ATTENDANCE_CERTIFICATE,
            programme=programme,
            cohort=cohort,
            stages=_stages(certificate),
            issuers=issuers or [DEFAULT_ISSUER],
            signatories=_signatories(programme.signatories),
            issued_on=_date(certificate.issued_on),
            expires_on=_date(certificate.expires_on),
            verify_url=verify_url(certificate),
            qr=qr_code_svg(verify_url(certificate),
                           _("QR code linking to the verification page %(url)s", url=verify_url(certificate))),
            static_url=static_url,
        )


# The only fonts certificates use, shipped in static/fonts (templates/pdf/certificate.css names the families).
FONT_FACES = (
    ("Cert Serif", "normal", "fonts/DejaVuSerif.ttf"),
    ("Cert Serif", "bold", "fonts/DejaVuSerif-Bold.ttf"),
    ("Cert Sans", "normal", "fonts/DejaVuSans.ttf"),
    ("Cert Sans", "bold", "fonts/DejaVuSans-Bold.ttf"),
)
_local = threading.local()


def _fonts() -> tuple[CSS, FontConfiguration]:
    """The @font-face rules of FONT_FACES with their fonts loaded: done once per thread, then reused.

    Loading fonts into a fresh font configuration costs about as much as laying out the page;
    WeasyPrint's objects are not shared between threads, hence one per thread.
    """
    root = _static_root().resolve()
    cached = getattr(_local, "fonts", None)
    if cached is None or cached[0] != root:
        font_config = FontConfiguration()
        rules = "\n".join(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                           f'src: url("{static_url(path)}"); }}' for family, weight, path in FONT_FACES)
        css = CSS(string=rules, url_fetcher=StaticURLFetcher(root), font_config=font_config)
        cached = _local.fonts = (root, css, font_config)
    return cached[1], cached[2]


def credential_attachment(certificate: Certificate) -> Attachment:
    """The signed credential as the PDF's embedded file: what the credential download serves, byte for byte."""
    now = utcnow()
    return Attachment(string=credential_json(certificate), name=CREDENTIAL_ATTACHMENT,
                      description="Signed Open Badges 3.0 credential (W3C Verifiable Credential) of "
                                  f"certificate {certificate.code}",
                      created=now, modified=now, relationship="Alternative")


# PDF/A admits XMP properties outside its predefined schemas only with a description of their schema, so the
# PDF/UA identification comes with the PDF/A extension schema for pdfuaid (as ISO 14289-1 shows it).
_PDF_UA_XMP = f"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" \
pdfuaid:part="{PDF_UA_PART}" />
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
""".encode()


def _finish(document, pdf) -> None:
    """WeasyPrint finisher, run before the file is written: declare PDF/UA beside PDF/A, tidy /AF.

    WeasyPrint writes one variant's identification (PDF/A here) into its XMP packet; PDF/UA's goes in the
    same rdf:RDF. WeasyPrint 70 lists each attachment twice in the catalog's /AF: once is enough.
    """
    stream = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]  # a reference, b"12 0 R"
    packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
    head, found, tail = packet.partition(b"<rdf:Description ")
    if not found or b"pdfuaid:" in packet:
        raise RenderError("Unexpected XMP metadata: cannot declare PDF/UA")
    stream.stream = [head + _PDF_UA_XMP + found + tail]
    if "AF" in pdf.catalog:
        unique = list(dict.fromkeys(pdf.catalog["AF"]))
        pdf.catalog["AF"].clear()
        pdf.catalog["AF"].extend(unique)


OUTPUT_INTENT = "lms-srgb"  # our name for WeasyPrint's own sRGB profile, PDF/A's output intent


def _color_profiles() -> dict[str, ColorProfile]:
    """The output intent's ICC profile, read once per thread.

    WeasyPrint's built-in "srgb" intent opens the profile for every document and never closes the file.
    """
    profile = getattr(_local, "srgb", None)
    if profile is None:
        with (files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as icc:
            profile = _local.srgb = ColorProfile(icc, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))
    return {OUTPUT_INTENT: profile}


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF (A4 landscape, PDF/A-3a and PDF/UA-1, the signed credential embedded).

    Pure: writes nothing, neither files nor rows (the credential's signing key is made on first use).
    """
    html = render_certificate_html(certificate)
    try:
        fonts, font_config = _fonts()
        document = HTML(string=html, base_url=static_url(""), url_fetcher=StaticURLFetcher())
        return document.write_pdf(stylesheets=[fonts], font_config=font_config, pdf_variant=PDF_VARIANT,
                                  color_profiles=_color_profiles(), output_intent=OUTPUT_INTENT,
                                  attachments=[credential_attachment(certificate)], finisher=_finish)
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: make it an ordinary error
        raise RenderError(f"{exc} ({exc.__cause__})") from exc


# ---- the store -----------------------------------------------------------------------------------


def pdf_store_dir() -> Path:
    """Where certificate PDFs are kept: CERTIFICATE_DIR, else <instance>/certificates (created)."""
    path = _store_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store_dir() -> Path:
    configured = current_app.config.get("CERTIFICATE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificates"


# A code's check symbol may be * ~ $ or =: spelt out in file names, which shells and servers take literally.
_FILENAME_SYMBOLS = {"*": "_star", "~": "_tilde", "$": "_dollar", "=": "_equals"}


def _filename(certificate: Certificate) -> str:
    """`<code>.pdf`, e.g. ITC-7K2M-Q9XD-4HT8.pdf (ITC-7QAK-1X7B-9S3_star.pdf for ITC-7QAK-1X7B-9S3*)."""
    return "".join(_FILENAME_SYMBOLS.get(ch, ch) for ch in certificate.code) + ".pdf"


def stored_pdf_path(certificate: Certificate) -> Path | None:
    """The stored PDF of a certificate, or None when it has not been rendered (or its file is gone)."""
    name = certificate.pdf_file
    if not name or Path(name).name != name:
        return None
    path = _store_dir() / name
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def is_rendered(certificate: Certificate) -> bool:
    return bool(certificate.pdf_sha256) and stored_pdf_path(certificate) is not None


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render_to_store(certificate: Certificate) -> tuple[str, str]:
    """Render and write the certificate's file; returns (sha256, filename). Touches no rows."""
    data = render_certificate_pdf(certificate)
    name = _filename(certificate)
    _write_atomically(pdf_store_dir(), name, data)
    return hashlib.sha256(data).hexdigest(), name


def _record(certificate: Certificate, sha256: str, name: str) -> None:
    certificate.pdf_file, certificate.pdf_sha256, certificate.rendered_at = name, sha256, utcnow()


def store_pdf(certificate: Certificate, force: bool = False) -> bool:
    """Render and store an issued certificate's PDF unless it already is (or `force`); True if it rendered.

    Records the file name, the SHA-256 of the stored bytes and the time, and flushes (the caller commits).
    A store that cannot be written (or a rendering that fails) is logged and reported as False, never
    raised: issuing goes on, and `flask render-certificates` renders the certificate later.
    """
    if certificate.status != ISSUED:
        return False
    if not force and is_rendered(certificate):
        return False
    try:
        sha256, name = _render_to_store(certificate)
    except OSError:
        log.exception("Could not store the PDF of certificate %s in %s; render-certificates will retry",
                      certificate.code, _store_dir())
        return False
    except Exception:
        log.exception("Could not render the PDF of certificate %s; render-certificates will retry",
                      certificate.code)
        return False
    _record(certificate, sha256, name)
    db.session.flush()
    return True


# ---- bulk --------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    rendered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def certificates_to_render(cohort_id: int | None = None, force: bool = False) -> list[int]:
    """Ids of the issued certificates (of one cohort, or all) still without a stored PDF; all with force."""
    query = select(Certificate).where(Certificate.status == ISSUED).order_by(Certificate.id)
    if cohort_id is not None:
        query = query.join(Enrolment).where(Enrolment.cohort_id == cohort_id)
    return [c.id for c in db.session.scalars(query) if force or not is_rendered(c)]


def render_many(certificate_ids: Iterable[int], force: bool = False, processes: int | None = None,
                progress: Callable[[int], object] | None = None) -> BulkResult:
    """Render the given issued certificates (those not yet rendered, or all with force) on `processes` cores.

    Workers read the certificates from their own database connections, so commit them first. The rows
    are updated here, in the caller's transaction (flushed; the caller commits). A certificate that fails
    is logged and listed in `failed`; the others go on.
    """
    certificates = [c for c in db.session.scalars(select(Certificate).where(
        Certificate.id.in_(list(certificate_ids)), Certificate.status == ISSUED).order_by(Certificate.id))
        if force or not is_rendered(c)]
    result = BulkResult()
    if not certificates:
        return result
    pdf_store_dir()  # fail early, in the parent, if the store cannot be made
    processes = max(1, min(processes or os.cpu_count() or 1, len(certificates)))
    by_id = {c.id: c for c in certificates}
    if processes == 1 or _in_memory_database():
        outcomes = (_render_one(c) for c in certificates)
        _collect(outcomes, by_id, result, progress)
    else:
        context = multiprocessing.get_context("spawn")  # no forked database connections or fontconfig state
        with context.Pool(processes, initializer=_init_worker, initargs=(_worker_config(),)) as pool:
            _collect(pool.imap_unordered(_render_in_worker, list(by_id), chunksize=1), by_id, result, progress)
    db.session.flush()
    return result


def _collect(outcomes, by_id: dict[int, Certificate], result: BulkResult, progress) -> None:
    for certificate_id, sha256, name, error in outcomes:
        if error:
            log.error("Could not render certificate %s: %s", by_id[certificate_id].code, error)
            result.failed[certificate_id] = error
        else:
            _record(by_id[certificate_id], sha256, name)
            result.rendered.append(certificate_id)
        if progress:
            progress(1)


def _render_one(certificate: Certificate) -> tuple[int, str | None, str | None, str | None]:
    try:
        sha256, name = _render_to_store(certificate)
    except Exception as exc:  # one bad certificate must not stop the batch
        return certificate.id, None, None, f"{type(exc).__name__}: {exc}"
    return certificate.id, sha256, name, None


def _in_memory_database() -> bool:
    uri = str(current_app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    return uri.startswith("sqlite") and (":memory:" in uri or uri.rstrip("/") in ("sqlite:", "sqlite:/"))


def _worker_config() -> dict:
    config = {key: current_app.config[key] for key in WORKER_CONFIG_KEYS if key in current_app.config}
    config["CERTIFICATE_DIR"] = str(pdf_store_dir().resolve())
    return config


_worker_app: Flask | None = None


def _init_worker(config: dict) -> None:
    global _worker_app
    from lms import create_app

    _worker_app = create_app(config)


def _render_in_worker(certificate_id: int) -> tuple[int, str | None, str | None, str | None]:
    assert _worker_app is not None, "worker not initialised"
    with _worker_app.app_context():
        try:
            certificate = db.session.get(Certificate, certificate_id)
            if certificate is None:
                return certificate_id, None, None, "not found"
            return _render_one(certificate)
        finally:
            db.session.remove()
