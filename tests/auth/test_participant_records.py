"""A person's country (an ISO 3166 code named in the interface language) and optional sex; an enrolment's
participant type from the CSV import; the migration that turns free-text countries into codes."""

from alembic import command
from sqlalchemy import select, text

from lms import create_app
from lms.auth.models import User
from lms.courses import enrolment as rules
from lms.courses.models import Enrolment
from lms.extensions import db as _db
from tests import conftest
from tests.conftest import login, post_form
from tests.test_app import ROOT, empty_database  # noqa: F401  (fixture)


def test_coordinator_invites_with_a_country_code_and_sex(db, client, make_coordinator):
    login(client, make_coordinator())
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Used only for anonymous statistics" in page and '<option value="GE">Georgia</option>' in page
    post_form(client, "/admin/people", {"name": "Tamar Kiknadze", "email": "tamar@example.org", "role": "trainee",
                                        "language": "en", "country": "GE", "sex": "female"},
              token_from="/admin/people")
    user = db.session.scalar(select(User).where(User.email == "tamar@example.org"))
    assert (user.country_code, user.country, user.sex) == ("GE", "Georgia", "female")
    post_form(client, "/admin/people", {"name": "Ion Rusu", "email": "ion@example.org", "role": "trainee",
                                        "language": "en"}, token_from="/admin/people")
    user = db.session.scalar(select(User).where(User.email == "ion@example.org"))
    assert (user.country_code, user.sex) == ("", None)  # both may be left blank
    response = post_form(client, "/admin/people", {"name": "X", "email": "x@example.org", "role": "trainee",
                                                   "language": "en", "country": "Narnia"}, token_from="/admin/people")
    assert response.status_code == 200 and db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_country_names_are_shown_in_the_interface_language(db, client, make_coordinator, make_trainee):
    make_trainee(name="Giorgi Lomidze", country_code="GE", country="Georgia")
    login(client, make_coordinator())
    post_form(client, "/language", {"lang": "ru", "next": "/admin/people"}, token_from="/admin/people")
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Грузия" in page


def test_csv_import_takes_country_codes_and_participant_types(app, db, make_cohort):
    cohort = make_cohort()
    data = ("name,email,organisation,country,language,participant_type\n"
            "Nigar Əsgərova,nigar@example.org,Ombudsman,Azerbaijan,az,speaker\n"
            "Ion Rusu,ion@example.org,People's Advocate,MD,en,\n"
            "Old Style,old@example.org,,Atlantis,en,observer\n").encode()
    with app.test_request_context():
        report = rules.parse_enrolment_csv(data)
        assert report.errors == []
        rules.import_enrolments(cohort, report)
        bad = rules.parse_enrolment_csv(b"name,email,participant_type\nA,a@example.org,king\n")
    db.session.commit()
    found = {e.user.email: (e.participant_type, e.user.country_code, e.user.country)
             for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))}
    assert found == {"nigar@example.org": ("speaker", "AZ", "Azerbaijan"),
                     "ion@example.org": ("participant", "MD", "MD"),
                     "old@example.org": ("observer", "", "Atlantis")}
    assert "participant_type must be one of" in bad.errors[0]


def test_migration_matches_english_country_names_and_keeps_the_rest(empty_database, tmp_path):  # noqa: F811
    app = create_app({**conftest.test_settings(tmp_path), "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        command.upgrade(config, "c3d4e5f6a7b8")
        for n, country in enumerate(["Georgia", " türkiye ", "az", "Atlantis", ""]):
            _db.session.execute(text(
                "INSERT INTO users (email, name, role, organisation, country, language, active, created_at) "
                "VALUES (:email, 'P', 'trainee', '', :country, 'en', :active, CURRENT_TIMESTAMP)"),
                {"email": f"p{n}@example.org", "country": country, "active": True})
        _db.session.commit()
        command.upgrade(config, "e5f6a7b8c9d0")
        rows = _db.session.execute(text("SELECT country, country_code, sex FROM users ORDER BY email")).all()
        assert [tuple(r) for r in rows] == [("Georgia", "GE", None), (" türkiye ", "TR", None), ("az", "AZ", None),
                                            ("Atlantis", "", None), ("", "", None)]
        _db.session.remove()  # ends the read's transaction, which would hold the downgrade's lock on PostgreSQL
        command.downgrade(config, "c3d4e5f6a7b8")
        assert _db.session.execute(text("SELECT country FROM users WHERE email = 'p3@example.org'")).scalar() == \
            "Atlantis"
        _db.session.remove()
        _db.engine.dispose()
