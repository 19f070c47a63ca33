"""The cohort calendar as an iCalendar (.ics) feed, for trainees' and trainers' own calendar apps.

Calendar apps cannot log in, so the feed lives at a signed, unguessable address per cohort.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from lms.courses.models import Cohort
from lms.timeutil import utcnow


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms-calendar")


def feed_token(cohort: Cohort) -> str:
    return _serializer().dumps(cohort.id)


def cohort_id_from_token(token: str) -> int | None:
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


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
