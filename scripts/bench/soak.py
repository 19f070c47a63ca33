"""Figure 6, soak: 1,000 simulated exam-takers on gunicorn and PostgreSQL for two minutes (--quick: 20 s).

Each virtual user is a real trainee with an open 50-question attempt, logged in through /login beforehand (a
pool of 8). Its first page load of /attempts/<id> falls at a random moment of the ramp-up (the first half of
the run, at most 60 s: everyone opens the exam within its first minute); then, until the end, it thinks 5-15 s
(uniformly random) and either autosaves one answer (POST /attempts/<id>/answer, JSON, CSRF header) or, one
time in twenty, reloads the page. One thread and one keep-alive connection per user (reopened when
gunicorn's 2 s keep-alive has closed it), so at most 1,000 requests are ever in flight.

Errors: any answer other than 200 (and, for autosaves, a body without "ok": true), timeouts (30 s) and
connection errors. The baseline is the same user's requests on an idle server, measured just before:
20 autosaves and 5 page loads one after another.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
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
    serve_lms,
    small_stacks,
)
from data import PASSWORD, build_cohort

USERS = 1000
THINK = (5.0, 15.0)
RELOAD = 0.05
TIMEOUT = 30.0


@dataclass
class Hit:
    at: float  # seconds since the start of the run
    kind: str  # "page" or "save"
    ms: float
    error: str


def _page(client: Client, attempt_id: int) -> str:
    status, _headers, body = client.get(f"/attempts/{attempt_id}")
    if status != 200:
        return f"HTTP {status}"
    client.csrf = csrf_from(body)
    return ""


def _save(client: Client, attempt_id: int, answer: tuple[int, dict]) -> str:
    slot_id, response = answer
    status, _headers, body = client.post_json(f"/attempts/{attempt_id}/answer", {"slot": slot_id,
                                                                                 "response": response}, client.csrf)
    if status != 200:
        return f"HTTP {status}"
    return "" if json.loads(body).get("ok") is True else "not ok"


def _timed(hits: list[Hit], t0: float, kind: str, call) -> None:
    started = time.perf_counter()
    try:
        error = call()
    except Exception as exc:  # a failed request is a result
        error = type(exc).__name__
    hits.append(Hit(started - t0, kind, (time.perf_counter() - started) * 1000, error))


def virtual_user(index: int, client: Client, trainee, t0: float, ramp: float, end: float, hits: list[Hit]) -> None:
    rng = random.Random(index)
    time.sleep(max(0.0, t0 + rng.uniform(0, ramp) - time.perf_counter()))
    _timed(hits, t0, "page", lambda: _page(client, trainee.attempt_id))
    while True:
        think = rng.uniform(*THINK)
        if time.perf_counter() + think >= end:
            break
        time.sleep(think)
        if rng.random() < RELOAD or not client.csrf:
            _timed(hits, t0, "page", lambda: _page(client, trainee.attempt_id))
        else:
            answer = rng.choice(trainee.answers)
            _timed(hits, t0, "save", lambda answer=answer: _save(client, trainee.attempt_id, answer))
    client.close()


def _summary(hits: list[Hit], kind: str | None = None) -> tuple[int, int, float, float, float]:
    chosen = [h for h in hits if kind is None or h.kind == kind]
    ms = [h.ms for h in chosen]
    return (len(chosen), sum(1 for h in chosen if h.error), percentile(ms, 50), percentile(ms, 95),
            max(ms) if ms else float("nan"))


def run(figure: Figure, site: Site, workdir: Path, duration: float, users: int = USERS) -> None:
    small_stacks()
    trainees = build_cohort(site.app, f"soak-{site.backend}", users + 1, answered=False, seed=6)
    idle_user = trainees.pop()
    ramp = min(60.0, duration / 2)
    with serve_lms(site, workdir, "soak") as server:
        started = time.perf_counter()
        clients = login_many(server.port, [t.email for t in trainees + [idle_user]], PASSWORD)
        idle_client = clients.pop()
        log(f"soak ({site.backend}): {len(clients)} trainees logged in through /login in "
            f"{time.perf_counter() - started:.1f} s")
        idle: list[Hit] = []
        t_idle = time.perf_counter()
        for n in range(25):
            if n % 5 == 0:
                _timed(idle, t_idle, "page", lambda: _page(idle_client, idle_user.attempt_id))
            else:
                _timed(idle, t_idle, "save", lambda n=n: _save(idle_client, idle_user.attempt_id,
                                                               idle_user.answers[n]))
        if any(h.error for h in idle):
            raise RuntimeError(f"requests fail on an idle server: {[h.error for h in idle if h.error][:3]}")
        for client in clients:
            client.timeout = TIMEOUT
        hits: list[Hit] = []
        log(f"soak ({site.backend}): {len(clients)} virtual users for {duration:.0f} s (ramp-up {ramp:.0f} s)")
        with cpu_meter(server, site) as cpu:
            t0 = time.perf_counter()
            end = t0 + duration
            threads = [threading.Thread(target=virtual_user, args=(i, c, t, t0, ramp, end, hits), daemon=True)
                       for i, (c, t) in enumerate(zip(clients, trainees, strict=True))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(1.0, end + TIMEOUT + 5 - time.perf_counter()))
            elapsed = time.perf_counter() - t0
        stuck = sum(1 for thread in threads if thread.is_alive())
        server_errors = server.error_summary()
        statuses = server.status_counts()
    total, errors, p50, p95, worst = _summary(hits)
    rate = total / elapsed
    steady = [h for h in hits if h.at >= ramp]
    steady_rate = len(steady) / max(1e-9, elapsed - ramp)
    offered = len(clients) / (sum(THINK) / 2)
    _n, _e, idle_save, _p, _m = _summary(idle, "save")
    _n, _e, idle_page, _p, _m = _summary(idle, "page")
    figure.line(f"{site.backend}: idle server, one user: autosave median {fmt_ms(idle_save)}, "
                f"page median {fmt_ms(idle_page)}")
    figure.line(f"{site.backend}: {len(clients)} users, {elapsed:.0f} s, ramp-up {ramp:.0f} s: {total} requests "
                f"({rate:.1f}/s; after the ramp-up {steady_rate:.1f}/s, offered about {offered:.0f}/s = users / mean "
                "think time), "
                f"{errors} errors" + (f", {stuck} users still waiting at the end" if stuck else ""))
    figure.line(f"{site.backend}:   {cpu.describe(total)}")
    for kind, label in (("page", "page loads"), ("save", "autosaves ")):
        n, e, k50, k95, kmax = _summary(hits, kind)
        figure.line(f"{site.backend}:   {label} {n:6d}   errors {e:4d}   p50 {fmt_ms(k50):>8}   p95 {fmt_ms(k95):>8}"
                    f"   max {fmt_ms(kmax):>8}")
    s_n, s_e, s50, s95, _smax = _summary(steady)
    figure.line(f"{site.backend}:   after the ramp-up: {s_n} requests, {s_e} errors, p50 {fmt_ms(s50)}, "
                f"p95 {fmt_ms(s95)}")
    kinds: dict[str, int] = {}
    for h in hits:
        if h.error:
            kinds[h.error] = kinds.get(h.error, 0) + 1
    if kinds:
        figure.line(f"{site.backend}:   errors by kind: {kinds}")
    figure.line(f"{site.backend}:   server responses by status {statuses}")
    if server_errors:
        figure.line(f"{site.backend}:   {server_errors}")
    _n, _e, _s50, save95, _m = _summary(hits, "save")
    figure.rows.append(Row("soak", site.backend, f"errors, {len(clients)} users", f"{errors} of {total}",
                           f"{rate:.0f} req/s", None, "0", errors == 0 and not stuck))
    figure.rows.append(Row("soak", site.backend, "p95, all requests", fmt_ms(p95),
                           f"{fmt_ms(idle_save)} idle autosave", p95 / idle_save, "none set"))
    figure.rows.append(Row("soak", site.backend, "requests/s after ramp-up", f"{steady_rate:.1f}/s",
                           f"~{offered:.0f}/s offered",
                           steady_rate / offered, "none set"))
