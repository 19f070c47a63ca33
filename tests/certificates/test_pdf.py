"""Certificate PDFs: the real WeasyPrint document, its QR code, the store, and the commands."""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale, format_date
from pypdf import PdfReader

from lms.certificates.codes import check_symbol, format_code
from lms.certificates.models import ATTENDANCE_CERTIFICATE, ISSUED, PENDING, TRAINER_CERTIFICATE, Certificate
from lms.certificates.pdf import (
    ForbiddenURLError,
    RenderError,
    StaticURLFetcher,
    pdf_store_dir,
    render_certificate_pdf,
    render_many,
    store_pdf,
    stored_pdf_path,
    verify_url,
)
from lms.certificates.services import create_certificate
from lms.courses.models import Enrolment


@pytest.fixture
def store(app, tmp_path) -> Path:
    app.config["CERTIFICATE_DIR"] = str(tmp_path / "certificates")
    return tmp_path / "certificates"


@pytest.fixture
def issue(db, make_cohort, make_programme, make_trainee):
    """Issue a certificate to a new trainee (committed, so worker processes see it)."""

    def make(name="Şəhla Əliyeva", language="az", kind=TRAINER_CERTIFICATE, cohort=None, **programme_fields):
        if cohort is None:
            programme_fields.setdefault("issuer", "International Training Centre")
            programme_fields.setdefault(
                "signatories", "Dr. Leyla Məmmədova, Programme Director\nJohn Smith, Chair of the Examination Board")
            cohort = make_cohort(programme=make_programme(modules_per_week=1, lessons_per_module=1,
                                                          **programme_fields))
        enrolment = Enrolment(cohort=cohort, user=make_trainee(name=name, language=language))
        db.session.add(enrolment)
        db.session.flush()
        certificate = create_certificate(enrolment, kind)
        db.session.commit()
        return certificate

    return make


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# ---- the document ------------------------------------------------------------------------------


def test_the_pdf_holds_the_names_in_azerbaijani_and_cyrillic_the_title_and_the_code(issue):
    for name, language in (("Şəhla Əliyeva", "az"), ("Алексей Ковалёв", "ru")):
        certificate = issue(name=name, language=language)
        text = pdf_text(render_certificate_pdf(certificate))
        assert name in text
        assert "International Trainer Certificate" in text
        assert certificate.code in text
        assert "Dr. Leyla Məmmədova" in text and "Programme Director" in text
        assert "International Training Centre" in text


def test_the_page_is_one_a4_landscape_page_set_in_the_shipped_fonts_only(issue):
    reader = PdfReader(io.BytesIO(render_certificate_pdf(issue())))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(842, abs=1) and float(box.height) == pytest.approx(595, abs=1)
    fonts = [str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all("Cert-" in font for font in fonts), fonts  # our @font-face faces, no system fonts


def test_dates_are_in_the_holders_language(issue):
    certificate = issue(name="Алексей Ковалёв", language="ru")
    text = pdf_text(render_certificate_pdf(certificate))
    cohort = certificate.enrolment.cohort
    with force_locale("ru"):
        dates = [format_date(day, format="long") for day in
                 (certificate.issued_on, certificate.expires_on, cohort.distance_start, cohort.final_exam_on)]
    assert all(day in text for day in dates), (dates, text)
    assert " г." in dates[0] or "\u202fг." in dates[0]  # Russian long dates, not English ones


def test_a_trainer_certificate_lists_the_programmes_stages(issue):
    text = pdf_text(render_certificate_pdf(issue(name="Jane Doe", language="en", distance_weeks=6,
                                                 intensive_days=5)))
    for stage in ("Distance learning", "6 weeks", "Stage-1 exam", "Intensive", "5 days",
                  "Practical teach", "Final exam"):
        assert stage in text


def test_an_attendance_certificate_certifies_attendance_of_the_intensive(issue):
    certificate = issue(name="Jane Doe", language="en", kind=ATTENDANCE_CERTIFICATE)
    text = pdf_text(render_certificate_pdf(certificate))
    assert "Certificate of Attendance" in text
    assert "attended the intensive training" in text
    assert "Final exam" not in text and "Distance learning" not in text  # only the stages the award asks for
    assert certificate.expires_on is None


def test_the_qr_code_decodes_to_the_verification_url(app, issue, tmp_path):
    certificate = issue()
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render_certificate_pdf(certificate))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
    assert decoded == f"http://lms.test/verify/{certificate.code}" == verify_url(certificate)


def test_the_url_fetcher_serves_our_static_files_and_refuses_everything_else(app):
    fetcher = StaticURLFetcher()
    font = fetcher("lms-static:fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    for url in ("file:///etc/passwd", "http://example.org/x", "https://example.org/x", "data:text/plain,hi",
                "lms-static:../lms/config.py", "lms-static:fonts/../../app.py", "lms-static:fonts/missing.ttf",
                "ftp://example.org/x"):
        with pytest.raises(ForbiddenURLError):
            fetcher(url)
    with pytest.raises(ForbiddenURLError):
        fetcher.open("file:///etc/passwd")


# ---- the store ---------------------------------------------------------------------------------


def test_store_pdf_writes_the_file_and_records_the_sha256_of_the_stored_bytes(db, store, issue):
    certificate = issue()
    assert stored_pdf_path(certificate) is None
    assert store_pdf(certificate) is True
    db.session.commit()
    path = stored_pdf_path(certificate)
    assert path.parent == store and path.name.startswith(certificate.code[:16]) and path.suffix == ".pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    assert certificate.pdf_file == path.name
    assert certificate.pdf_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert certificate.rendered_at is not None
    assert [p.name for p in store.iterdir()] == [path.name]  # no temporary file left behind


