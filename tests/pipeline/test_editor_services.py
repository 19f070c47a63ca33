"""The pipeline editor's rules, on the services: add, change, reorder and remove stages, and a cohort's dates."""

from datetime import timedelta

import pytest

from lms.courses.services import RuleError, mark_lesson_done
from lms.pipeline import services
from lms.pipeline.services import StageData


@pytest.fixture
def programme(app, db, make_programme):
    """A programme with its five default stages; the tests' own stages make it a pipeline of its own."""
    with app.test_request_context():
        yield make_programme(modules_per_week=1, lessons_per_module=1)


def seminar(**fields) -> StageData:
    values = dict(key="seminar", kind="sessions", title={"en": "Seminar day", "az": "Seminar günü", "ru": "Семинар"},
                  offset_days=70, length_days=2, pass_value=75)
    values.update(fields)
    return StageData(**values)


def keys(programme):
    return [s.key for s in sorted(programme.stages, key=lambda s: s.position)]


def stage(programme, key):
    return next(s for s in programme.stages if s.key == key)


def window(cohort, key):
    return next((w.opens_on, w.closes_on) for w in cohort.windows if w.stage.key == key)


def test_a_new_stage_goes_last_with_its_rule_and_a_window_in_every_cohort(db, programme, make_cohort):
    first, second = make_cohort(programme), make_cohort(programme, start=programme.created_at.date())
    added = services.add_stage(programme, seminar(after=["final"], weight=20, required=False))
    db.session.commit()
    assert keys(programme)[-1] == "seminar" and added.position == 6
    assert added.rule == {"attendance": 75} and added.settings == {"sessions": 2}
    assert added.title == {"en": "Seminar day", "az": "Seminar günü", "ru": "Семинар"}
    assert (added.after, added.weight, added.required) == (["final"], 20, False)
    for cohort in (first, second):
        db.session.refresh(cohort)
        start = cohort.distance_start
        assert window(cohort, "seminar") == (start + timedelta(days=70), start + timedelta(days=71))
    exam = services.add_stage(programme, StageData(key="quiz", kind="exam", title={"en": "Quiz"}, pass_value=60))
    modules = services.add_stage(programme, StageData(key="reading", kind="modules", title={"en": "Reading"},
                                                      length_days=15, pass_value=100))
    assert exam.rule == {"score": 60} and modules.rule == {"modules": 100} and modules.settings == {"weeks": 3}


@pytest.mark.parametrize(("fields", "message"), [
    ({"key": "Seminar"}, "A key starts with a small letter"),
    ({"key": "x" * 41}, "A key starts with a small letter"),
    ({"key": "final"}, "Another stage of this programme has the key “final”."),
    ({"kind": "lottery"}, "Unknown kind of stage: lottery."),
    ({"title": {"en": " "}}, "Give the stage a title."),
    ({"length_days": 0}, "lasts at least one day"),
    ({"pass_value": 101}, "percentages from 0 to 100"),
    ({"after": ["nowhere"]}, "A stage can only come after earlier stages: nowhere."),
])
def test_a_bad_stage_is_refused_and_nothing_is_added(db, programme, fields, message):
    with pytest.raises(RuleError, match=message):
        services.add_stage(programme, seminar(**fields))
    db.session.rollback()
    assert keys(programme) == ["distance", "stage1", "intensive", "teachback", "final"]


def test_an_edit_retitles_renames_and_moves_windows_still_at_their_defaults(db, programme, make_cohort):
    kept, moved = make_cohort(programme), make_cohort(programme)
    services.add_stage(programme, seminar())
    services.add_stage(programme, StageData(key="wrap", kind="exam", title={"en": "Wrap-up"}, offset_days=85,
                                            after=["seminar"]))
    db.session.commit()
    by_hand = (moved.distance_start + timedelta(days=80), moved.distance_start + timedelta(days=81))
    services.set_stage_dates(moved, {s.id: (by_hand if s.key == "seminar" else window(moved, s.key))
                                     for s in programme.stages})
    db.session.commit()

    programme.fallback_rule = {"passed": ["seminar"], "at_least": {"seminar": 50}}
    services.update_stage(stage(programme, "seminar"), seminar(key="day", title={"en": "Seminar day (hybrid)"},
                                                               offset_days=60, length_days=3, pass_value=80))
    db.session.commit()
    day = stage(programme, "day")
    assert day.title == {"en": "Seminar day (hybrid)"} and day.rule == {"attendance": 80}
    assert day.settings == {"sessions": 3}
    assert stage(programme, "wrap").after == ["day"]
    assert programme.fallback_rule == {"passed": ["day"], "at_least": {"day": 50}}
    start = kept.distance_start
    assert window(kept, "day") == (start + timedelta(days=60), start + timedelta(days=62))
    assert window(moved, "day") == by_hand


def test_key_and_kind_are_fixed_once_a_stage_has_results(db, programme, make_cohort, make_trainee):
    cohort = make_cohort(programme, trainees=[make_trainee()])
    lesson = programme.modules[0].lessons[0]
    mark_lesson_done(cohort.enrolments[0], lesson, cohort.distance_start)
    db.session.commit()
    distance = stage(programme, "distance")
    data = StageData(key="distance", kind="modules", title={"en": "Reading weeks"}, length_days=28,
                     pass_value=80)
    for change in ({"key": "reading"}, {"kind": "exam"}):
        with pytest.raises(RuleError, match="has results, so its key and kind can no longer change"):
            services.update_stage(distance, StageData(**{**data.__dict__, **change}))
    services.update_stage(distance, data)
    db.session.commit()
    assert distance.title == {"en": "Reading weeks"} and distance.rule == {"modules": 80}


