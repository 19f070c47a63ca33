"""Figures 2 and 3: the exam under load, on gunicorn, on SQLite and on PostgreSQL.

submit burst: 300 trainees with a 50-question attempt, every answer saved, are logged in through /login and
have their attempt page open (its CSRF token read from the meta tag); then every one of them, and a second
"double-click" submission for 30 of them, POSTs /attempts/<id>/submit at the same moment (threads released
by a barrier). The baseline is the same submission made alone: 10 more trainees submitting one after another
on the same server just before. Afterwards the database says how many attempts were lost (still in progress
or not graded) and how many were submitted or graded more than once: triggers installed by the benchmark log
every UPDATE that writes exam_attempts.status, so a second submission or grading shows as extra rows even if
it wrote the same values.

autosave: POST /attempts/<id>/answer (JSON, X-CSRFToken header) from 64 logged-in trainees in rotation, each
request a different question, with wrk and a Lua script; against the bare Flask POST endpoint, same settings.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from common import (
    Client,
    Figure,
    Row,
    Site,
    cpu_meter,
    csrf_from,
    fmt_ms,
    log,
    login_many,
    percentile,
    serve_bare,
    serve_lms,
    sql_profile,
    wrk,
    wrk_balanced,
)
from data import PASSWORD, build_cohort, write_lua

BURST = 300
DOUBLE_CLICKS = 30
SOLO = 10
TARGET_P95 = 300.0
AUTOSAVE_TRAINEES = 64
TARGET_AUTOSAVE_RATIO = 0.5

TRIGGERS = {
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS bench_status_writes (id INTEGER PRIMARY KEY, attempt_id INTEGER, "
        "old_status TEXT, new_status TEXT)",
        "CREATE TRIGGER IF NOT EXISTS bench_status_writes_log AFTER UPDATE OF status ON exam_attempts BEGIN "
        "INSERT INTO bench_status_writes (attempt_id, old_status, new_status) VALUES (NEW.id, OLD.status, "
        "NEW.status); END",
    ],
    "postgres": [
        "CREATE TABLE IF NOT EXISTS bench_status_writes (id SERIAL PRIMARY KEY, attempt_id INTEGER, "
        "old_status TEXT, new_status TEXT)",
        "CREATE OR REPLACE FUNCTION bench_status_writes_log() RETURNS trigger AS $$ BEGIN "
        "INSERT INTO bench_status_writes (attempt_id, old_status, new_status) VALUES (NEW.id, OLD.status, "
        "NEW.status); RETURN NULL; END $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS bench_status_writes_log ON exam_attempts",
        "CREATE TRIGGER bench_status_writes_log AFTER UPDATE OF status ON exam_attempts FOR EACH ROW "
        "EXECUTE FUNCTION bench_status_writes_log()",
    ],
}


def install_triggers(site: Site) -> None:
    from sqlalchemy import text

    from lms.extensions import db

    with site.app.app_context():
        for statement in TRIGGERS[site.backend]:
            db.session.execute(text(statement))
        db.session.commit()
        db.session.remove()


def open_attempt_pages(clients: list[Client], attempt_ids: list[int]) -> None:
    """Each trainee loads their attempt page, as the browser would before submitting; keeps its CSRF token."""
    from concurrent.futures import ThreadPoolExecutor

    def load(pair):
        client, attempt_id = pair
        status, _headers, body = client.get(f"/attempts/{attempt_id}")
        if status != 200:
            raise RuntimeError(f"GET /attempts/{attempt_id}: {status}")
        client.csrf = csrf_from(body)
        client.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(load, zip(clients, attempt_ids, strict=True)))


def _submit(client: Client, attempt_id: int) -> tuple[float, int, str]:
    """One submission on a fresh connection; (milliseconds, status, error)."""
    started = time.perf_counter()
    try:
        client.close()
        status, headers, _body = client.post_form(f"/attempts/{attempt_id}/submit", {"csrf_token": client.csrf})
        error = "" if status == 302 and "/result" in (headers.get("Location") or "") else f"HTTP {status}"
    except Exception as exc:  # a lost request is a result, not a crash of the benchmark
        status, error = 0, f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return (time.perf_counter() - started) * 1000, status, error


def check_attempts(site: Site, attempt_ids: list[int]) -> dict:
    """What the database says happened to these attempts."""
    from sqlalchemy import func, select, text

    from lms.exams.models import GRADED, IN_PROGRESS, AttemptQuestion, ExamAttempt
    from lms.extensions import db

    with site.app.app_context():
        attempts = list(db.session.scalars(select(ExamAttempt).where(ExamAttempt.id.in_(attempt_ids))))
        slot_sums = dict(db.session.execute(
            select(AttemptQuestion.attempt_id, func.sum(AttemptQuestion.score))
            .where(AttemptQuestion.attempt_id.in_(attempt_ids)).group_by(AttemptQuestion.attempt_id)).all())
        unscored = db.session.scalar(select(func.count()).select_from(AttemptQuestion).where(
            AttemptQuestion.attempt_id.in_(attempt_ids), AttemptQuestion.score.is_(None))) or 0
        writes: dict[int, list[tuple[str, str]]] = {}
        rows = db.session.execute(text("SELECT attempt_id, old_status, new_status FROM bench_status_writes "
                                       "ORDER BY id")).all()
        wanted = set(attempt_ids)
        for attempt_id, old, new in rows:
            if attempt_id in wanted:
                writes.setdefault(attempt_id, []).append((old, new))
        db.session.remove()
    lost = [a.id for a in attempts if a.status == IN_PROGRESS or a.submitted_at is None]
    ungraded = [a.id for a in attempts if a.status != IN_PROGRESS and (a.status != GRADED or a.score is None)]
    wrong_total = [a.id for a in attempts if a.score is not None and abs(a.score - (slot_sums.get(a.id) or 0)) > 1e-6]
    submissions = {aid: sum(1 for old, new in w if old == IN_PROGRESS and new != IN_PROGRESS)
                   for aid, w in writes.items()}
    gradings = {aid: sum(1 for _old, new in w if new == GRADED) for aid, w in writes.items()}
    double = sorted(aid for aid in wanted if submissions.get(aid, 0) > 1 or gradings.get(aid, 0) > 1
                    or len(writes.get(aid, [])) > 2)
    return {"attempts": len(attempts), "lost": lost, "ungraded": ungraded, "double": double,
            "wrong_total": wrong_total, "unscored_slots": unscored,
            "status_writes": sum(len(w) for aid, w in writes.items())}


def exam_profile(site: Site, trainee, submit: bool) -> list[str]:
    """SQL queries per request of the exam pages for one trainee, in-process (see common.sql_profile)."""
    path = f"/attempts/{trainee.attempt_id}"
    tokens = {}

    def page(client):
        response = client.get(path)
        tokens["csrf"] = csrf_from(response.data)
        return response

    def save(client):
        slot_id, response = trainee.answers[1]
        return client.post(f"{path}/answer", json={"slot": slot_id, "response": response},
                           headers={"X-CSRFToken": tokens["csrf"]})

    calls = [("warm-up", page), (f"GET {path} (the attempt page, 50 questions)", page),
             (f"POST {path}/answer (autosave)", save)]
    if submit:
        calls.append((f"POST {path}/submit (grades 50 answers)",
                      lambda client: client.post(f"{path}/submit", data={"csrf_token": tokens["csrf"]})))
    lines = sql_profile(site.app, calls, trainee.email, PASSWORD)[1:]
    return [f"{site.backend}: {line}" for line in lines]


def submit_burst(figure: Figure, site: Site, workdir: Path) -> None:
    trainees = build_cohort(site.app, f"burst-{site.backend}", BURST + SOLO + 1, answered=True, seed=2)
    install_triggers(site)
    for line in exam_profile(site, trainees.pop(), submit=True):
        figure.line(line)
    solo, burst = trainees[:SOLO], trainees[SOLO:]
    with serve_lms(site, workdir, "submit") as server:
        started = time.perf_counter()
        clients = login_many(server.port, [t.email for t in trainees], PASSWORD)
        open_attempt_pages(clients, [t.attempt_id for t in trainees])
        log(f"submit ({site.backend}): {len(clients)} trainees logged in, attempt pages loaded in "
            f"{time.perf_counter() - started:.1f} s")
        solo_ms = []
        for client, trainee in zip(clients[:SOLO], solo, strict=True):
            ms, _status, error = _submit(client, trainee.attempt_id)
            if error:
                raise RuntimeError(f"a lone submission failed: {error}")
            solo_ms.append(ms)
        jobs = [(clients[SOLO + i], t.attempt_id) for i, t in enumerate(burst)]
        # double-clicks: a second copy of the same request, same cookie and token, released with the others
        doubles = [(Client(server.port), t.attempt_id) for t in burst[:DOUBLE_CLICKS]]
        for (copy, _copied), (original, _original) in zip(doubles, jobs, strict=False):
            copy.cookies, copy.csrf = dict(original.cookies), original.csrf
        everyone = jobs + doubles
        barrier = threading.Barrier(len(everyone) + 1)
        results: list[tuple[float, int, str] | None] = [None] * len(everyone)

        def go(index: int, client: Client, attempt_id: int) -> None:
            barrier.wait()
            results[index] = _submit(client, attempt_id)

        threads = [threading.Thread(target=go, args=(i, c, a), daemon=True) for i, (c, a) in enumerate(everyone)]
        for thread in threads:
            thread.start()
        log(f"submit ({site.backend}): releasing {len(jobs)} submissions + {len(doubles)} double-clicks at once")
        with cpu_meter(server, site) as cpu:
            barrier.wait()
            released = time.perf_counter()
            for thread in threads:
                thread.join(timeout=300)
            wall = time.perf_counter() - released
        server_errors = server.error_summary()
        statuses = server.status_counts()
    check = check_attempts(site, [t.attempt_id for t in trainees])
    firsts = [r for r in results[:len(jobs)] if r is not None]
    latencies = [ms for ms, _status, _error in firsts]
    failed_first = [r[2] if r else "no answer" for r in results[:len(jobs)] if r is None or r[2]]
    failed_copy = [r[2] if r else "no answer" for r in results[len(jobs):] if r is None or r[2]]
    p50, p95, worst = percentile(latencies, 50), percentile(latencies, 95), max(latencies)
    solo_median = percentile(solo_ms, 50)
    figure.line(f"{site.backend}: one submission alone: median {fmt_ms(solo_median)} (of {SOLO})")
    figure.line(f"{site.backend}: burst of {len(jobs)} (+{len(doubles)} double-clicks) done in {wall:.1f} s: "
                f"p50 {fmt_ms(p50)}, p95 {fmt_ms(p95)}, max {fmt_ms(worst)}; failed: {len(failed_first)} "
                f"submissions, {len(failed_copy)} double-clicks"
                + (f" ({', '.join(sorted(set(failed_first + failed_copy)))})" if failed_first or failed_copy else ""))
    figure.line(f"{site.backend}:   {cpu.describe(len(everyone))}")
    figure.line(f"{site.backend}: database: {check['attempts']} attempts, {len(check['lost'])} lost "
                f"(still in progress), {len(check['ungraded'])} submitted but not graded, "
                f"{len(check['double'])} submitted/graded twice, {len(check['wrong_total'])} totals != sum of "
                f"slots, {check['unscored_slots']} unscored answers, {check['status_writes']} status writes "
                f"(2 expected per attempt: submitted, graded)")
    figure.line(f"{site.backend}: server responses by status {statuses}")
    if server_errors:
        figure.line(f"{site.backend}: {server_errors}")
    lost, double = len(check["lost"]) + len(check["ungraded"]), len(check["double"])
    figure.rows.append(Row("submit", site.backend, f"p95 of {len(jobs)} at once", fmt_ms(p95),
                           f"{fmt_ms(solo_median)} alone", p95 / solo_median, f"< {TARGET_P95:.0f} ms",
                           p95 < TARGET_P95))
    figure.rows.append(Row("submit", site.backend, "lost / double-graded", f"{lost} / {double}",
                           f"{len(failed_first)}+{len(failed_copy)} failed requests", None, "0 / 0",
                           lost == 0 and double == 0))


def autosave(figure: Figure, site: Site, workdir: Path, duration: int) -> None:
    trainees = build_cohort(site.app, f"autosave-{site.backend}", AUTOSAVE_TRAINEES, answered=False, seed=3)
    results, cpus = {}, {}
    with serve_lms(site, workdir, "autosave") as server:
        clients = login_many(server.port, [t.email for t in trainees], PASSWORD)
        open_attempt_pages(clients, [t.attempt_id for t in trainees])
        entries = []
        for n in range(len(trainees) * len(trainees[0].answers)):
            client, trainee = clients[n % len(trainees)], trainees[n % len(trainees)]
            slot_id, response = trainee.answers[(n // len(trainees)) % len(trainee.answers)]
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            entries.append((f"/attempts/{trainee.attempt_id}/answer", cookie, client.csrf,
                            json.dumps({"slot": slot_id, "response": response})))
        script = write_lua(workdir / f"autosave-{site.backend}.lua", entries)
        probe = clients[0]
        status, _headers, body = probe.post_json(entries[0][0], json.loads(entries[0][3]), probe.csrf)
        if status != 200 or not json.loads(body).get("ok"):
            raise RuntimeError(f"autosave probe: {status} {body[:300]!r}")
        url = f"http://127.0.0.1:{server.port}/"
        wrk(url, 2, script)  # warm-up
        log(f"autosave ({site.backend}): wrk against the LMS for {duration} s")
        results["LMS"], cpus["LMS"] = wrk_balanced(figure, f"{site.backend}: LMS", server, site, url, duration,
                                                   script)
        server_errors = server.error_summary()
    with serve_bare(site, workdir, "autosave") as server:
        url = f"http://127.0.0.1:{server.port}/"
        wrk(url, 2, script)
        log(f"autosave ({site.backend}): wrk against the bare Flask endpoint for {duration} s")
        results["bare Flask"], cpus["bare Flask"] = wrk_balanced(figure, f"{site.backend}: bare Flask", server, None,
                                                                 url, duration, script)
    saved = _saved_answers(site, [t.attempt_id for t in trainees])
    for label in ("bare Flask", "LMS"):
        r = results[label]
        figure.line(f"{site.backend}: {label:<10} {r.rps:8.0f} requests/s   p50 {fmt_ms(r.p50):>8}   "
                    f"p99 {fmt_ms(r.p99):>8}   {r.requests} requests, {r.bad} answers other than 200, "
                    f"{r.errors} errors")
        figure.line(f"{site.backend}:   {cpus[label].describe(r.requests)}")
    lms_ms, bare_ms = cpus["LMS"].per_request(results["LMS"].requests), cpus["bare Flask"].per_request(
        results["bare Flask"].requests)
    figure.line(f"{site.backend}: server CPU per request (app + database): LMS {lms_ms:.2f} ms, bare {bare_ms:.2f} ms "
                f"(x{lms_ms / bare_ms:.1f})")
    figure.line(f"{site.backend}: {saved} of {len(entries)} distinct answers have a saved_at in the database")
    if server_errors:
        figure.line(f"{site.backend}: {server_errors}")
    lms, bare = results["LMS"], results["bare Flask"]
    ratio = lms.rps / bare.rps
    figure.rows.append(Row("autosave", site.backend, "answers/s", f"{lms.rps:.0f}/s", f"{bare.rps:.0f}/s bare",
                           ratio, f">= {TARGET_AUTOSAVE_RATIO}",
                           ratio >= TARGET_AUTOSAVE_RATIO and not lms.bad and not lms.errors))
    figure.rows.append(Row("autosave", site.backend, "CPU/request (1)", f"{lms_ms:.2f} ms", f"{bare_ms:.2f} ms bare",
                           bare_ms / lms_ms, f">= {TARGET_AUTOSAVE_RATIO}", bare_ms / lms_ms >= TARGET_AUTOSAVE_RATIO))


def _saved_answers(site: Site, attempt_ids: list[int]) -> int:
    from sqlalchemy import func, select

    from lms.exams.models import AttemptQuestion
    from lms.extensions import db

    with site.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AttemptQuestion).where(
            AttemptQuestion.attempt_id.in_(attempt_ids), AttemptQuestion.saved_at.is_not(None)))
        db.session.remove()
    return count or 0
