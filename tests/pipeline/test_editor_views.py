"""The pipeline editor through the test client: pages, forms with CSRF, refusals in words, and who may."""

from datetime import timedelta

import pytest

from lms.courses.services import mark_lesson_done
from lms.pipeline.models import ProgrammeStage
from lms.timeutil import today
from tests.conftest import csrf_token, post_form


@pytest.fixture
def coordinator_client(client, make_coordinator, login_as):
    return login_as(make_coordinator())


@pytest.fixture
def programme(make_programme):
    return make_programme(modules_per_week=1, lessons_per_module=1)


def base(programme) -> str:
    return f"/admin/programmes/{programme.id}/pipeline"


def stage(programme, key) -> ProgrammeStage:
    return next(s for s in programme.stages if s.key == key)


def order(db, programme) -> list[str]:
    db.session.expire_all()
    return [s.key for s in sorted(programme.stages, key=lambda s: s.position)]


SEMINAR = {"key": "seminar", "kind": "sessions", "title_en": "Seminar day", "title_az": "Seminar günü",
           "title_ru": "Семинар", "offset_days": "3", "length_days": "1", "pass_value": "75", "required": "y"}


def test_the_programme_page_links_to_its_pipeline_which_lists_stages_and_a_preview(coordinator_client, programme):
    page = coordinator_client.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert f'href="{base(programme)}"' in page
    page = coordinator_client.get(base(programme)).get_data(as_text=True)
    for text in ("Distance learning", "Stage-1 exam", "Intensive", "Practical teach-back", "Final exam",
                 "Score of at least 70 %", "Attendance of at least 75 %", "Preview: a participant",
                 "Opens after passing “Distance learning”.",
                 "Awarded when every required stage is passed."):
        assert text in page, text


def test_adding_a_stage_through_the_form(db, coordinator_client, programme, make_cohort):
    cohort = make_cohort(programme)
    response = post_form(coordinator_client, f"{base(programme)}/new", {**SEMINAR, "after": ["final"]},
                         token_from=f"{base(programme)}/new")
    assert response.status_code == 302 and response.headers["Location"].endswith(base(programme))
    added = stage(programme, "seminar")
    assert added.title == {"en": "Seminar day", "az": "Seminar günü", "ru": "Семинар"}
    assert (added.after, added.rule, added.offset_days) == (["final"], {"attendance": 75}, 3)
    db.session.refresh(cohort)
    assert any(w.stage_id == added.id and w.opens_on == cohort.distance_start + timedelta(days=3)
               for w in cohort.windows)
    page = coordinator_client.get(base(programme)).get_data(as_text=True)
    assert "Stage “Seminar day” added." in page and "Opens after passing “Final exam”." in page


