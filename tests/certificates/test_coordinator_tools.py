"""Coordinator tools: issue one certificate on a decision, withhold a due one, the cohort's PDFs as one ZIP."""

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.bundle import member_name
from lms.certificates.models import AuditEntry, Certificate, Withholding
from lms.courses.services import RuleError
from tests.conftest import post_form


def _all_stages_optional(db, cohort):
    """Every outcome earns the certificate: no required stage left to pass."""
    for stage in cohort.programme.stages:
        stage.required = False
    db.session.commit()


def test_issue_one_with_a_reason_is_audited_even_when_the_rules_would_not(db, client, login_as, make_cohort,
                                                                           make_trainee, make_coordinator):
    trainee = make_trainee(name="Rəşad Quliyev")
    cohort = make_cohort(trainees=[trainee], days_in=10)
    enrolment = cohort.enrolments[0]
    login_as(make_coordinator())
    url = f"/admin/enrolments/{enrolment.id}/issue-certificate"
    assert "Issue a certificate to Rəşad Quliyev" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"kind": "trainer", "reason": " "}, token_from=url)
    assert response.status_code == 200 and db.session.scalar(select(Certificate)) is None
    response = post_form(client, url, {"kind": "trainer", "reason": "Recognised equivalent: ILO Turin ToT 2025"},
                         token_from=url)
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.status == "issued" and certificate.enrolment_id == enrolment.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "issued_by_decision"))
    assert entry.note == "Recognised equivalent: ILO Turin ToT 2025" and entry.subject_id == certificate.id
    assert entry.details["code"] == certificate.code
    again = post_form(client, url, {"kind": "trainer", "reason": "Twice"}, token_from=url)
    assert "already has this certificate" in again.get_data(as_text=True)


def test_a_withheld_certificate_is_skipped_until_the_withholding_is_lifted(app, db, client, login_as, make_cohort,
                                                                          make_trainee, make_coordinator):
    kept, other = make_trainee(name="Kept Back"), make_trainee(name="Goes Ahead")
    cohort = make_cohort(trainees=[kept, other], days_in=60)
    _all_stages_optional(db, cohort)
    enrolment = next(e for e in cohort.enrolments if e.user_id == kept.id)
    coordinator = make_coordinator()
    login_as(coordinator)
    url = f"/admin/enrolments/{enrolment.id}/withhold"
    page = client.get(url).get_data(as_text=True)
    assert "Withhold the certificate of Kept Back?" in page and "skip" in page  # the confirmation says what it does
    assert post_form(client, url, {"reason": ""}, token_from=url).status_code == 200
    response = post_form(client, url, {"reason": "Fees not paid"}, token_from=url)
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "withheld"))
    assert (entry.subject, entry.subject_id, entry.note, entry.actor_id) == (
        "enrolment", enrolment.id, "Fees not paid", coordinator.id)
    with app.test_request_context():
        made = services.issue_due(cohort)
    db.session.commit()
    assert [c.holder_name for c in made] == ["Goes Ahead"]
    cohort_page = client.get(f"/admin/cohorts/{cohort.id}/certificates").get_data(as_text=True)
    assert "Withheld: Fees not paid" in cohort_page
    response = post_form(client, f"/admin/enrolments/{enrolment.id}/lift-withholding",
                         token_from=f"/admin/cohorts/{cohort.id}/certificates")
    assert response.status_code == 302 and db.session.scalar(select(Withholding)) is None
    lifted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "withholding_lifted"))
    assert lifted.note == "Fees not paid"
    with app.test_request_context():
        assert [c.holder_name for c in services.issue_due(cohort)] == ["Kept Back"]


def test_withholding_needs_a_reason_and_happens_once(app, db, make_cohort, make_trainee, make_coordinator):
    cohort = make_cohort(trainees=[make_trainee()])
    enrolment, coordinator = cohort.enrolments[0], make_coordinator()
    with app.test_request_context():
        with pytest.raises(RuleError):
            services.withhold(enrolment, "  ", coordinator)
        services.withhold(enrolment, "Appeal pending", coordinator)
        with pytest.raises(RuleError):
            services.withhold(enrolment, "Again", coordinator)


def test_the_zip_holds_exactly_the_cohorts_issued_pdfs_named_by_holder_and_code(
        app, db, client, login_as, make_cohort, make_trainee, make_coordinator, make_certified):
    first, second, revoked_one = (make_trainee(name=n) for n in ("Şəhla Əliyeva", "Алексей Ковалёв", "Gone Person"))
    cohort = make_cohort(trainees=[first, second, revoked_one], days_in=60)
    coordinator = make_coordinator()
    with app.test_request_context():
        made = {e.user.name: services.create_certificate(e, "trainer") for e in cohort.enrolments}
        services.revoke(made["Gone Person"], "Fraud", coordinator)
    db.session.commit()
    make_certified(name="Other Cohort")  # not in this cohort
    login_as(coordinator)
    response = client.get(f"/admin/cohorts/{cohort.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    expected = {member_name(made[n]): made[n] for n in ("Şəhla Əliyeva", "Алексей Ковалёв")}
    assert sorted(archive.namelist()) == sorted(expected)
    code = made["Şəhla Əliyeva"].code  # its check symbol may be * ~ $ =, spelt _ in a file name
    assert f"Şəhla Əliyeva {code[:-1]}{'_' if code[-1] in '*~$=' else code[-1]}.pdf" in archive.namelist()
    for name, certificate in expected.items():
        reader = PdfReader(io.BytesIO(archive.read(name)))
        text = "".join(page.extract_text() for page in reader.pages)
        assert certificate.code in text
    db.session.expire_all()
    assert all(c.pdf_sha256 for c in expected.values())  # rendered on the way and recorded


@pytest.mark.parametrize("role", ["trainer", "trainee"])
def test_trainers_and_trainees_may_not_use_the_tools(client, login_as, make_cohort, make_trainee, make_trainer,
                                                     role):
    trainee, trainer = make_trainee(), make_trainer()
    cohort = make_cohort(trainees=[trainee], trainers=[trainer])
    enrolment = cohort.enrolments[0]
    login_as(trainer if role == "trainer" else trainee)
    for url in (f"/admin/cohorts/{cohort.id}/certificates", f"/admin/cohorts/{cohort.id}/certificates.zip",
                f"/admin/enrolments/{enrolment.id}/issue-certificate", f"/admin/enrolments/{enrolment.id}/withhold"):
        assert client.get(url).status_code == 403, url
    for url in (f"/admin/enrolments/{enrolment.id}/issue-certificate", f"/admin/enrolments/{enrolment.id}/withhold",
                f"/admin/enrolments/{enrolment.id}/lift-withholding"):
        response = post_form(client, url, {"reason": "x", "kind": "trainer"}, token_from="/")
        assert response.status_code == 403, url
