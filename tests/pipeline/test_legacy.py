"""Until the old fixed-stage columns go, programmes and cohorts made the old way (forms, demo, factories) get
the same pipeline and windows as the migration gives existing data."""

from datetime import timedelta

from lms.intensive.services import ensure_sessions, rubric, score_practical, set_rubric


def test_a_programme_and_cohort_made_the_old_way_get_the_pipeline(db, make_cohort, make_exam, make_trainee,
                                                                 make_trainer):
    trainee, trainer = make_trainee(), make_trainer()
    cohort = make_cohort(trainees=[trainee], days_in=60)
    programme = cohort.programme
    assert [s.key for s in programme.stages] == ["distance", "stage1", "intensive", "teachback", "final"]
    assert programme.stages[1].rule == {"score": 70} and programme.stages[2].settings == {"sessions": 4}
    windows = {w.stage.key: (w.opens_on, w.closes_on) for w in cohort.windows}
    assert windows["stage1"] == (cohort.stage1_opens, cohort.stage1_closes)
    assert windows["intensive"] == (cohort.intensive_start, cohort.intensive_ends)
    assert windows["distance"] == (cohort.distance_start, cohort.distance_ends)
    assert cohort.starts_on == cohort.distance_start
    assert all(m.stage.key == "distance" for m in programme.modules)
    assert make_exam(programme, "stage1").stage.key == "stage1"
    assert make_exam(programme, "practice").stage is None
    sessions = ensure_sessions(cohort)
    assert {s.stage.key for s in sessions} == {"intensive"}
    set_rubric(programme, "Objectives | 4 | 2")
    db.session.flush()
    row = score_practical(cohort.enrolments[0], trainer, {c.id: 3 for c in rubric(programme)})
    assert row.stage.key == "teachback"
    cohort.final_exam_on += timedelta(days=2)
    programme.stage1_pass_mark = 65
    db.session.commit()
    assert {w.stage.key: w.closes_on for w in cohort.windows}["final"] == cohort.final_exam_on
    assert programme.stages[1].rule == {"score": 65}
