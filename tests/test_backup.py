"""A backup restores into an empty database (of either kind), and a certificate verifies from it."""

from pathlib import Path

from lms import create_app
from lms.certificates.pdf import store_pdf
from lms.extensions import db as _db


def test_backup_then_restore_and_verify_a_certificate(app, db, tmp_path, make_certified):
    certificate = make_certified(name="Алексей Ковалёв")
    assert store_pdf(certificate)
    db.session.commit()
    code, pdf_name = certificate.code, certificate.pdf_file
    archive = tmp_path / "backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output

    fresh = create_app({"TESTING": True, "SECRET_KEY": "other", "RATELIMIT_ENABLED": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'restored.db'}",
                        "CERTIFICATE_DIR": str(tmp_path / "restored-pdfs"), "UPLOAD_DIR": str(tmp_path / "up2")})
    with fresh.app_context():
        _db.create_all()
        result = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        again = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0 and "not empty" in again.output
        client = fresh.test_client()
        page = client.get(f"/verify/{code}").get_data(as_text=True)
        assert "Valid" in page and "Алексей Ковалёв" in page
        restored_pdf = Path(tmp_path / "restored-pdfs" / pdf_name)
        upload = client.get("/verify")
        assert upload.status_code == 200
        assert restored_pdf.read_bytes().startswith(b"%PDF")
        _db.session.remove()
        _db.engine.dispose()
