"""An employer checks a certificate code in the browser: a typo is named, the corrected code is valid,
and a revoked certificate says so with its reason."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.codes import check_symbol
from lms.certificates.models import Certificate
from lms.extensions import db


def _typo(code: str) -> str:
    symbols = code.replace("-", "")[3:]
    swapped = symbols[1] + symbols[0] + symbols[2:] if symbols[0] != symbols[1] else \
        ("0" if symbols[0] != "0" else "1") + symbols[1:]
    assert check_symbol(swapped[:11]) != swapped[11]
    return f"itc {swapped[:4]} {swapped[4:8]} {swapped[8:]}".lower()


def _verify(page: Page, typed: str) -> None:
    page.goto("/verify")
    page.get_by_label("Certificate code").fill(typed)
    page.get_by_role("button", name="Verify", exact=True).click()


def test_employer_corrects_a_typo_and_sees_the_certificate_valid(page: Page, live_app):
    with live_app.app_context():
        cert = db.session.scalar(select(Certificate).where(Certificate.status == "issued",
                                                           Certificate.holder_name == "Nino Beridze"))
        code = cert.code
    _verify(page, _typo(code))
    expect(page.get_by_text("This code has a typo")).to_be_visible()
    _verify(page, code.lower().replace("-", " "))
    expect(page).to_have_url(re.compile(rf"/verify/{re.escape(code)}$"))
    expect(page.get_by_text("Valid", exact=True)).to_be_visible()
    expect(page.get_by_text("Nino Beridze")).to_be_visible()


def test_employer_sees_a_revoked_certificate_with_its_reason(page: Page, live_app):
    with live_app.app_context():
        cert = db.session.scalar(select(Certificate).where(Certificate.status == "issued"))
        enrolment = cert.enrolment
        extra = services.create_certificate(enrolment, "attendance")
        services.revoke(extra, "Issued in error", None)
        db.session.commit()
        code = extra.code
        db.session.remove()
    _verify(page, _typo(code))
    expect(page.get_by_text("This code has a typo")).to_be_visible()
    _verify(page, code)
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("Issued in error"))).to_be_visible()
