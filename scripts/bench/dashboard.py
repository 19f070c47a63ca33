"""Figure 4, dashboard (was scripts/bench_dashboard.py): server time and SQL queries of
GET /cohorts/<id>/dashboard for a cohort of 1,000 trainees against one of 5, in-process (Flask test client, no
network, so the time is the server's), on a throwaway SQLite database built with bulk inserts: completions,
stage-1 and final attempts, attendance and practical scores as after the final exam day.

The ratio is big/small (no target is set; time growing linearly with the rows would be x200, with a constant
number of queries).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from common import Figure, Row, log, percentile

BIG, SMALL = 1000, 5
PASSWORD = "bench password 42"  # noqa: S105 - a throwaway account in a throwaway database


def build(db, size: int, programme, exams, markers, criteria, tag: str):
    """A cohort of `size` trainees after its final exam day, with completions, attempts, attendance, scores."""
    from sqlalchemy import insert, select

    from lms.auth.models import TRAINEE, User
    from lms.courses.models import Cohort, Enrolment, LessonCompletion
    from lms.exams.models import GRADED, ExamAttempt
    from lms.intensive.models import Attendance, IntensiveSession, PracticalScore

    rng = random.Random(size)
    start = date.today() - timedelta(days=50)
    cohort = Cohort(programme=programme, name=f"Bench cohort {tag}", distance_start=start,
                    stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
                    intensive_start=start + timedelta(days=42), final_exam_on=start + timedelta(days=46),
                    capacity=size, venue="Baku")
    db.session.add(cohort)
    db.session.flush()
    first = ["Şəhla", "Алексей", "Nino", "Rashad", "Мария", "Giorgi", "Leyla", "Иван", "Aysel", "Tamar"]
    last = ["Əliyeva", "Ковалёв", "Beridze", "Hüseynov", "Петрова", "Kapanadze", "Məmmədova", "Смирнов"]
    db.session.execute(insert(User), [
        {"email": f"{tag}-{i}@bench.example", "name": f"{rng.choice(first)} {rng.choice(last)} {i}", "role": TRAINEE,
         "organisation": f"Organisation {i % 37}", "country": rng.choice(["Azerbaijan", "Georgia", "Ukraine"]),
         "language": "en", "active": True}
        for i in range(size)])
    user_ids = db.session.scalars(select(User.id).where(User.email.like(f"{tag}-%"))).all()
    db.session.execute(insert(Enrolment), [{"cohort_id": cohort.id, "user_id": uid} for uid in user_ids])
    enrolment_ids = db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)).all()

    lessons = [lesson.id for module in programme.modules for lesson in module.lessons]
    completions, attempts, attendance, scores = [], [], [], []
    sessions = []
    for day, on in enumerate(cohort.intensive_dates, start=1):
        session = IntensiveSession(cohort_id=cohort.id, day_number=day, on=on, topic=f"Day {day}")
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    stage1, final = exams
    for eid in enrolment_ids:
        done = len(lessons) if rng.random() < 0.7 else rng.randrange(len(lessons))
        completions += [{"enrolment_id": eid, "lesson_id": lid} for lid in lessons[:done]]
        for number in range(1, rng.choice((1, 1, 2)) + 1):
            p = round(rng.uniform(35, 100), 1)
            attempts.append({"exam_id": stage1.id, "enrolment_id": eid, "number": number, "status": GRADED,
                             "score": p, "max_score": 100.0, "percent": p, "passed": p >= 70})
        if rng.random() < 0.9:
            p = round(rng.uniform(40, 100), 1)
            attempts.append({"exam_id": final.id, "enrolment_id": eid, "number": 1, "status": GRADED,
                             "score": p, "max_score": 100.0, "percent": p, "passed": p >= 70})
        for session in sessions:
            status = rng.choices(("present", "late", "absent", "excused"), (85, 6, 6, 3))[0]
            attendance.append({"session_id": session.id, "enrolment_id": eid, "status": status, "note": "",
                               "self_checked_in": False})
        for marker in markers[: rng.choice((1, 2))]:
            scores.append({"enrolment_id": eid, "marker_id": marker.id, "comment": "",
                           "scores": {str(c.id): rng.randint(1, c.scale_max) for c in criteria}})
    for model, rows in ((LessonCompletion, completions), (ExamAttempt, attempts), (Attendance, attendance),
                        (PracticalScore, scores)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return cohort


def measure(client, db, url: str, runs: int) -> tuple[list[float], int]:
    from sqlalchemy import event

    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    response = client.get(url)  # warm up
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    timings = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return timings, queries // runs


def run(figure: Figure, workdir: Path, runs: int) -> None:
    from common import SECRET_KEY

    from lms import create_app
    from lms.auth.models import COORDINATOR, TRAINER, User
    from lms.courses.models import Lesson, Module, Programme
    from lms.exams.models import Exam
    from lms.extensions import db
    from lms.intensive.models import RubricCriterion

    tmp = workdir / "dashboard"
    tmp.mkdir()
    url = f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "OUTBOX_DIR": str(tmp / "outbox"), "UPLOAD_DIR": str(tmp / "uploads"),
                      "CERTIFICATE_DIR": str(tmp / "certificates"),
                      "CREDENTIAL_KEY_PATH": str(tmp / "credential_key.pem"),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "LOG_LEVEL": "WARNING"})
    try:
        with app.app_context():
            db.create_all()
            programme = Programme(name="Bench programme", distance_weeks=4, intensive_days=4)
            db.session.add(programme)
            for week in range(1, 5):
                for position in range(1, 3):
                    module = Module(programme=programme, week=week, position=position, title=f"W{week}M{position}")
                    module.lessons = [Lesson(position=n, title=f"Lesson {n}") for n in range(1, 4)]
                    db.session.add(module)
            exams = (Exam(programme=programme, kind="stage1", title="Stage 1", time_limit_minutes=60),
                     Exam(programme=programme, kind="final", title="Final", time_limit_minutes=90))
            criteria = [RubricCriterion(programme=programme, position=n, name=f"Criterion {n}", scale_max=4,
                                        minimum=2) for n in range(1, 6)]
            coordinator = User(email="coordinator@bench.example", name="Coordinator", role=COORDINATOR)
            coordinator.set_password(PASSWORD)
            markers = [User(email=f"marker{n}@bench.example", name=f"Marker {n}", role=TRAINER) for n in (1, 2)]
            db.session.add_all([*exams, *criteria, coordinator, *markers])
            db.session.commit()
            started = time.perf_counter()
            big = build(db, BIG, programme, exams, markers, criteria, "big")
            small = build(db, SMALL, programme, exams, markers, criteria, "small")
            build_s = time.perf_counter() - started
            big_id, small_id = big.id, small.id
            db.session.remove()

        client = app.test_client()
        response = client.post("/login", data={"email": "coordinator@bench.example", "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError("coordinator login failed")
        log(f"dashboard: data built in {build_s:.1f} s; timing {runs} runs per cohort")
        figure.line(f"data built in {build_s:.1f} s (SQLite); GET /cohorts/<id>/dashboard, {runs} timed runs after "
                    "one warm-up, in-process")
        results = {}
        for label, cohort_id, size in (("big", big_id, BIG), ("small", small_id, SMALL)):
            with app.app_context():
                timings, queries = measure(client, db, f"/cohorts/{cohort_id}/dashboard", runs)
            results[label] = (statistics.median(timings), percentile(timings, 95), queries)
            median, high, _ = results[label]
            figure.line(f"{size:>5} trainees: median {median:7.1f} ms   p95 {high:7.1f} ms   "
                        f"{queries} SQL queries/request")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    (bm, _bp, bq), (sm, _sp, sq) = results["big"], results["small"]
    figure.rows.append(Row("dashboard", "sqlite", f"time, {BIG} trainees", f"{bm:.0f} ms",
                           f"{sm:.1f} ms ({SMALL} trainees)", bm / sm, f"none set (linear: x{BIG // SMALL})"))
    figure.rows.append(Row("dashboard", "sqlite", f"SQL queries, {BIG} trainees", str(bq), f"{sq} ({SMALL} trainees)",
                           bq / sq if sq else None, "none set"))
