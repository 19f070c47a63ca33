"""The certificate PDF as an archival, accessible file that carries its signed credential (issue 13, point 5).

Structure is read back with pypdf and checked with tools we did not write: qpdf --check (syntax, object
streams, cross-reference), poppler's pdfinfo (tagged) and pdfdetach (the embedded file). veraPDF is not
packaged for this machine's registries; what these tests assert is what veraPDF's PDF/A-3a and PDF/UA-1
profiles look at first: the XMP identification (with the extension schema PDF/A requires for pdfuaid), the
output intent, /MarkInfo, the structure tree, /Lang, the title shown by viewers, figures with alt text, and
embedded files associated with the document (/AF, /AFRelationship, a MIME subtype).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from defusedxml import ElementTree as ET
from pypdf import PdfReader, PdfWriter

from lms.certificates.credential import signing_key, verify_credential
from lms.certificates.pdf import render_certificate_pdf, store_pdf, stored_pdf_path
from lms.certificates.services import revoke
from tests.conftest import login, post_form

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
PDFA_SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"


@pytest.fixture
def store(app, tmp_path) -> Path:
    app.config["CERTIFICATE_DIR"] = str(tmp_path / "certificates")
    return tmp_path / "certificates"


@pytest.fixture
def certified(db, make_certified, make_trainee):
    """An issued certificate whose holder reads Azerbaijani."""

    def make(name="Şəhla Əliyeva", language="az"):
        certificate = make_certified(name=name)
        certificate.enrolment.user.language = language
        certificate.language = language
        db.session.commit()
        return certificate

    return make


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _xmp_attributes(reader: PdfReader) -> dict[str, str]:
    """Every rdf:Description attribute of the XMP packet (simple properties), by {namespace}name."""
    root = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    found = {}
    for description in root.iter(f"{RDF}Description"):
        found.update(description.attrib)
    return found


def _structure(node, found: list) -> list:
    """The structure elements under a node, depth first."""
    node = node.get_object()
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is None or isinstance(kid, int):
            continue
        kid_object = kid.get_object()
        if isinstance(kid_object, dict) and kid_object.get("/Type") == "/StructElem":
            found.append(kid_object)
            _structure(kid_object, found)
    return found


def _embedded(reader: PdfReader) -> bytes:
    files = reader.attachments
    assert list(files) == ["credential.json"]
    [content] = files["credential.json"]
    return content


# ---- the document ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "language"), [("Şəhla Əliyeva", "az"), ("Алексей Ковалёв", "ru"),
                                                ("Jane Doe", "en")])
def test_the_pdf_is_tagged_in_the_holders_language_and_shows_its_title(certified, name, language):
    certificate = certified(name=name, language=language)
    reader = _reader(render_certificate_pdf(certificate))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True  # a pypdf BooleanObject
    assert catalog["/Lang"] == language
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert name in reader.metadata.title and certificate.code in reader.metadata.title
    elements = _structure(catalog["/StructTreeRoot"], [])
    kinds = {str(element["/S"]) for element in elements}
    assert {"/Document", "/H1", "/P", "/Figure"} <= kinds
    assert "/Table" not in kinds  # the layout grids are not announced as data tables
    [heading] = [element for element in elements if element["/S"] == "/H1"]
    assert heading.get("/K")  # the title's text is marked content inside the heading
    assert "/ParentTree" in catalog["/StructTreeRoot"]


def test_every_figure_has_alt_text_and_the_qr_codes_names_the_verification_page(certified):
    certificate = certified(language="en")
    reader = _reader(render_certificate_pdf(certificate))
    figures = [e for e in _structure(reader.trailer["/Root"]["/StructTreeRoot"], []) if e["/S"] == "/Figure"]
    assert figures and all(str(figure.get("/Alt", "")).strip() for figure in figures)
    assert any(f"/verify/{certificate.code}" in str(figure["/Alt"]) for figure in figures)


def test_the_pdf_declares_pdf_a_3a_and_pdf_ua_1_with_an_srgb_output_intent(certified):
    reader = _reader(render_certificate_pdf(certified()))
    assert reader.pdf_header == "%PDF-1.7"
    xmp = _xmp_attributes(reader)
    assert (xmp[f"{PDFAID}part"], xmp[f"{PDFAID}conformance"]) == ("3", "A")
    assert xmp[f"{PDFUAID}part"] == "1"
    # PDF/A admits pdfuaid only with its schema described in the packet.
    packet = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    described = {element.text for element in packet.iter(f"{PDFA_SCHEMA}namespaceURI")}
    assert "http://www.aiim.org/pdfua/ns/id/" in described
    titles = [li.text for li in packet.iter(f"{RDF}li") if li.get("{http://www.w3.org/XML/1998/namespace}lang")]
    assert reader.metadata.title in titles  # dc:title matches the document information's /Title
    [intent] = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"  # an RGB ICC profile


def test_the_signed_credential_is_embedded_as_the_documents_alternative(certified):
    certificate = certified()
    reader = _reader(render_certificate_pdf(certificate))
    catalog = reader.trailer["/Root"]
    [associated] = catalog["/AF"]
    filespec = associated.get_object()
    assert filespec["/AFRelationship"] == "/Alternative"
    assert filespec["/F"] == filespec["/UF"] == "credential.json"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"
    credential = json.loads(_embedded(reader))
    assert verify_credential(credential, signing_key())
    assert credential["id"].endswith(f"/verify/{certificate.code}")
    assert credential["credentialSubject"]["name"] == certificate.holder_name


def test_the_embedded_credential_is_what_the_credential_download_serves(db, client, certified):
    certificate = certified()
    embedded = json.loads(_embedded(_reader(render_certificate_pdf(certificate))))
    login(client, certificate.enrolment.user)
    response = client.get(f"/certificates/{certificate.id}/credential.json")
    assert response.status_code == 200
    served = json.loads(response.data)
    # Each signing stamps its own proof time, so the proofs differ in created/proofValue; both verify.
    assert {k: v for k, v in embedded.items() if k != "proof"} == {k: v for k, v in served.items() if k != "proof"}
    volatile = {"created", "proofValue"}

    def stable(proof):
        proofs = proof if isinstance(proof, list) else [proof]
        return [{k: v for k, v in p.items() if k not in volatile} for p in proofs]

    assert stable(embedded["proof"]) == stable(served["proof"])
    assert verify_credential(embedded, signing_key()) and verify_credential(served, signing_key())


# ---- tools we did not write ---------------------------------------------------------------------


def test_qpdf_pdfinfo_and_pdfdetach_accept_the_file(certified, tmp_path):
    pdf = tmp_path / "certificate.pdf"
    data = render_certificate_pdf(certified())
    pdf.write_bytes(data)
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "Tagged:          yes" in info and "Pages:           1" in info
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True,
                             timeout=60).stdout
    assert listing.splitlines() == ["1 embedded files", "1: credential.json"]
    out = tmp_path / "detached.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(pdf)], check=True, timeout=60)
    assert out.read_bytes() == _embedded(_reader(data))


# ---- verification by upload ----------------------------------------------------------------------


def _upload(client, data: bytes) -> str:
    return post_form(client, "/verify/upload", {"file": (io.BytesIO(data), "certificate.pdf")},
                     token_from="/verify", content_type="multipart/form-data").get_data(as_text=True)


def _resaved(data: bytes) -> bytes:
    """The file as another program saves it: pypdf rewrites every object, the embedded file comes along."""
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(data))).write(out)
    return out.getvalue()


def test_a_resaved_copy_is_recognised_by_its_credential_with_the_certificates_current_status(
        db, client, store, certified, make_coordinator):
    certificate = certified(name="Алексей Ковалёв", language="ru")
    assert store_pdf(certificate)
    db.session.commit()
    copy = _resaved(stored_pdf_path(certificate).read_bytes())
    assert hashlib.sha256(copy).hexdigest() != certificate.pdf_sha256
    page = _upload(client, copy)
    assert "carries our digitally signed record of certificate" in page and certificate.code in page
    assert "could not be checked byte for byte" in page
    assert "This is the genuine document" not in page
    assert "Алексей Ковалёв" in page and "verdict-valid" in page and "is in force" in page

    revoke(certificate, "Identity fraud", make_coordinator())
    db.session.commit()
    page = _upload(client, copy)
    assert "could not be checked byte for byte" in page
    assert "verdict-revoked" in page and "Identity fraud" in page and "is in force" not in page


def _with_credential(data: bytes, credential: dict) -> bytes:
    """The PDF with its credential.json replaced (a forger's copy)."""
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", json.dumps(credential).encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_credential_we_did_not_sign_or_that_was_changed_is_refused(db, client, store, certified):
    certificate = certified(name="Jane Doe", language="en")
    assert store_pdf(certificate)
    db.session.commit()
    data = stored_pdf_path(certificate).read_bytes()
    genuine = json.loads(_embedded(_reader(data)))

    changed = json.loads(json.dumps(genuine))
    changed["credentialSubject"]["name"] = "Someone Else"  # the signature no longer holds
    from lms.certificates.credential import sign_credential

    foreign = sign_credential({k: v for k, v in genuine.items() if k != "proof"}, key=Ed25519PrivateKey.generate())
    for credential in (changed, foreign):
        page = _upload(client, _with_credential(data, credential))
        assert "This file was not issued by us or has been altered." in page
        assert "digitally signed record" not in page
    assert "digitally signed record" in _upload(client, _with_credential(data, genuine))  # the control


# ---- the store -----------------------------------------------------------------------------------


def test_stored_pdfs_stay_as_they_are_and_force_renders_them_anew(app, db, store, certified):
    certificate = certified()
    assert store_pdf(certificate)
    db.session.commit()
    path = stored_pdf_path(certificate)
    old = b"%PDF-1.4\n% rendered before certificates were archival\n"  # an earlier version's stored file
    path.write_bytes(old)
    certificate.pdf_sha256 = hashlib.sha256(old).hexdigest()
    db.session.commit()

    assert store_pdf(certificate) is False  # already rendered: kept byte for byte
    result = app.test_cli_runner().invoke(args=["render-certificates", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == old

    result = app.test_cli_runner().invoke(args=["render-certificates", "--force", "--processes", "1"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    data = path.read_bytes()
    assert data != old and certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert list(_reader(data).attachments) == ["credential.json"]