def test_a_refused_stage_keeps_what_was_typed_and_says_why(coordinator_client, programme):
    response = post_form(coordinator_client, f"{base(programme)}/new", {**SEMINAR, "key": "final"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another stage of this programme has the key “final”." in page and 'value="Seminar day"' in page
    response = post_form(coordinator_client, f"{base(programme)}/new", {**SEMINAR, "key": "Bad key"})
    assert "Small letters, digits, - and _; starting with a letter." in response.get_data(as_text=True)


def test_editing_a_stage_with_results_keeps_its_key_and_kind(db, coordinator_client, programme, make_cohort,
                                                              make_trainee):
    cohort = make_cohort(programme, trainees=[make_trainee()])
    mark_lesson_done(cohort.enrolments[0], programme.modules[0].lessons[0], cohort.distance_start)
    db.session.commit()
    distance = stage(programme, "distance")
    url = f"{base(programme)}/{distance.id}/edit"
    page = coordinator_client.get(url).get_data(as_text=True)
    assert "its key and kind are fixed" in page and 'value="Distance learning"' in page
    data = {"title_en": "Reading weeks", "offset_days": "0", "length_days": "28", "pass_value": "90"}
    response = post_form(coordinator_client, url, data, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert (distance.key, distance.kind, distance.title, distance.rule) == (
        "distance", "modules", {"en": "Reading weeks"}, {"modules": 90})


def test_moving_stages_and_the_refusal_in_words(db, coordinator_client, programme):
    teachback, stage1 = stage(programme, "teachback"), stage(programme, "stage1")
    response = post_form(coordinator_client, f"{base(programme)}/{teachback.id}/move", {"direction": "up"})
    assert response.status_code == 302
    assert order(db, programme) == ["distance", "stage1", "teachback", "intensive", "final"]
    response = post_form(coordinator_client, f"{base(programme)}/{stage1.id}/move", {"direction": "up"},
                         follow_redirects=True)
    assert "“Stage-1 exam” comes after “Distance learning”, so it cannot move before it." in response.get_data(
        as_text=True)
    assert order(db, programme) == ["distance", "stage1", "teachback", "intensive", "final"]
    assert post_form(coordinator_client, f"{base(programme)}/{stage1.id}/move", {"direction": "sideways"}
                     ).status_code == 400


def test_removing_asks_first_and_is_refused_for_a_stage_others_come_after(db, coordinator_client, programme):
    teachback, stage1 = stage(programme, "teachback"), stage(programme, "stage1")
    url = f"{base(programme)}/{teachback.id}/remove"
    page = coordinator_client.get(url).get_data(as_text=True)
    assert "Remove the stage “Practical teach-back”?" in page and "Remove stage" in page
    assert order(db, programme) == ["distance", "stage1", "intensive", "teachback", "final"]
    assert post_form(coordinator_client, url, token_from=url).status_code == 302
    assert order(db, programme) == ["distance", "stage1", "intensive", "final"]
    response = coordinator_client.get(f"{base(programme)}/{stage1.id}/remove", follow_redirects=True)
    assert "“Stage-1 exam” cannot be removed: “Final exam” come(s) after it." in response.get_data(as_text=True)


def test_posts_without_a_csrf_token_are_refused(db, coordinator_client, programme):
    teachback = stage(programme, "teachback")
    assert coordinator_client.post(f"{base(programme)}/{teachback.id}/remove").status_code == 400
    assert coordinator_client.post(f"{base(programme)}/{teachback.id}/move", data={"direction": "up"}
                                   ).status_code == 400
    assert coordinator_client.post(f"{base(programme)}/new", data=SEMINAR).status_code in (200, 400)
    assert order(db, programme) == ["distance", "stage1", "intensive", "teachback", "final"]


@pytest.mark.parametrize("path", ["", "/new", "/{stage}/edit", "/{stage}/remove"])
def test_a_trainer_is_refused_every_page(client, make_trainer, login_as, programme, path):
    login_as(make_trainer())
    url = base(programme) + path.format(stage=stage(programme, "teachback").id)
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/home")
    assert client.post(f"{base(programme)}/{stage(programme, 'teachback').id}/move",
                       data={"csrf_token": token, "direction": "up"}).status_code == 403


def test_cohort_stage_dates_editable_for_a_pipeline_of_its_own(db, coordinator_client, programme, make_cohort):
    cohort = make_cohort(programme)
    url = f"/admin/cohorts/{cohort.id}/stage-dates"
    assert f'href="{url}"' in coordinator_client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    page = coordinator_client.get(url).get_data(as_text=True)
    assert "follow the cohort&#39;s calendar" in page or "follow the cohort's calendar" in page
    assert 'type="date"' not in page

    post_form(coordinator_client, f"{base(programme)}/new", {**SEMINAR, "after": ["final"], "offset_days": "60"})
    page = coordinator_client.get(url).get_data(as_text=True)
    assert "“Seminar day” opens" in page and 'type="date"' in page
    db.session.expire_all()
    stages = sorted(programme.stages, key=lambda s: s.position)
    windows = {w.stage_id: w for w in cohort.windows}
    data = {}
    for s in stages:
        data[f"opens_{s.id}"] = windows[s.id].opens_on.isoformat()
        data[f"closes_{s.id}"] = windows[s.id].closes_on.isoformat()
    seminar, final = stage(programme, "seminar"), stage(programme, "final")
    data[f"opens_{seminar.id}"] = (windows[final.id].opens_on - timedelta(days=1)).isoformat()
    response = post_form(coordinator_client, url, data, token_from=url)
    assert response.status_code == 400
    assert "It comes after “Final exam”, so it cannot open before that one opens." in response.get_data(as_text=True)
    later = today() + timedelta(days=100)
    data[f"opens_{seminar.id}"] = data[f"closes_{seminar.id}"] = later.isoformat()
    response = post_form(coordinator_client, url, data, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert {w.stage_id: w for w in cohort.windows}[seminar.id].opens_on == later


def test_the_confirmation_says_when_the_fallback_award_asks_for_the_stage(db, coordinator_client, programme):
    programme.fallback_rule = {"passed": ["teachback"]}
    db.session.commit()
    page = coordinator_client.get(f"{base(programme)}/{stage(programme, 'teachback').id}/remove").get_data(
        as_text=True)
    assert "will no longer ask for it" in page
    page = coordinator_client.get(f"{base(programme)}/{stage(programme, 'final').id}/remove").get_data(as_text=True)
    assert "Remove the stage “Final exam”?" in page and "will no longer ask for it" not in page
