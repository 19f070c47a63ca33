"""Figure 1, verify: GET /api/v1/certificates/<a real code> against the bare Flask endpoint, both under
`wrk -t2 -c32 -d10s --latency` on gunicorn with the same settings, in the same run.

Targets: requests/s ratio >= 0.8, p99 < 20 ms.
"""

from __future__ import annotations

import json
from pathlib import Path

from common import Client, Figure, Row, Site, fmt_ms, log, serve_bare, serve_lms, wrk, wrk_balanced
from data import demo_certificate_code

TARGET_RATIO = 0.8
TARGET_P99 = 20.0


def _verifications(site: Site, code: str) -> int:
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    with site.app.app_context():
        count = db.session.scalar(select(Certificate.verifications).where(Certificate.code == code))
        db.session.remove()
    return count or 0


def _measure(figure: Figure, label: str, server, path: str, duration: int, site: Site, database: bool):
    status, _headers, body = Client(server.port).get(path)
    if status != 200:
        raise RuntimeError(f"{label}: GET {path} answered {status} {body[:200]!r}")
    url = f"http://127.0.0.1:{server.port}{path}"
    wrk(url, 2)  # warm-up
    log(f"verify ({site.backend}): wrk against the {label} endpoint for {duration} s")
    result, cpu = wrk_balanced(figure, f"{site.backend}: {label}", server, site if database else None, url, duration)
    figure.line(f"{site.backend}: {label:<10} {result.rps:6.0f} requests/s   p50 {fmt_ms(result.p50):>8}   "
                f"p99 {fmt_ms(result.p99):>8}   {result.requests} requests, {result.errors} errors")
    figure.line(f"{site.backend}:   {cpu.describe(result.requests)}")
    return result, body, cpu


def run(figure: Figure, site: Site, workdir: Path, duration: int) -> None:
    code = demo_certificate_code(site.app)
    path = f"/api/v1/certificates/{code}"
    with serve_bare(site, workdir, "verify") as server:
        bare, _body, bare_cpu = _measure(figure, "bare Flask", server, path, duration, site, database=False)
    before = _verifications(site, code)
    with serve_lms(site, workdir, "verify") as server:
        lms, body, lms_cpu = _measure(figure, "LMS", server, path, duration, site, database=True)
        server_errors = server.error_summary()
    counted = _verifications(site, code) - before
    lms_ms, bare_ms = lms_cpu.per_request(lms.requests), bare_cpu.per_request(bare.requests)
    figure.line(f"{site.backend}: server CPU per request (app + database): LMS {lms_ms:.2f} ms, bare {bare_ms:.2f} ms "
                f"(x{lms_ms / bare_ms:.1f})")
    figure.line(f"{site.backend}: LMS answer: {json.loads(body)}")
    figure.line(f"{site.backend}: the LMS has written {counted} verifications to the database so far (counts are "
                "batched, written at most every VERIFY_COUNT_FLUSH_SECONDS)")
    if server_errors:
        figure.line(f"{site.backend}: {server_errors}")
    ratio = lms.rps / bare.rps
    figure.rows.append(Row("verify", site.backend, "API requests/s", f"{lms.rps:.0f}/s", f"{bare.rps:.0f}/s bare",
                           ratio, f">= {TARGET_RATIO}", ratio >= TARGET_RATIO and lms.errors == 0))
    figure.rows.append(Row("verify", site.backend, "API CPU/request (1)", f"{lms_ms:.2f} ms", f"{bare_ms:.2f} ms bare",
                           bare_ms / lms_ms, f">= {TARGET_RATIO}", bare_ms / lms_ms >= TARGET_RATIO))
    figure.rows.append(Row("verify", site.backend, "API p99", fmt_ms(lms.p99), f"{fmt_ms(bare.p99)} bare",
                           lms.p99 / bare.p99 if bare.p99 else None, f"< {TARGET_P99:.0f} ms",
                           lms.p99 < TARGET_P99 and lms.errors == 0))
