"""The calendar feed as other software reads it: every text escaped, UIDs that do not depend on the host."""

from datetime import date, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar
from sqlalchemy import select

from lms.courses.calendar import feed_token
from lms.courses.models import Cohort

AWKWARD = 'Baku, spring; "A\\B" group\nsecond line · Şəki'


def _feed(client, cohort, host: str = "lms.test") -> Calendar:
    response = client.get(f"/calendar/{feed_token(cohort)}.ics", base_url=f"http://{host}")
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def _uids(calendar: Calendar) -> list[str]:
    return [str(event["UID"]) for event in calendar.walk("VEVENT")]


def test_names_with_separators_and_line_breaks_come_back_unchanged(client, db, make_cohort, make_programme):
    cohort = make_cohort(programme=make_programme(name="Health; safety, and \\ rights"))
    cohort.name, cohort.venue = AWKWARD, "Room 1, floor 2; \\ east\nwing"
    cohort.online_link = "https://meet.example.org/room?a=1,2;b"
    db.session.commit()

    feed = _feed(client, cohort)
    assert str(feed["X-WR-CALNAME"]) == f"Health; safety, and \\ rights · {AWKWARD}"
    assert feed.calendar_name == f"Health; safety, and \\ rights · {AWKWARD}"
    assert AWKWARD in str(feed["X-WR-CALDESC"])
    day1 = next(e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Intensive, day 1")
    assert str(day1["LOCATION"]) == "Room 1, floor 2; \\ east\nwing"
    assert str(day1["DESCRIPTION"]) == "https://meet.example.org/room?a=1,2;b"
    assert str(day1["URL"]) == "https://meet.example.org/room?a=1,2;b"


def test_the_raw_feed_has_no_unescaped_separators_in_text(client, db, make_cohort):
    cohort = make_cohort()
    cohort.name = AWKWARD
    db.session.commit()
    body = client.get(f"/calendar/{feed_token(cohort)}.ics").data.decode()
    lines = body.replace("\r\n ", "").split("\r\n")  # unfold
    name = next(line for line in lines if line.startswith("X-WR-CALNAME"))
    assert name == ("X-WR-CALNAME;VALUE=TEXT:Programme 1 · "
                    'Baku\\, spring\\; "A\\\\B" group\\nsecond line · Şəki')
    assert all("\n" not in line and "\r" not in line for line in lines)


def test_a_link_that_is_not_a_web_address_stays_out_of_the_url_property(client, db, make_cohort):
    cohort = make_cohort()
    cohort.online_link = "javascript:alert(1)"
    db.session.commit()
    day1 = next(e for e in _feed(client, cohort).walk("VEVENT") if str(e["SUMMARY"]) == "Intensive, day 1")
    assert "URL" not in day1 and str(day1["DESCRIPTION"]) == "javascript:alert(1)"


def test_uids_come_from_base_url_not_the_host_header(app, client, make_cohort):
    cohort = make_cohort()
    on_a, on_b = _uids(_feed(client, cohort, "a.example")), _uids(_feed(client, cohort, "b.example"))
    assert on_a == on_b
    assert len(set(on_a)) == len(on_a) == 4 + 1 + 4 + 1  # weeks, stage-1 window, intensive days, final
    base_host = urlsplit(app.config["BASE_URL"]).netloc
    assert base_host == "lms.test"
    assert all(uid.startswith(f"{base_host}/cohort-{cohort.id}/") for uid in on_a)
    assert f"lms.test/cohort-{cohort.id}/distance-week1" in on_a
    assert not any("@" in uid for uid in on_a)  # nothing in a public feed that looks like an e-mail address
    assert not any("a.example" in uid or "b.example" in uid for uid in on_a)


def test_uids_survive_a_reset_of_the_feed_address(client, db, make_cohort):
    from lms.courses.calendar import reset_feed

    cohort = make_cohort()
    before = _uids(_feed(client, cohort))
    reset_feed(cohort)
    db.session.commit()
    assert _uids(_feed(client, cohort)) == before


def test_uids_survive_re_seeding_the_demo_on_another_day(client, db):
    from lms.demo.seed import seed_demo

    seed_demo(today=date(2026, 3, 2))
    db.session.commit()
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.id)))
    first = {c.id: (c.distance_start, _uids(_feed(client, c))) for c in cohorts}

    seed_demo(today=date(2026, 3, 2) + timedelta(days=45))
    db.session.commit()
    db.session.expire_all()
    again = list(db.session.scalars(select(Cohort).order_by(Cohort.id)))
    assert [c.id for c in again] == list(first)
    for cohort in again:
        start, uids = first[cohort.id]
        assert cohort.distance_start == start + timedelta(days=45)  # the dates moved ...
        assert _uids(_feed(client, cohort)) == uids  # ... the events kept their identity
