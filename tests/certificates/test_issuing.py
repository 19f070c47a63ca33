"""Issuing, approval, expiry, revocation and reissue, with the audit trail."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.models import AuditEntry, Certificate
from lms.courses.services import RuleError, mark_lesson_done
from lms.exams import services as exam_services
from lms.exams.simulation import answer
from lms.intensive.services import ensure_sessions, mark_attendance, rubric, score_practical, set_rubric


def test_issued_certificate_expires_after_the_programme_validity(db, make_certified):
    certificate = make_certified()
    programme = certificate.enrolment.cohort.programme
    assert certificate.status == "issued" and certificate.issued_on is not None
    assert certificate.expires_on == services.add_years(certificate.issued_on, programme.validity_years)
    assert certificate.status_on(certificate.expires_on) == "valid"
    assert certificate.status_on(certificate.expires_on + timedelta(days=1)) == "expired"
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions == ["issued"]


def test_leap_day_expiry():
    assert services.add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)


def test_approval_when_the_programme_asks_for_it(app, db, make_programme, make_certified, make_coordinator):
    programme = make_programme(requires_approval=True)
    certificate = make_certified(programme=programme)
    assert certificate.status == "pending" and certificate.issued_on is None
    with app.test_request_context():
        services.approve(certificate, make_coordinator())
        assert certificate.status == "issued"
        with pytest.raises(RuleError):
            services.approve(certificate, make_coordinator())


def test_revocation_needs_a_reason_and_is_audited(app, db, make_certified, make_coordinator):
    certificate, coordinator = make_certified(), make_coordinator()
    with app.test_request_context():
        with pytest.raises(RuleError):
            services.revoke(certificate, "  ", coordinator)
        services.revoke(certificate, "Misconduct during the intensive", coordinator)
    assert certificate.status_on(date.today()) == "revoked"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "revoked"))
    assert entry.actor_id == coordinator.id and entry.note == "Misconduct during the intensive"


def test_reissue_supersedes_the_old_code(app, db, make_certified, make_coordinator):
    old = make_certified(name="Sehla Aliyeva")
    old.listed = True
    with app.test_request_context():
        new = services.reissue(old, "Şəhla Əliyeva", make_coordinator())
    db.session.commit()
    assert new.code != old.code and new.holder_name == "Şəhla Əliyeva"
    assert new.expires_on == old.expires_on and new.listed and not old.listed
    assert old.status == "revoked" and old.revoked_reason == services.SUPERSEDED
    assert old.superseded_by_id == new.id
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][-1] == "reissued"


def test_issue_due_follows_the_outcomes(app, db, make_cohort, make_trainee, make_trainer, make_exam):
    """Two trainees through the whole flow: one certified, one who failed the final gets attendance."""
    trainer = make_trainer()
    strong, weak = make_trainee(name="Strong"), make_trainee(name="Weak")
    cohort = make_cohort(trainees=[strong, weak], trainers=[trainer], days_in=60)
    programme = cohort.programme
    stage1 = make_exam(programme, "stage1", types=("single", "single"))
    final = make_exam(programme, "final", types=("single", "single"))
    set_rubric(programme, "Delivery | 4 | 2")
    with app.test_request_context():
        for enrolment, skill in zip(cohort.enrolments, (1.0, 0.0), strict=True):
            for module in programme.modules:
                for lesson in module.lessons:
                    mark_lesson_done(enrolment, lesson, cohort.distance_ends)
            for exam, day, sk in ((stage1, cohort.stage1_opens, 1.0), (final, cohort.final_exam_on, skill)):
                when = datetime.combine(day, time(10))
                if exam is final:
                    for session in ensure_sessions(cohort):
                        mark_attendance(session, {enrolment.id: ("present", "")}, trainer, cohort.final_exam_on)
                attempt = exam_services.start_attempt(exam, enrolment, when)
                answer(attempt, when, skill=sk)
                exam_services.submit_attempt(attempt, when)
            score_practical(enrolment, trainer, {c.id: 4 for c in rubric(programme)})
        made = services.issue_due(cohort, today=cohort.final_exam_on + timedelta(days=1))
        assert services.issue_due(cohort, today=cohort.final_exam_on + timedelta(days=1)) == []
    kinds = {c.enrolment.user.name: c.kind for c in made}
    assert kinds == {"Strong": "trainer", "Weak": "attendance"}
    weak_cert = next(c for c in made if c.kind == "attendance")
    assert weak_cert.title == "Certificate of Attendance" and weak_cert.expires_on is None
    assert db.session.scalar(select(Certificate).where(Certificate.kind == "trainer")).title == \
        "International Trainer Certificate"


def test_validity_in_months_and_none_for_a_programme_without_expiry(db, make_programme, make_certified):
    assert services.add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)
    assert services.add_months(date(2026, 12, 2), 18) == date(2028, 6, 2)
    eighteen = make_certified(programme=make_programme(validity_months=18))
    assert eighteen.expires_on == services.add_months(eighteen.issued_on, 18)
    forever = make_certified(programme=make_programme(validity_months=0))
    assert forever.status == "issued" and forever.expires_on is None
