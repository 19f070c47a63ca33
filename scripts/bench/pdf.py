"""Figure 5, pdf (was scripts/bench_pdf.py): bulk rendering of 200 certificates with `render_many` on all
cores, against the wall time of one process rendering 200 one-line WeasyPrint documents (WeasyPrint's floor),
in the same run. Target: ratio <= 1.2.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

from common import SECRET_KEY, Figure, Row, log

TARGET = 1.2


def build(db, count: int) -> list[int]:
    """One programme, one cohort, `count` trainees with an issued trainer certificate each (committed)."""
    from lms.auth.models import TRAINEE, User
    from lms.certificates.models import TRAINER_CERTIFICATE
    from lms.certificates.services import create_certificate
    from lms.courses.models import Cohort, Enrolment, Programme

    start = date.today() - timedelta(days=50)
    programme = Programme(name="Bench programme", issuer="International Training Centre",
                          signatories="Dr. Leyla Məmmədova, Programme Director\nJohn Smith, Chair of the Board")
    cohort = Cohort(programme=programme, name="Bench cohort", distance_start=start,
                    stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
                    intensive_start=start + timedelta(days=42), final_exam_on=start + timedelta(days=46),
                    venue="Baku")
    db.session.add(cohort)
    names = [("Şəhla Əliyeva", "az"), ("Алексей Ковалёв", "ru"), ("Jane Doe", "en")]
    ids = []
    for i in range(count):
        name, language = names[i % len(names)]
        user = User(email=f"bench{i}@bench.example", name=f"{name} {i}", role=TRAINEE, language=language)
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add(enrolment)
        db.session.flush()
        ids.append(create_certificate(enrolment, TRAINER_CERTIFICATE).id)
    db.session.commit()
    return ids


def run(figure: Figure, workdir: Path, count: int) -> None:
    from weasyprint import HTML

    from lms import create_app
    from lms.certificates.pdf import render_many
    from lms.extensions import db

    tmp = workdir / "pdf"
    tmp.mkdir()
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": "https://certificates.example.org",
        "CERTIFICATE_DIR": str(tmp / "certificates"),
        "OUTBOX_DIR": str(tmp / "outbox"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "CREDENTIAL_KEY_PATH": str(tmp / "credential_key.pem"),
    })
    cores = os.cpu_count() or 1
    with app.app_context():
        try:
            db.create_all()
            ids = build(db, count)
            log(f"pdf: render_many of {count} certificates on {cores} processes")
            started = time.perf_counter()
            result = render_many(ids, force=True)
            db.session.commit()
            bulk = time.perf_counter() - started
            failed = len(result.failed)

            log(f"pdf: {count} one-line WeasyPrint documents in one process")
            HTML(string="<p>x</p>").write_pdf()  # warm up, as the workers' first render is in `bulk`
            started = time.perf_counter()
            for _ in range(count):
                HTML(string="<p>x</p>").write_pdf()
            floor = time.perf_counter() - started
        finally:
            db.session.remove()
            db.engine.dispose()
    figure.line(f"render_many, {count} certificates, {cores} processes: {bulk:.2f} s "
                f"({bulk / count * 1000:.1f} ms each)")
    figure.line(f"one process, {count} one-line WeasyPrint documents: {floor:.2f} s "
                f"({floor / count * 1000:.1f} ms each)")
    if failed:
        figure.line(f"{failed} certificates failed to render (see the log): the figures are not comparable")
    ratio = bulk / floor
    figure.rows.append(Row("pdf", "sqlite", f"render_many of {count}", f"{bulk:.1f} s",
                           f"{floor:.1f} s one-line floor", ratio, f"<= {TARGET}", ratio <= TARGET and not failed))
