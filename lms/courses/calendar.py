"""The cohort calendar as an iCalendar (.ics) feed, for trainees' and trainers' own calendar apps.

Calendar apps cannot log in, so the feed lives at a signed, unguessable address per cohort. The address
carries the cohort's feed version and its issue time: resetting the link (a new version) ends every address
given out before, and an address stops working CALENDAR_FEED_MAX_AGE_DAYS after it was issued.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.courses.models import Cohort
from lms.extensions import db
from lms.timeutil import utcnow


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


def cohort_ics(cohort: Cohort, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Trainer Certification LMS//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{cohort.programme.name} · {cohort.name}")
    stamp = utcnow()

    def event(key: str, title: str, first, last, location: str = "", description: str = "") -> None:
        item = Event()
        item.add("uid", f"cohort-{cohort.id}-{key}@{host}")
        item.add("dtstamp", stamp)
        item.add("summary", title)
        item.add("dtstart", first)
        item.add("dtend", last + timedelta(days=1))  # all-day events end the day after
        if location:
            item.add("location", location)
        if description:
            item.add("description", description)
        calendar.add_component(item)

    for week in range(1, cohort.programme.distance_weeks + 1):
        event(f"week{week}", _("Distance learning: week %(n)d", n=week), cohort.week_opens(week),
              cohort.week_ends(week))
    event("stage1", _("Stage-1 exam window"), cohort.stage1_opens, cohort.stage1_closes)
    for number, day in enumerate(cohort.intensive_dates, start=1):
        event(f"intensive{number}", _("Intensive, day %(n)d", n=number), day, day, cohort.venue,
              cohort.online_link)
    event("final", _("Final exam"), cohort.final_exam_on, cohort.final_exam_on, cohort.venue)
    return calendar.to_ical()
