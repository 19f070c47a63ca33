"""Public verification: the pages, the JSON API, the registry, the rate limit. No account needed."""

import io
from datetime import timedelta

import pytest

from lms.certificates import services
from lms.certificates.codes import check_symbol
from tests.conftest import login, post_form


def _typo(code: str) -> str:
    symbols = code.replace("-", "")[3:]
    wrong = "0" if symbols[2] != "0" else "1"
    broken = symbols[:2] + wrong + symbols[3:]
    assert check_symbol(broken[:11]) != broken[11] or broken == symbols
    return f"ITC-{broken[:4]}-{broken[4:8]}-{broken[8:]}"


def test_valid_certificate_page_shows_what_an_employer_needs(client, make_certified):
    cert = make_certified()
    response = client.get(f"/verify/{cert.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid" in page and "Şəhla Əliyeva" in page and cert.programme_name in page
    assert "International Trainer Certificate" in page
    assert "@" not in page.split("<main")[1].split("</main>")[0]  # never an e-mail address
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")


def test_the_form_forgives_case_spaces_and_confusable_letters(client, make_certified):
    cert = make_certified()
    typed = cert.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{cert.code}"


def test_a_typo_is_called_a_typo_not_unknown(client, make_certified):
    cert = make_certified()
    response = client.get("/verify", query_string={"code": _typo(cert.code)})
    assert response.status_code == 400
    assert "This code has a typo" in response.get_data(as_text=True)


def test_a_well_formed_unknown_code_is_not_found(client, make_certified):
    make_certified()
    data = "ABCDEFGHJKM"
    code = f"ITC-{data[:4]}-{data[4:8]}-{data[8:]}{check_symbol(data)}"
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404 and "No certificate has this code" in response.get_data(as_text=True)


def test_revoked_and_expired_certificates_say_so(app, db, client, make_certified, make_coordinator):
    revoked, expired = make_certified(name="Revoked Person"), make_certified(name="Expired Person")
    with app.test_request_context():
        services.revoke(revoked, "Certificate obtained by fraud", make_coordinator())
    expired.expires_on = expired.issued_on - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/verify/{revoked.code}").get_data(as_text=True)
    assert "Revoked" in page and "Certificate obtained by fraud" in page
    assert "Expired" in client.get(f"/verify/{expired.code}").get_data(as_text=True)


def test_json_api(app, db, client, make_certified, make_coordinator):
    cert = make_certified(name="Алексей Ковалёв")
    data = client.get(f"/api/v1/certificates/{cert.code.lower()}").get_json()
    assert data == {"code": cert.code, "status": "valid", "holder": "Алексей Ковалёв",
                    "programme": cert.programme_name, "issued_on": cert.issued_on.isoformat(),
                    "expires_on": cert.expires_on.isoformat(), "revoked_reason": None}
    with app.test_request_context():
        services.reissue(cert, "Aleksey Kovalyov", make_coordinator())
    db.session.commit()
    data = client.get(f"/api/v1/certificates/{cert.code}").get_json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "Superseded by a reissued certificate"
    missing = client.get("/api/v1/certificates/ITC-0000-0000-0000")
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_each_verification_is_counted(db, client, make_certified):
    cert = make_certified()
    for _ in range(3):
        client.get(f"/verify/{cert.code}")
    client.get(f"/api/v1/certificates/{cert.code}")
    db.session.refresh(cert)
    assert cert.verifications == 4


def test_pending_certificates_are_not_public(client, make_programme, make_certified):
    cert = make_certified(programme=make_programme(requires_approval=True))
    assert client.get(f"/verify/{cert.code}").status_code == 404
    assert client.get(f"/api/v1/certificates/{cert.code}").status_code == 404


def test_registry_shows_only_listed_valid_trainers(app, db, client, make_certified, make_coordinator):
    listed = make_certified(name="Listed Trainer", country="Georgia")
    hidden = make_certified(name="Hidden Trainer")
    expired = make_certified(name="Expired Trainer")
    revoked = make_certified(name="Revoked Trainer")
    for cert in (listed, expired, revoked):
        cert.listed = True
    expired.expires_on = expired.issued_on - timedelta(days=1)
    with app.test_request_context():
        services.revoke(revoked, "Withdrawn", make_coordinator())
    db.session.commit()
    page = client.get("/registry").get_data(as_text=True)
    assert "Listed Trainer" in page
    for name in ("Hidden Trainer", "Expired Trainer", "Revoked Trainer"):
        assert name not in page
    assert "Listed Trainer" in client.get("/registry?country=georg").get_data(as_text=True)
    assert "Listed Trainer" not in client.get("/registry?name=zzz").get_data(as_text=True)
    assert hidden.enrolment.user.email not in page


def test_registry_search_is_unicode_aware(db, client, make_certified):
    cert = make_certified(name="Şəhla Əliyeva")
    cert.listed = True
    db.session.commit()
    assert "Şəhla Əliyeva" in client.get("/registry?name=ŞƏHLA").get_data(as_text=True)


def test_holder_switches_the_registry_listing(db, client, make_certified):
    cert = make_certified()
    login(client, cert.enrolment.user)
    home = client.get("/home").get_data(as_text=True)
    assert cert.code in home and "List me in the registry" in home
    post_form(client, f"/certificates/{cert.id}/registry", token_from="/home")
    db.session.refresh(cert)
    assert cert.listed
    assert "Remove me from the registry" in client.get("/home").get_data(as_text=True)


def test_another_trainee_cannot_download_or_switch(client, make_certified, make_trainee):
    cert = make_certified()
    login(client, make_trainee())
    assert client.get(f"/certificates/{cert.id}/credential.json").status_code == 403
    assert post_form(client, f"/certificates/{cert.id}/registry", token_from="/home").status_code == 403


@pytest.mark.parametrize("url", ["/verify/{code}", "/api/v1/certificates/{code}"])
def test_verification_is_rate_limited(make_app, make_certified, url):
    cert = make_certified()
    limited = make_app(RATELIMIT_ENABLED=True, VERIFY_LIMITS="3 per minute")
    client = limited.test_client()
    statuses = [client.get(url.format(code=cert.code)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_coordinator_revokes_with_a_confirmation_page(db, client, make_certified, make_coordinator):
    cert = make_certified()
    login(client, make_coordinator())
    url = f"/admin/certificates/{cert.id}/revoke"
    confirm = client.get(url).get_data(as_text=True)
    assert "cannot be undone" in confirm and "Cancel" in confirm
    empty = post_form(client, url, {"reason": ""}, token_from=url)
    assert empty.status_code == 200 and cert.status == "issued"
    post_form(client, url, {"reason": "Identity fraud"}, token_from=url)
    db.session.refresh(cert)
    assert cert.status == "revoked" and cert.revoked_reason == "Identity fraud"


@pytest.mark.parametrize("url", ["/admin/certificates", "/admin/audit", "/admin/certificates/{id}/revoke",
                                 "/admin/certificates/{id}/reissue"])
def test_certificate_admin_is_for_coordinators(client, make_certified, make_trainer, url):
    cert = make_certified()
    login(client, make_trainer())
    assert client.get(url.format(id=cert.id)).status_code == 403


def _upload(client, data: bytes):
    return post_form(client, "/verify/upload", {"file": (io.BytesIO(data), "certificate.pdf")},
                     token_from="/verify", content_type="multipart/form-data")


def test_uploading_the_genuine_pdf_confirms_it_and_an_altered_one_is_refused(db, client, make_certified):
    from lms.certificates.pdf import store_pdf, stored_pdf_path

    cert = make_certified(name="Алексей Ковалёв")
    assert store_pdf(cert)
    db.session.commit()
    genuine = stored_pdf_path(cert).read_bytes()
    page = _upload(client, genuine).get_data(as_text=True)
    assert "This is the genuine document issued on" in page and "Алексей Ковалёв" in page
    altered = genuine + b"%"  # one byte more: no longer the stored file, still a PDF with its attachment
    page = _upload(client, altered).get_data(as_text=True)
    # Not the issued bytes: never "genuine"; its embedded signed credential still names the certificate.
    assert "This is the genuine document" not in page
    assert "could not be checked byte for byte" in page and "Алексей Ковалёв" in page
    from weasyprint import HTML

    page = _upload(client, HTML(string="<p>Алексей Ковалёв</p>").write_pdf()).get_data(as_text=True)
    assert "This file was not issued by us or has been altered." in page
    page = _upload(client, b"not a pdf at all").get_data(as_text=True)
    assert "not issued by us" in page
