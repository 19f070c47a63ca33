"""The cohort dashboard: constant queries, at-risk flags, sorting and filtering, the CSV, access, the overview."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from lms.auth.models import TRAINEE, User
from lms.courses import services
from lms.courses.models import Cohort, Enrolment, LessonCompletion
from lms.exams.models import GRADED, SUBMITTED, ExamAttempt
from lms.intensive.models import ABSENT, EXCUSED, LATE, PRESENT
from lms.intensive.services import ensure_sessions, mark_attendance
from lms.monitoring import dashboard as dash
from lms.monitoring.charts import progress_by_week_svg, score_distribution_svg
from lms.pipeline.outcome import programme_stages
from tests.conftest import count_queries, login

START = date(2026, 3, 2)


@pytest.fixture
def build(db, make_cohort, make_exam, make_trainer):
    """A cohort of `size` trainees with realistic data, built directly with the models: lesson completions
    (one trainee in three is behind), graded stage-1 and final attempts, and marked intensive attendance."""
    marker = make_trainer()

    def make(size: int, days_in: int = 50, trainers=(), names=()) -> Cohort:
        cohort = make_cohort(days_in=days_in, trainers=trainers, capacity=max(size, 25))
        programme = cohort.programme
        stage1 = make_exam(programme, "stage1", types=("single",))
        final = make_exam(programme, "final", types=("single",))
        tag = cohort.id
        users = [User(email=f"t{tag}-{i}@example.org", name=names[i] if i < len(names) else f"Trainee {i:04d}",
                      role=TRAINEE, organisation=f"Org {i % 7}", country="Azerbaijan" if i % 2 else "Georgia")
                 for i in range(size)]
        db.session.add_all(users)
        db.session.flush()
        enrolments = [Enrolment(cohort_id=cohort.id, user_id=u.id) for u in users]
        db.session.add_all(enrolments)
        db.session.flush()
        lessons = [lesson.id for module in programme.modules for lesson in module.lessons]
        completions, attempts = [], []
        for i, e in enumerate(enrolments):
            done = lessons if i % 3 else lessons[: len(lessons) // 3]
            completions += [LessonCompletion(enrolment_id=e.id, lesson_id=lid) for lid in done]
            s1 = 40.0 + (i * 7) % 60
            attempts.append(ExamAttempt(exam_id=stage1.id, enrolment_id=e.id, number=1, status=GRADED,
                                        score=s1, max_score=100, percent=s1, passed=s1 >= 70))
            if i % 4 == 0:
                f = 50.0 + (i * 11) % 50
                attempts.append(ExamAttempt(exam_id=final.id, enrolment_id=e.id, number=1, status=GRADED,
                                            score=f, max_score=100, percent=f, passed=f >= 70))
        db.session.add_all(completions + attempts)
        db.session.flush()
        today = cohort.final_exam_on
        statuses = (PRESENT, PRESENT, LATE, ABSENT, EXCUSED)
        for day, session in enumerate(ensure_sessions(cohort)):
            marks = {e.id: (statuses[(i + day) % len(statuses)] if i % 2 else PRESENT, "")
                     for i, e in enumerate(enrolments)}
            mark_attendance(session, marks, marker, today)
        db.session.commit()
        return cohort

    return make


# ---- a constant number of queries -------------------------------------------------------------


def test_the_dashboard_service_runs_the_same_number_of_queries_for_5_and_200_trainees(db, build):
    small, large = build(5), build(200)
    db.session.expire_all()

    def run(cohort_id, size):
        def work():
            cohort = db.session.get(Cohort, cohort_id)
            rows = dash.cohort_dashboard(cohort)
            assert len(rows) == size
            for row in rows:  # touch everything a page or the CSV reads
                assert row.name and row.email and row.status_label
                _ = [w.percent for w in row.weeks], row.risks
            dash.dashboard_csv(rows, cohort)
        return work

    counts = {size: count_queries(db, run(c.id, size)) for size, c in ((5, small), (200, large))}
    db.session.expire_all()
    assert counts[5] == counts[200] == count_queries(db, run(large.id, 200)), counts
    assert counts[5] <= 15


def test_the_dashboard_page_runs_the_same_number_of_queries_for_5_and_200_trainees(
        db, client, build, make_coordinator):
    small, large = build(5), build(200)
    login(client, make_coordinator())
    client.get(f"/cohorts/{small.id}/dashboard")  # warm up: translations, templates

    def get(cohort_id):
        def work():
            response = client.get(f"/cohorts/{cohort_id}/dashboard?sort=risk&desc=1")
            assert response.status_code == 200
        return work

    counts = [count_queries(db, get(c.id)) for c in (small, large, small)]
    assert counts[0] == counts[1] == counts[2], counts
    csv_counts = [count_queries(db, lambda c=c: client.get(f"/cohorts/{c.id}/dashboard.csv")) for c in (small, large)]
    assert csv_counts[0] == csv_counts[1], csv_counts


def test_the_lean_queries_agree_with_cohort_progress_and_cohort_enrolments(db, build, make_programme, make_trainee):
    cohort = build(30)
    db.session.add(Enrolment(cohort=cohort, user=make_trainee(name="anna Nothing-done")))  # no completion at all
    other = make_programme()  # a completion of another programme's lesson does not count
    enrolment = cohort.enrolments[0]
    db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=other.modules[0].lessons[0].id))
    db.session.commit()
    expected = services.cohort_progress(cohort)
    weeks = dash.cohort_week_progress(cohort, list(expected))
    assert weeks == {eid: p.weeks for eid, p in expected.items()}
    rows = {r.enrolment_id: r for r in dash.cohort_dashboard(cohort)}
    assert {eid: r.progress_percent for eid, r in rows.items()} == {eid: p.percent for eid, p in expected.items()}
    trainees = dash.cohort_trainees(cohort)
    assert [t.enrolment_id for t in trainees] == [e.id for e in services.cohort_enrolments(cohort)]
    assert [r.enrolment_id for r in dash.cohort_dashboard(cohort)] == [t.enrolment_id for t in trainees]


# ---- at-risk flags ----------------------------------------------------------------------------


@pytest.fixture
def trio(db, make_cohort, make_trainee, make_trainer, make_exam):
    """Three trainees: one behind, failed and absent; one on track; one whose attempt awaits grading."""
    behind = make_trainee(name="Behind Bea")
    fine = make_trainee(name="Fine Fay")
    waiting = make_trainee(name="Waiting Wim")
    cohort = make_cohort(start=START, trainees=[behind, fine, waiting])
    programme = cohort.programme
    by_user = {e.user_id: e for e in cohort.enrolments}
    eb, ef, ew = by_user[behind.id], by_user[fine.id], by_user[waiting.id]
    week = {w: [lesson.id for m in programme.modules if m.week == w for lesson in m.lessons] for w in (1, 2, 3, 4)}
    for lid in week[1]:
        db.session.add(LessonCompletion(enrolment_id=eb.id, lesson_id=lid))
    for lid in week[1] + week[2] + week[3] + week[4]:
        db.session.add(LessonCompletion(enrolment_id=ef.id, lesson_id=lid))
        db.session.add(LessonCompletion(enrolment_id=ew.id, lesson_id=lid))
    stage1 = make_exam(programme, "stage1", types=("single",))
    db.session.add_all([
        ExamAttempt(exam_id=stage1.id, enrolment_id=eb.id, number=1, status=GRADED, percent=40, passed=False),
        ExamAttempt(exam_id=stage1.id, enrolment_id=ef.id, number=1, status=GRADED, percent=55, passed=False),
        ExamAttempt(exam_id=stage1.id, enrolment_id=ef.id, number=2, status=GRADED, percent=85, passed=True),
        ExamAttempt(exam_id=stage1.id, enrolment_id=ew.id, number=1, status=SUBMITTED),
    ])
    trainer = make_trainer()
    after = cohort.intensive_ends
    days = ensure_sessions(cohort)
    for session, status in zip(days, (ABSENT, EXCUSED, ABSENT, PRESENT), strict=True):
        mark_attendance(session, {eb.id: (status, ""), ef.id: (PRESENT, ""), ew.id: (LATE, "")}, trainer, after)
    db.session.commit()
    return cohort, eb, ef, ew


def test_at_risk_flags_for_a_trainee_behind_failed_and_absent(trio):
    cohort, eb, ef, ew = trio
    rows = {r.enrolment_id: r for r in dash.cohort_dashboard(cohort, today=START + timedelta(days=15))}
    bea = rows[eb.id]
    assert bea.risks == ["Week 2 behind", "Stage-1 exam failed", "2 absences", "1 excused"]
    assert bea.behind_weeks == [2]  # week 3 is still running
    attendance = bea.results["intensive"]
    assert (attendance.detail.marked, attendance.percent) == (4, 25.0)
    assert (bea.results["stage1"].percent, bea.results["stage1"].passed) == (40, False)
    assert bea.certificate is None
    assert [w.percent for w in bea.weeks] == [100, 0, 0, 0]
    assert rows[ef.id].risks == []
    stage1 = rows[ef.id].results["stage1"]
    assert (stage1.percent, stage1.passed, stage1.attempts) == (85, True, 2)
    assert rows[ew.id].risks == []  # submitted, not graded: not failed
    later = {r.enrolment_id: r for r in dash.cohort_dashboard(cohort, today=cohort.distance_ends + timedelta(days=1))}
    assert later[eb.id].risks[:3] == ["Week 2 behind", "Week 3 behind", "Week 4 behind"]


def test_a_week_without_lessons_is_never_behind(db, make_programme, make_cohort, make_trainee):
    programme = make_programme(modules_per_week=0)
    cohort = make_cohort(programme=programme, start=START, trainees=[make_trainee()])
    (row,) = dash.cohort_dashboard(cohort, today=START + timedelta(days=60))
    assert row.behind_weeks == [] and not any("behind" in r for r in row.risks)


# ---- sorting and filtering --------------------------------------------------------------------


def test_sort_rows_by_every_key_keeps_rows_without_a_value_last(trio):
    cohort, eb, ef, ew = trio
    rows = dash.cohort_dashboard(cohort, today=START + timedelta(days=15))
    names = lambda rs: [r.name for r in rs]  # noqa: E731
    assert names(dash.sort_rows(rows, "name")) == ["Behind Bea", "Fine Fay", "Waiting Wim"]
    assert names(dash.sort_rows(rows, "name", descending=True)) == ["Waiting Wim", "Fine Fay", "Behind Bea"]
    assert names(dash.sort_rows(rows, "progress")) == ["Behind Bea", "Fine Fay", "Waiting Wim"]
    assert names(dash.sort_rows(rows, "stage1")) == ["Behind Bea", "Fine Fay", "Waiting Wim"]
    assert names(dash.sort_rows(rows, "stage1", descending=True)) == ["Fine Fay", "Behind Bea", "Waiting Wim"]
    assert names(dash.sort_rows(rows, "attendance", descending=True))[-1] == "Behind Bea"
    assert names(dash.sort_rows(rows, "risk", descending=True))[0] == "Behind Bea"
    assert names(dash.sort_rows(rows, "no-such-key")) == names(dash.sort_rows(rows, "name"))
    for key in dash.sort_keys(dash.stage_columns(programme_stages(cohort.programme_id))):
        assert sorted(names(dash.sort_rows(rows, key))) == sorted(names(rows))


def test_filter_rows_by_outcome_risk_and_search(trio):
    cohort, eb, ef, ew = trio
    rows = dash.cohort_dashboard(cohort, today=START + timedelta(days=15))
    assert [r.name for r in dash.filter_rows(rows, at_risk=True)] == ["Behind Bea"]
    assert {r.status for r in rows} == {"in_progress"}
    assert len(dash.filter_rows(rows, outcome="in_progress")) == 3
    assert dash.filter_rows(rows, outcome="certified") == []
    assert [r.name for r in dash.filter_rows(rows, search="  fAY ")] == ["Fine Fay"]
    assert len(dash.filter_rows(rows, search="example.org")) == 3
    assert dash.filter_rows(rows, search="nobody") == []


def test_the_page_sorts_and_filters_from_the_query(trio, client, make_coordinator):
    cohort, eb, ef, ew = trio
    login(client, make_coordinator())
    page = client.get(f"/cohorts/{cohort.id}/dashboard?sort=name&desc=1").get_data(as_text=True)
    body = page[page.index("<tbody>"):]
    assert body.index("Waiting Wim") < body.index("Fine Fay") < body.index("Behind Bea")
    assert 'aria-sort="descending"' in page
    filtered = client.get(f"/cohorts/{cohort.id}/dashboard?q=fay").get_data(as_text=True)
    body = filtered[filtered.index("<tbody>"):]
    assert "Fine Fay" in body and "Behind Bea" not in body
    assert 'class="table-wrap"' in page and f'id="trainee-{ef.id}"' in page
    assert "style=" not in page and "<style" not in page and "<script>" not in page
    assert page.count('role="img"') == 4  # progress by week; stage-1 exam, teach-back and final exam scores
    assert "waiting for grading" in page  # Waiting Wim's stage-1 attempt


# ---- CSV --------------------------------------------------------------------------------------


def test_the_csv_has_every_trainee_with_azerbaijani_and_cyrillic_names(db, client, build, make_coordinator):
    names = ("Şəhla Əliyeva", "Алексей Ковалёв", "=cmd|' /C calc'!A0")
    cohort = build(6, names=names)
    login(client, make_coordinator())
    response = client.get(f"/cohorts/{cohort.id}/dashboard.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"cohort-{cohort.id}" in disposition
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and not re.search(r"[^\r]\n", text)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:4] == ["Name", "Email", "Organisation", "Country"]
    assert rows[0][4:8] == ["Week 1 %", "Week 2 %", "Week 3 %", "Week 4 %"]
    assert rows[0][-3:] == ["Outcome", "Certificate", "At risk"]
    assert len(rows) == 7 and all(len(r) == len(rows[0]) for r in rows)
    by_name = {r[0]: r for r in rows[1:]}
    assert "Şəhla Əliyeva" in by_name and "Алексей Ковалёв" in by_name
    assert "'=cmd|' /C calc'!A0" in by_name  # a formula is neutralised
    bad = by_name["Şəhla Əliyeva"]  # trainee 0: 5 of 16 lessons (week 1 done), stage 1 failed
    assert bad[1] == f"t{cohort.id}-0@example.org"
    assert bad[8] == "31" and "Week 1 behind" not in bad[-1] and "Stage-1 exam failed" in bad[-1]
    assert "; " in bad[-1]


def test_dashboard_csv_service_writes_a_bom_and_crlf(trio):
    cohort, *_ = trio
    data = dash.dashboard_csv(dash.cohort_dashboard(cohort, today=START), cohort)
    assert data[:3] == b"\xef\xbb\xbf" and data.count(b"\r\n") == 4


# ---- access -----------------------------------------------------------------------------------


def test_access_to_the_dashboard_and_its_csv(app, client, make_cohort, make_trainer, make_trainee,
                                             make_coordinator):
    own, other = make_trainer(), make_trainer()
    trainee = make_trainee()
    cohort = make_cohort(trainers=[own], trainees=[trainee])
    make_cohort(trainers=[other])
    urls = (f"/cohorts/{cohort.id}/dashboard", f"/cohorts/{cohort.id}/dashboard.csv")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user, expected in ((other, 403), (trainee, 403), (own, 200), (make_coordinator(), 200)):
        c = app.test_client()
        login(c, user)
        assert [c.get(url).status_code for url in urls] == [expected, expected], user
        assert c.get("/dashboard").status_code == (403 if user is trainee else 200)
    assert c.get("/cohorts/999999/dashboard").status_code == 404  # the coordinator, last


def test_overview_lists_only_the_trainers_cohorts(db, client, build, make_trainer, make_coordinator):
    trainer = make_trainer()
    mine = build(6, trainers=[trainer])
    theirs = build(3, trainers=[make_trainer()])
    summaries = dash.overview(trainer)
    assert [s.cohort.id for s in summaries] == [mine.id]
    (summary,) = summaries
    assert summary.trainees == 6 and sum(summary.counts.values()) == 6
    assert summary.at_risk > 0 and 0 < summary.mean_progress <= 100
    assert {s.cohort.id for s in dash.overview(make_coordinator())} == {mine.id, theirs.id}
    login(client, trainer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert mine.name in page and theirs.name not in page
    assert f"/cohorts/{mine.id}/dashboard" in page


# ---- charts -----------------------------------------------------------------------------------


def test_charts_are_accessible_svg_without_styles(app, trio):
    cohort, *_ = trio
    with app.test_request_context():
        rows = dash.cohort_dashboard(cohort, today=START + timedelta(days=15))
        progress = progress_by_week_svg(rows, 4)
        scores = score_distribution_svg([r.results["stage1"].percent for r in rows] + [None], "Stage 1 <best>")
        empty = score_distribution_svg([], "Final")
    for svg in (progress, scores, empty):
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg and "aria-label=" in svg
        assert "style" not in svg
    assert "Week 1: 100 %" in progress and "Week 2: 67 %" in progress
    assert progress.count('class="bar"') == 4
    assert "Stage 1 &lt;best&gt;" in scores and "2 trainees with a score" in scores
    assert "No scores yet." in empty
