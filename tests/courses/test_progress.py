"""When modules open, marking lessons done, progress, and the trainee timeline."""

from datetime import date, timedelta

import pytest

from lms.courses import services
from lms.courses.models import Enrolment
from lms.pipeline.timeline import build_timeline
from tests.conftest import count_queries

START = date(2026, 3, 2)


@pytest.fixture
def enrolment(db, make_cohort, make_trainee):
    cohort = make_cohort(start=START, trainees=[make_trainee()])
    return cohort.enrolments[0]


@pytest.mark.parametrize(("week", "opens"), [(1, START), (2, START + timedelta(days=7)),
                                             (4, START + timedelta(days=21))])
def test_week_n_opens_at_start_plus_seven_n_minus_one_days(enrolment, week, opens):
    module = next(m for m in enrolment.cohort.programme.modules if m.week == week)
    assert services.module_opens_on(enrolment.cohort, module) == opens
    assert not services.is_module_open(enrolment.cohort, module, opens - timedelta(days=1))
    assert services.is_module_open(enrolment.cohort, module, opens)


def test_marking_a_lesson_done_counts_once_and_moves_progress(db, enrolment):
    lesson = enrolment.cohort.programme.modules[0].lessons[0]
    assert services.mark_lesson_done(enrolment, lesson, START) is True
    assert services.mark_lesson_done(enrolment, lesson, START) is False
    db.session.commit()
    progress = services.enrolment_progress(enrolment)
    assert (progress.done, progress.total) == (1, 16)
    assert [w.done for w in progress.weeks] == [1, 0, 0, 0]
    assert progress.weeks[0].percent == 25


def test_a_locked_lesson_cannot_be_marked_done(enrolment):
    week3 = next(m for m in enrolment.cohort.programme.modules if m.week == 3)
    with pytest.raises(services.RuleError, match="opens on"):
        services.mark_lesson_done(enrolment, week3.lessons[0], START + timedelta(days=13))


def test_a_lesson_of_another_programme_is_refused(enrolment, make_programme):
    other = make_programme().modules[0].lessons[0]
    with pytest.raises(services.RuleError):
        services.mark_lesson_done(enrolment, other, START)


def test_module_done_when_all_its_lessons_are(db, enrolment):
    module = enrolment.cohort.programme.modules[0]
    services.mark_lesson_done(enrolment, module.lessons[0], START)
    assert not services.enrolment_progress(enrolment).module_done(module)
    services.mark_lesson_done(enrolment, module.lessons[1], START)
    assert services.enrolment_progress(enrolment).module_done(module)


def test_week_is_behind_once_over_and_incomplete(enrolment):
    week1 = services.enrolment_progress(enrolment).weeks[0]
    assert not week1.is_behind(START + timedelta(days=6))
    assert week1.is_behind(START + timedelta(days=7))


def _complete_all(enrolment, today):
    for module in enrolment.cohort.programme.modules:
        for lesson in module.lessons:
            services.mark_lesson_done(enrolment, lesson, today)


def _statuses(enrolment, today):
    return [s.status for s in build_timeline(enrolment, today).stages]


def test_timeline_before_the_start_is_all_locked(app, enrolment):
    with app.test_request_context():
        timeline = build_timeline(enrolment, START - timedelta(days=1))
    assert [s.status for s in timeline.stages] == ["locked"] * 6
    assert timeline.next_step.text.startswith("Next: Distance learning. Opens on")


def test_timeline_in_week_two_points_to_the_next_lesson(app, enrolment):
    first = enrolment.cohort.programme.modules[0].lessons[0]
    services.mark_lesson_done(enrolment, first, START)
    with app.test_request_context():
        timeline = build_timeline(enrolment, START + timedelta(days=8))
    assert [s.status for s in timeline.stages] == ["open", "locked", "locked", "locked", "locked", "locked"]
    assert timeline.next_step.url.endswith(f"/lessons/{enrolment.cohort.programme.modules[0].lessons[1].id}")


def test_stage_one_needs_every_module_done_and_the_window_open(app, enrolment, make_exam):
    cohort = enrolment.cohort
    make_exam(cohort.programme, "stage1", types=("single",))
    with app.test_request_context():
        assert _statuses(enrolment, cohort.stage1_opens)[1] == "locked"
        _complete_all(enrolment, cohort.stage1_opens)
        assert _statuses(enrolment, cohort.stage1_opens - timedelta(days=1))[:2] == ["done", "locked"]
        assert _statuses(enrolment, cohort.stage1_opens)[:2] == ["done", "open"]
        assert _statuses(enrolment, cohort.stage1_closes + timedelta(days=1))[1] == "closed"


def test_intensive_follows_the_calendar_and_attendance(app, enrolment, make_trainer):
    from lms.intensive.services import ensure_sessions, mark_attendance

    cohort = enrolment.cohort
    after = cohort.intensive_ends + timedelta(days=1)
    with app.test_request_context():
        assert _statuses(enrolment, cohort.intensive_start - timedelta(days=1))[2] == "locked"
        assert _statuses(enrolment, cohort.intensive_start)[2] == "open"
        assert _statuses(enrolment, after)[2] == "closed"  # attendance below the threshold
        trainer = make_trainer()
        for session in ensure_sessions(cohort):
            mark_attendance(session, {enrolment.id: ("present", "")}, trainer, after)
        assert _statuses(enrolment, after)[2] == "done"


def test_final_follows_the_calendar(app, enrolment):
    cohort = enrolment.cohort
    with app.test_request_context():
        assert _statuses(enrolment, cohort.final_exam_on)[4] == "open"
        assert _statuses(enrolment, cohort.final_exam_on + timedelta(days=1))[4] == "closed"


@pytest.mark.parametrize("size", [3, 40])
def test_cohort_progress_uses_the_same_number_of_queries_for_any_size(db, make_cohort, make_trainee, size):
    cohort = make_cohort(start=START, trainees=[make_trainee() for _ in range(size)])
    enrolments = db.session.query(Enrolment).filter_by(cohort_id=cohort.id).all()
    for e in enrolments[::2]:
        services.mark_lesson_done(e, cohort.programme.modules[0].lessons[0], START)
    db.session.commit()
    db.session.expire_all()

    def work():
        c = db.session.get(type(cohort), cohort.id)
        progress = services.cohort_progress(c)
        rows = services.cohort_enrolments(c)
        assert len(progress) == size and len(rows) == size
        for row in rows:
            assert row.user.name

    queries = count_queries(db, work)
    assert queries <= 6
