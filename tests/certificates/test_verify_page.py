"""The verification page an employer reads: issuer, status in words, validity, stages, entitlement, share, print."""

from datetime import date, timedelta
from pathlib import Path

from lms.certificates import services
from lms.courses.models import Lesson, LessonCompletion, Module
from tests.conftest import count_queries


def _main(page: str) -> str:
    return page.split("<main")[1].split("</main>")[0]


def test_a_valid_certificate_says_who_issued_it_what_it_entitles_to_and_for_how_long(db, client, make_programme,
                                                                                     make_certified):
    programme = make_programme(issuer="Ministry of Labour\nInternational Labour Organization",
                               entitlement={"en": "May run EOSH trainings and monitor workplaces.",
                                            "ru": "Может проводить тренинги EOSH."})
    cert = make_certified(programme=programme)
    cert.expires_on = date.today() + timedelta(days=730)
    db.session.commit()
    response = client.get(f"/verify/{cert.code}")
    page = _main(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Issued by" in page and "Ministry of Labour" in page
    assert 'src="/static/img/issuer-logo.svg"' in page
    assert "Valid" in page and "Valid for another 2 years" in page
    assert "Entitles the holder to" in page and "May run EOSH trainings and monitor workplaces." in page
    assert cert.holder_name in page and cert.title in page and cert.code in page
    assert "@" not in page.replace("mailto:", "")  # never an e-mail address
    russian = client.get(f"/verify/{cert.code}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Может проводить тренинги EOSH." in russian


def test_the_stages_the_holder_passed_are_listed_with_their_dates(db, client, make_certified):
    cert = make_certified()
    enrolment = cert.enrolment
    cohort = enrolment.cohort
    lessons = db.session.scalars(db.select(Lesson).join(Module).where(Module.programme_id == cohort.programme_id))
    for lesson in lessons:
        db.session.add(LessonCompletion(enrolment=enrolment, lesson_id=lesson.id))
    db.session.commit()
    page = _main(client.get(f"/verify/{cert.code}").get_data(as_text=True))
    assert "Stages completed" in page and "Distance learning" in page
    window = next(w for w in cohort.windows if w.stage.key == "distance")
    assert f'<time datetime="{window.closes_on.isoformat()}">' in page
    assert "Final exam" not in page.split("Stages completed")[1]  # not passed: not listed


def test_expired_revoked_and_superseded_certificates_are_explained(app, db, client, make_certified,
                                                                   make_coordinator):
    expired, revoked, old = (make_certified(name=n) for n in ("Expired Person", "Revoked Person", "Old Name"))
    expired.expires_on = date.today() - timedelta(days=95)
    with app.test_request_context():
        services.revoke(revoked, "Certificate obtained by fraud", make_coordinator())
        new = services.reissue(old, "New Name", make_coordinator())
    db.session.commit()
    page = _main(client.get(f"/verify/{expired.code}").get_data(as_text=True))
    assert "Expired" in page and "3 months ago" in page and "no longer in force" in page
    page = _main(client.get(f"/verify/{revoked.code}").get_data(as_text=True))
    assert "Revoked" in page and "Certificate obtained by fraud" in page and "Do not rely on it." in page
    page = _main(client.get(f"/verify/{old.code}").get_data(as_text=True))
    assert "Replaced by a corrected certificate" in page and "Ask the holder for the new certificate" in page
    assert "Superseded by a reissued certificate" not in page
    assert "Valid for another" in _main(client.get(f"/verify/{new.code}").get_data(as_text=True))


def test_share_link_and_print_view(app, client, make_certified):
    cert = make_certified()
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    url = f"{app.config['BASE_URL']}/verify/{cert.code}"
    assert f'<input id="share-url" type="url" readonly value="{url}">' in page
    assert '<label for="share-url">' in page and "mailto:?subject=" in page
    assert "<script" not in _main(page)  # no third-party (or any) script on the record
    css = (Path(app.static_folder) / "css" / "app.css").read_text()
    print_rules = css.split("@media print")[-1]
    assert ".site-header" in print_rules and ".verify-share" in print_rules and ".print-only" in print_rules
    assert 'class="print-only"' in page and url in page.split('class="print-only"')[1]


def test_the_page_costs_the_same_few_queries_whatever_the_certificate(app, db, client, make_programme,
                                                                     make_certified):
    app.config["VERIFY_COUNT_FLUSH_SECONDS"] = 10**9  # counts are written in batches, not on this request
    plain = make_certified(name="Plain")
    rich = make_certified(name="Rich", programme=make_programme(modules_per_week=4, entitlement={"en": "Train"}))
    enrolment = rich.enrolment
    for lesson in db.session.scalars(db.select(Lesson).join(Module)
                                     .where(Module.programme_id == enrolment.cohort.programme_id)):
        db.session.add(LessonCompletion(enrolment=enrolment, lesson_id=lesson.id))
    db.session.commit()
    counts = []
    for cert in (plain, rich, plain):
        db.session.expire_all()
        counts.append(count_queries(db, lambda c=cert: client.get(f"/verify/{c.code}")))
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 13, counts  # the certificate, its enrolment, stages, windows, the kinds' results