def test_after_may_only_name_earlier_stages_on_edit(db, programme):
    with pytest.raises(RuleError, match="only come after earlier stages: final"):
        services.update_stage(stage(programme, "stage1"), StageData(
            key="stage1", kind="exam", title={"en": "Stage-1 exam"}, offset_days=28, length_days=10,
            after=["final"]))


def test_moving_swaps_neighbours_but_never_puts_a_stage_before_one_it_comes_after(db, programme):
    services.move_stage(stage(programme, "teachback"), "up")
    assert keys(programme) == ["distance", "stage1", "teachback", "intensive", "final"]
    services.move_stage(stage(programme, "teachback"), "down")
    assert keys(programme) == ["distance", "stage1", "intensive", "teachback", "final"]
    with pytest.raises(RuleError, match="“Stage-1 exam” comes after “Distance learning”, so it cannot move "
                                        "before it"):
        services.move_stage(stage(programme, "stage1"), "up")
    services.move_stage(stage(programme, "final"), "up")
    with pytest.raises(RuleError, match="“Final exam” comes after “Intensive”"):
        services.move_stage(stage(programme, "final"), "up")
    with pytest.raises(RuleError, match="“Final exam” comes after “Intensive”"):
        services.move_stage(stage(programme, "intensive"), "down")
    with pytest.raises(RuleError, match="cannot move further"):
        services.move_stage(stage(programme, "distance"), "up")
    with pytest.raises(RuleError, match="cannot move further"):
        services.move_stage(stage(programme, "teachback"), "down")
    assert keys(programme) == ["distance", "stage1", "intensive", "final", "teachback"]


def test_a_stage_without_results_or_dependants_is_removed_with_its_windows(db, programme, make_cohort):
    cohort = make_cohort(programme)
    services.add_stage(programme, seminar())
    db.session.commit()
    services.remove_stage(stage(programme, "seminar"))
    services.remove_stage(stage(programme, "teachback"))
    db.session.commit()
    db.session.refresh(cohort)
    assert keys(programme) == ["distance", "stage1", "intensive", "final"]
    assert [s.position for s in sorted(programme.stages, key=lambda s: s.position)] == [1, 2, 3, 4]
    assert sorted(w.stage.key for w in cohort.windows) == ["distance", "final", "intensive", "stage1"]


def test_removal_is_refused_with_dependants_or_results(db, programme, make_cohort, make_trainee):
    with pytest.raises(RuleError, match="“Stage-1 exam” cannot be removed: “Final exam” come"):
        services.remove_stage(stage(programme, "stage1"))
    cohort = make_cohort(programme, trainees=[make_trainee()])
    mark_lesson_done(cohort.enrolments[0], programme.modules[0].lessons[0], cohort.distance_start)
    stage(programme, "stage1").after = []
    db.session.commit()
    with pytest.raises(RuleError, match="“Distance learning” has results in a cohort, so it cannot be removed."):
        services.remove_stage(stage(programme, "distance"))
    assert keys(programme) == ["distance", "stage1", "intensive", "teachback", "final"]


def test_a_cohort_moves_its_own_stage_dates_within_the_rules(db, programme, make_cohort):
    cohort = make_cohort(programme)
    services.add_stage(programme, seminar())
    services.add_stage(programme, StageData(key="wrap", kind="exam", title={"en": "Wrap-up"}, offset_days=72,
                                            after=["seminar"]))
    db.session.commit()
    ids = {s.key: s.id for s in programme.stages}
    dates = {s.id: window(cohort, s.key) for s in programme.stages}
    start = cohort.distance_start

    bad = dict(dates)
    bad[ids["seminar"]] = (start + timedelta(days=75), start + timedelta(days=74))
    bad[ids["wrap"]] = (start + timedelta(days=1), start + timedelta(days=1))
    with pytest.raises(services.StageDatesError) as refused:
        services.set_stage_dates(cohort, bad)
    assert refused.value.problems == {
        ids["seminar"]: "A stage closes on or after the day it opens.",
        ids["wrap"]: "It comes after “Seminar day”, so it cannot open before that one opens.",
    }
    dates[ids["seminar"]] = (start + timedelta(days=90), start + timedelta(days=90))
    dates[ids["wrap"]] = (start + timedelta(days=91), start + timedelta(days=91))
    services.set_stage_dates(cohort, dates)
    db.session.commit()
    db.session.refresh(cohort)
    assert window(cohort, "seminar") == (start + timedelta(days=90),) * 2
    assert window(cohort, "wrap") == (start + timedelta(days=91),) * 2


def test_eosh_shaped_programmes_keep_their_dates_on_the_cohort_calendar(db, programme, make_cohort):
    cohort = make_cohort(programme)
    assert services.follows_legacy_calendar(programme)
    with pytest.raises(RuleError, match="follow the cohort's calendar"):
        services.set_stage_dates(cohort, {s.id: window(cohort, s.key) for s in programme.stages})


def test_a_removed_stage_leaves_the_fallback_awards_rule(db, programme):
    programme.fallback_rule = {"passed": ["stage1", "intensive"], "at_least": {"intensive": 50}}
    stage(programme, "final").after = ["stage1"]
    assert services.in_fallback_rule(stage(programme, "intensive"))
    services.remove_stage(stage(programme, "intensive"))
    db.session.commit()
    assert programme.fallback_rule == {"passed": ["stage1"], "at_least": {}}
