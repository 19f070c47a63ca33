"""The cohort calendar as an .ics feed at a signed address."""

import re

from icalendar import Calendar

from tests.conftest import login


def test_trainee_finds_the_feed_and_it_holds_every_date(client, make_cohort, make_trainee):
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee], days_in=3)
    login(client, trainee)
    page = client.get("/home").get_data(as_text=True)
    url = re.search(r'href="http://lms\.test(/calendar/[^"]+\.ics)"', page).group(1)
    client.post("/logout")  # calendar apps have no session: the feed needs none
    response = client.get(url, headers={"Cookie": ""})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.data).walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries[:4] == [f"Distance learning: week {n}" for n in range(1, 5)]
    assert "Stage-1 exam window" in summaries and "Final exam" in summaries
    assert sum(s.startswith("Intensive, day") for s in summaries) == 4
    final = next(e for e in events if str(e["SUMMARY"]) == "Final exam")
    assert final.decoded("DTSTART") == cohort.final_exam_on


def test_an_altered_feed_address_is_not_found(client, make_cohort):
    make_cohort()
    assert client.get("/calendar/not-a-token.ics").status_code == 404
