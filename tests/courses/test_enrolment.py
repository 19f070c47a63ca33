"""Cohort calendars, capacity, enrolment one by one and by CSV import."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses import enrolment as rules
from lms.courses.models import Enrolment
from lms.courses.services import RuleError

HEADER = "name,email,organisation,country,language\n"


def _calendar(start=date(2026, 1, 5), **changes):
    dates = {"distance_start": start, "stage1_opens": start + timedelta(days=28),
             "stage1_closes": start + timedelta(days=35), "intensive_start": start + timedelta(days=42),
             "final_exam_on": start + timedelta(days=46)}
    dates.update(changes)
    return dates


def test_a_calendar_in_order_has_no_problems(make_programme):
    assert rules.calendar_problems(make_programme(), **_calendar()) == {}


@pytest.mark.parametrize(("change", "field"), [
    ({"stage1_opens": date(2026, 1, 20)}, "stage1_opens"),
    ({"stage1_closes": date(2026, 2, 1)}, "stage1_closes"),
    ({"intensive_start": date(2026, 2, 9)}, "intensive_start"),
    ({"final_exam_on": date(2026, 2, 17)}, "final_exam_on"),
])
def test_each_date_out_of_order_is_named(make_programme, change, field):
    problems = rules.calendar_problems(make_programme(), **_calendar(**change))
    assert field in problems


def _csv(rows: str) -> bytes:
    return (HEADER + rows).encode()


def test_clean_csv_enrols_everyone_and_invites_new_accounts(db, make_cohort, outbox):
    cohort = make_cohort()
    report = rules.parse_enrolment_csv(_csv(
        "Şəhla Əliyeva,shahla@example.org,Baku Metal,Azerbaijan,az\n"
        "Алексей Ковалёв,ALEKSEY@example.org,Caspian,Kazakhstan,ru\n"))
    assert report.errors == []
    assert rules.import_enrolments(cohort, report) == (2, 2)
    db.session.commit()
    names = set(db.session.scalars(select(User.name).join(Enrolment, Enrolment.user_id == User.id)))
    assert names == {"Şəhla Əliyeva", "Алексей Ковалёв"}
    assert db.session.scalar(select(User.language).where(User.email == "aleksey@example.org")) == "ru"
    assert len(list(outbox.glob("*.eml"))) == 2


def test_every_bad_row_is_reported_with_its_line_and_nothing_imported(db, make_cohort):
    cohort = make_cohort()
    report = rules.parse_enrolment_csv(_csv(
        "Good Person,good@example.org,,,en\n"
        ",noname@example.org,,,en\n"
        "Bad Mail,not-an-email,,,en\n"
        "Bad Lang,lang@example.org,,,fr\n"
        "Twice,good@example.org,,,en\n"))
    text = "\n".join(report.errors)
    assert "Line 3:" in text and "name is empty" in text
    assert "Line 4:" in text and "not-an-email" in text
    assert "Line 5:" in text and "fr" in text
    assert "Line 6:" in text and "line 2" in text
    assert "Line 2:" not in text
    with pytest.raises(RuleError):
        rules.import_enrolments(cohort, report)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    (b"first,last\nA,B\n", "missing: name, email"),
    (HEADER.encode(), "no trainees"),
])
def test_malformed_files_get_a_clear_message(data, message):
    report = rules.parse_enrolment_csv(data)
    assert report.rows == [] and message in " ".join(report.errors)


def test_existing_accounts_are_enrolled_not_duplicated(db, make_cohort, make_trainee):
    trainee = make_trainee(email="known@example.org", name="Known Person")
    cohort = make_cohort()
    report = rules.parse_enrolment_csv(_csv("Known Person,KNOWN@example.org,,,en\n"))
    assert rules.import_enrolments(cohort, report) == (0, 1)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # importing the same file again changes nothing
    assert rules.import_enrolments(cohort, rules.parse_enrolment_csv(_csv("Known,known@example.org,,,en\n"))) == (0, 0)
    assert [e.user_id for e in cohort.enrolments] == [trainee.id]


def test_an_import_past_capacity_or_of_a_trainer_is_refused(db, make_cohort, make_trainer):
    trainer = make_trainer(email="coach@example.org")
    cohort = make_cohort(capacity=1)
    report = rules.parse_enrolment_csv(_csv("A,a@example.org,,,en\nB,b@example.org,,,en\n"))
    with pytest.raises(RuleError):
        rules.import_enrolments(cohort, report)
    assert "above its capacity of 1" in " ".join(report.errors)
    report = rules.parse_enrolment_csv(_csv(f"Coach,{trainer.email},,,en\n"))
    with pytest.raises(RuleError):
        rules.import_enrolments(make_cohort(), report)
    assert "belongs to a trainer" in " ".join(report.errors)


def test_enrol_one_refuses_a_full_cohort_and_other_roles(db, make_cohort, make_trainee, make_trainer):
    cohort = make_cohort(capacity=1)
    first = make_trainee()
    rules.enrol(cohort, first)
    assert rules.enrol(cohort, first).user_id == first.id  # enrolling twice is harmless
    with pytest.raises(RuleError, match="full"):
        rules.enrol(cohort, make_trainee())
    with pytest.raises(RuleError, match="Only trainees"):
        rules.enrol(make_cohort(), make_trainer())


def test_capacity_cannot_drop_below_enrolments(make_cohort, make_trainee):
    cohort = make_cohort(trainees=[make_trainee(), make_trainee()])
    assert rules.capacity_problem(cohort, 1)
    assert rules.capacity_problem(cohort, 2) is None
