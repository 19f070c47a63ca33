"""Who may open what: every role against coordinator, trainer and trainee pages."""

import pytest

from tests.conftest import login

COORDINATOR_PAGES = [
    "/admin/programmes", "/admin/programmes/new", "/admin/programmes/{programme}", "/admin/programmes/{programme}/edit",
    "/admin/cohorts", "/admin/cohorts/new", "/admin/cohorts/{cohort}", "/admin/cohorts/{cohort}/edit",
    "/admin/people", "/admin/modules/{module}", "/admin/modules/{module}/edit", "/admin/lessons/{lesson}/edit",
    "/admin/programmes/{programme}/modules/new", "/admin/modules/{module}/lessons/new",
]
TRAINER_PAGES = ["/cohorts/{cohort}/progress"]
LEARNING_PAGES = ["/cohorts/{cohort}/modules/{module}", "/cohorts/{cohort}/lessons/{lesson}"]


@pytest.fixture
def world(make_cohort, make_trainee, make_trainer, make_coordinator):
    trainer, other_trainer = make_trainer(), make_trainer()
    trainee, other_trainee = make_trainee(), make_trainee()
    cohort = make_cohort(trainers=[trainer], trainees=[trainee], days_in=3)
    make_cohort(programme=cohort.programme, trainers=[other_trainer], trainees=[other_trainee], days_in=3)
    module = cohort.programme.modules[0]
    ids = {"cohort": cohort.id, "programme": cohort.programme_id, "module": module.id, "lesson": module.lessons[0].id}
    people = {"coordinator": make_coordinator(), "trainer": trainer, "other_trainer": other_trainer,
              "trainee": trainee, "other_trainee": other_trainee, "anonymous": None}
    return ids, people


def _status(client, people, who, url):
    if people[who] is not None:
        login(client, people[who])
    return client.get(url).status_code


EXPECTED = {
    # role: (coordinator pages, trainer pages, learning pages)
    "anonymous": (302, 302, 302),
    "trainee": (403, 403, 200),
    "other_trainee": (403, 403, 403),
    "trainer": (403, 200, 200),
    "other_trainer": (403, 403, 403),
    "coordinator": (200, 200, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("url", COORDINATOR_PAGES + TRAINER_PAGES + LEARNING_PAGES)
def test_access(client, world, who, url):
    ids, people = world
    kind = 0 if url in COORDINATOR_PAGES else 1 if url in TRAINER_PAGES else 2
    response_status = _status(client, people, who, url.format(**ids))
    assert response_status == EXPECTED[who][kind]


def test_anonymous_is_sent_to_the_login_page(client, world):
    ids, _people = world
    response = client.get(f"/cohorts/{ids['cohort']}/progress")
    assert response.headers["Location"].startswith("/login?next=")


def test_trainer_home_lists_only_their_own_cohorts(client, world):
    ids, people = world
    login(client, people["trainer"])
    page = client.get("/home").get_data(as_text=True)
    assert people["trainee"].name in page
    assert people["other_trainee"].name not in page


def test_trainee_cannot_mark_a_lesson_in_another_cohort(client, world):
    from tests.conftest import post_form

    ids, people = world
    login(client, people["other_trainee"])
    response = post_form(client, f"/cohorts/{ids['cohort']}/lessons/{ids['lesson']}/done", token_from="/home")
    assert response.status_code == 403


def test_a_trainee_sees_no_one_elses_email(client, world):
    ids, people = world
    login(client, people["trainee"])
    for url in ("/home", f"/cohorts/{ids['cohort']}/modules/{ids['module']}"):
        page = client.get(url).get_data(as_text=True)
        assert people["other_trainee"].email not in page and people["trainer"].email not in page
