"""The cohort calendar as an iCalendar (.ics) feed, for trainees' and trainers' own calendar apps.

Calendar apps cannot log in, so the feed lives at a signed, unguessable address per cohort. The address
carries the cohort's feed version and its issue time: resetting the link (a new version) ends every address
given out before, and an address stops working CALENDAR_FEED_MAX_AGE_DAYS after it was issued.

Every text value goes out as an iCalendar TEXT (vText: commas, semicolons, backslashes and line breaks
escaped), the X-WR-* names too, which say VALUE=TEXT so that generic parsers unescape them as well.

An event's UID is "<BASE_URL host>/cohort-<cohort id>/<event key>", e.g. "lms.example.org/cohort-7/week2":
- BASE_URL, not the request's Host header, so the same event has one UID on every address the site answers;
- no "x@host" form (RFC 5545's old suggestion): a UID must not look like an e-mail address on a public feed;
- the cohort id and a fixed key per event (week2, stage1, intensive3, final), never a date: re-seeding the
  demo (`seed-demo` finds its cohorts by name and updates them in place, so their ids stay) moves every
  date to today, and a moved event must keep its UID so calendar apps move it instead of keeping a ghost;
- no feed version either: resetting the feed address gives the same events a new address, not new UIDs.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vText, vUri
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.courses.models import Cohort
from lms.extensions import db
from lms.pipeline.outcome import cohort_windows, programme_stages
from lms.pipeline.registry import kind_of
from lms.timeutil import utcnow
from lms.urls import base_host


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-calendar-feed")


def feed_token(cohort: Cohort) -> str:
    return _serializer().dumps([cohort.id, cohort.calendar_feed_version])


def cohort_from_token(token: str) -> Cohort | None:
    """The cohort whose current feed this token opens; None when altered, expired or reset since."""
    max_age = current_app.config["CALENDAR_FEED_MAX_AGE_DAYS"] * 24 * 3600
    try:
        value = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # an expired token is a BadSignature too
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        return None
    cohort_id, version = value
    if not 0 < cohort_id < 2**31:
        return None
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.calendar_feed_version != version:
        return None
    return cohort


def reset_feed(cohort: Cohort) -> None:
    """A new feed address for the cohort; every address given out before stops working."""
    cohort.calendar_feed_version = Cohort.calendar_feed_version + 1  # in SQL, so two resets never collide
    db.session.flush()
    db.session.refresh(cohort, ["calendar_feed_version"])


def event_uid(cohort: Cohort, key: str) -> str:
    """The event's identity for calendar apps: the same on every host name and after re-seeding."""
    return f"{base_host(current_app.config['BASE_URL'])}/cohort-{cohort.id}/{key}"


def _web_link(value: str) -> str | None:
    """The value if it is an http(s) address fit for a URL property (a URI value, never escaped), else None."""
    value = (value or "").strip()
    if any(not 32 < ord(char) < 127 or char in '"<>\\^`{|}' for char in value):
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def cohort_ics(cohort: Cohort) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Trainer Certification LMS//EN")
    calendar.add("version", "2.0")
    # X-WR-* are extensions icalendar does not type: say they are TEXT, so they are escaped and read back.
    calendar.add("x-wr-calname", vText(f"{cohort.programme.name} · {cohort.name}"), parameters={"VALUE": "TEXT"})
    calendar.add("x-wr-caldesc", vText(_("Dates of %(cohort)s, %(programme)s", cohort=cohort.name,
                                          programme=cohort.programme.name)), parameters={"VALUE": "TEXT"})
    stamp = utcnow()

    def event(key: str, title: str, first, last, location: str = "", description: str = "",
              url: str | None = None) -> None:
        item = Event()
        item.add("uid", vText(event_uid(cohort, key)))
        item.add("dtstamp", stamp)
        item.add("summary", vText(title))
        item.add("dtstart", first)
        item.add("dtend", last + timedelta(days=1))  # all-day events end the day after
        if location:
            item.add("location", vText(location))
        if description:
            item.add("description", vText(description))
        if url:
            item.add("url", vUri(url))
        calendar.add_component(item)

    stages = programme_stages(cohort.programme_id)
    windows = cohort_windows(cohort.id)
    for stage in stages:
        window = windows.get(stage.id)
        opens, closes = (window.opens_on, window.closes_on) if window else (None, None)
        for e in kind_of(stage).events(stage, opens, closes, cohort):
            event(e.key, e.title, e.first, e.last, e.location, e.description, _web_link(e.url or ""))
    return calendar.to_ical()