def test_check_symbols_that_shells_take_literally_are_spelt_out_in_the_file_name(db, store, issue):
    certificate = issue()
    data = next(d for d in (f"{n:011d}" for n in range(1000)) if check_symbol(d) == "*")
    certificate.code = format_code(data + "*")
    assert store_pdf(certificate)
    assert certificate.pdf_file == certificate.code[:-1] + "_star.pdf"
    assert stored_pdf_path(certificate) == store / certificate.pdf_file


def test_a_rendering_that_fails_is_logged_not_raised(app, db, store, issue, caplog, tmp_path):
    certificate = issue()
    app.static_folder = str(tmp_path / "no-static")  # the fonts cannot be found
    with caplog.at_level(logging.ERROR, logger="lms.certificates.pdf"):
        assert store_pdf(certificate) is False
    assert certificate.status == ISSUED and certificate.pdf_file == ""
    assert any(certificate.code in record.getMessage() for record in caplog.records)
    with pytest.raises(RenderError):
        render_certificate_pdf(certificate)


def test_storing_twice_without_force_does_not_render_again(db, store, issue):
    certificate = issue()
    assert store_pdf(certificate)
    rendered_at, sha256 = certificate.rendered_at, certificate.pdf_sha256
    assert store_pdf(certificate) is False
    assert (certificate.rendered_at, certificate.pdf_sha256) == (rendered_at, sha256)
    assert store_pdf(certificate, force=True) is True
    assert certificate.rendered_at >= rendered_at
    assert certificate.pdf_sha256 == hashlib.sha256(stored_pdf_path(certificate).read_bytes()).hexdigest()


def test_an_unwritable_store_leaves_the_certificate_issued_and_logs(app, db, issue, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app.config["CERTIFICATE_DIR"] = str(blocker / "certificates")  # works even as root
    certificate = issue()
    with caplog.at_level(logging.ERROR, logger="lms.certificates.pdf"):
        assert store_pdf(certificate) is False
    db.session.commit()
    assert certificate.status == ISSUED
    assert (certificate.pdf_file, certificate.pdf_sha256, certificate.rendered_at) == ("", "", None)
    assert any(certificate.code in record.getMessage() for record in caplog.records)

    app.config["CERTIFICATE_DIR"] = str(tmp_path / "good")
    assert store_pdf(certificate) is True
    assert stored_pdf_path(certificate) == tmp_path / "good" / certificate.pdf_file


def test_only_issued_certificates_are_rendered(store, issue):
    certificate = issue(requires_approval=True)
    assert certificate.status == PENDING
    assert store_pdf(certificate) is False
    assert certificate.pdf_file == ""
    assert not store.exists() or not any(store.iterdir())


def test_the_store_defaults_to_the_instance_folder(app):
    app.config.pop("CERTIFICATE_DIR", None)
    app.instance_path = str(Path(app.config["UPLOAD_DIR"]).parent / "instance")
    assert pdf_store_dir() == Path(app.instance_path) / "certificates" and pdf_store_dir().is_dir()


# ---- bulk and commands -------------------------------------------------------------------------


def test_render_many_on_a_pool_of_two_processes(db, store, issue):
    certificates = [issue(name=f"Trainee {n}", language=lang) for n, lang in enumerate(("az", "ru", "en"))]
    ids = [c.id for c in certificates]
    seen = []
    result = render_many(ids, force=False, processes=2, progress=seen.append)
    db.session.commit()
    assert sorted(result.rendered) == sorted(ids) and not result.failed
    assert sum(seen) == 3
    for certificate in db.session.scalars(db.select(Certificate).where(Certificate.id.in_(ids))):
        data = stored_pdf_path(certificate).read_bytes()
        assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
        assert certificate.holder_name in pdf_text(data)
    assert render_many(ids, force=False, processes=2).rendered == []  # all rendered already


def test_certificate_pdf_command_writes_the_pdf(app, db, store, issue, tmp_path):
    certificate = issue(name="Алексей Ковалёв", language="ru")
    out = tmp_path / "out.pdf"
    typed = certificate.code.lower().replace("-", " ")
    result = app.test_cli_runner().invoke(args=["certificate-pdf", typed, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and "Алексей Ковалёв" in pdf_text(data)
    db.session.expire_all()
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()  # stored first, then copied

    missing = app.test_cli_runner().invoke(args=["certificate-pdf", "ITC-0000-0000-0000", "-o", str(out)])
    assert missing.exit_code == 1 and "No certificate" in missing.output
    typo = app.test_cli_runner().invoke(args=["certificate-pdf", "nonsense", "-o", str(out)])
    assert typo.exit_code == 1


def test_render_certificates_command_renders_the_missing_then_all_with_force(app, db, store, issue, make_cohort):
    first = issue()
    cohort = first.enrolment.cohort
    others = [issue(name=n, language="ru", cohort=cohort) for n in ("Алексей Ковалёв", "Jane Doe")]
    assert store_pdf(first)
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["render-certificates", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert "2 certificates rendered" in result.stdout
    result = runner.invoke(args=["render-certificates", "--cohort", str(cohort.id), "--processes", "1"])
    assert "0 certificates rendered" in result.stdout
    result = runner.invoke(args=["render-certificates", "--all", "--force", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert "3 certificates rendered" in result.stdout
    db.session.expire_all()
    for certificate in [first, *others]:
        assert certificate.pdf_sha256 == hashlib.sha256(stored_pdf_path(certificate).read_bytes()).hexdigest()

    assert runner.invoke(args=["render-certificates", "--cohort", "999999"]).exit_code == 1
    assert runner.invoke(args=["render-certificates", "--cohort", "1", "--all"]).exit_code != 0
