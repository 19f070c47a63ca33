"""Calendar feed addresses can be revoked by the cohort's staff and expire on their own."""

import re

from tests.conftest import login, post_form

FEED = re.compile(r'href="http://lms\.test(/calendar/[^"]+\.ics)"')


def _feed_url(client, page: str) -> str:
    return FEED.search(client.get(page).get_data(as_text=True)).group(1)


def _fetch(app, url: str):
    return app.test_client().get(url)  # a calendar app: no cookies


def test_a_trainer_resets_the_link_after_confirming_and_old_links_stop_working(app, client, make_cohort,
                                                                                make_trainee, make_trainer):
    trainee, trainer = make_trainee(), make_trainer()
    cohort = make_cohort(trainees=[trainee], trainers=[trainer], days_in=3)
    trainee_browser = app.test_client()
    login(trainee_browser, trainee)
    trainees_link = _feed_url(trainee_browser, "/home")
    login(client, trainer)
    cohort_page = f"/cohorts/{cohort.id}/progress"
    trainers_link = _feed_url(client, cohort_page)
    assert _fetch(app, trainees_link).status_code == 200 and _fetch(app, trainers_link).status_code == 200

    page = client.get(cohort_page).get_data(as_text=True)
    reset_url = f"/cohorts/{cohort.id}/calendar/reset"
    assert f'href="{reset_url}"' in page and "Reset calendar link" in page
    confirmation = client.get(reset_url)
    assert confirmation.status_code == 200
    assert "Reset the calendar link of" in confirmation.get_data(as_text=True)
    assert _fetch(app, trainees_link).status_code == 200  # asking changes nothing

    done = post_form(client, reset_url, token_from=reset_url, follow_redirects=True)
    assert "The calendar link has been reset" in done.get_data(as_text=True)
    assert _fetch(app, trainees_link).status_code == 404
    assert _fetch(app, trainers_link).status_code == 404
    new_link = _feed_url(trainee_browser, "/home")
    assert new_link != trainees_link
    assert _fetch(app, new_link).status_code == 200


def test_resetting_needs_the_form_token(client, make_cohort, make_coordinator, app):
    cohort = make_cohort()
    login(client, make_coordinator())
    link = _feed_url(client, f"/cohorts/{cohort.id}/progress")
    response = client.post(f"/cohorts/{cohort.id}/calendar/reset")
    assert response.status_code == 400
    assert _fetch(app, link).status_code == 200


def test_a_trainer_of_another_cohort_cannot_reset_the_link(app, client, make_cohort, make_trainer):
    cohort = make_cohort(trainers=[make_trainer()])
    outsider = make_trainer()
    make_cohort(programme=cohort.programme, trainers=[outsider])
    login(client, outsider)
    response = post_form(client, f"/cohorts/{cohort.id}/calendar/reset", token_from="/home")
    assert response.status_code == 403


def test_feed_links_expire(app, client, make_cohort, make_trainee):
    trainee = make_trainee()
    make_cohort(trainees=[trainee], days_in=3)
    login(client, trainee)
    link = _feed_url(client, "/home")
    assert _fetch(app, link).status_code == 200
    app.config["CALENDAR_FEED_MAX_AGE_DAYS"] = -1  # every link handed out is now too old
    assert _fetch(app, link).status_code == 404


def test_the_default_lifetime_of_a_feed_link_is_a_year(app):
    assert app.config["CALENDAR_FEED_MAX_AGE_DAYS"] == 365
