"""Benchmark bulk certificate rendering: `render_many` of 200 certificates on all cores, against the wall time
of one process rendering 200 one-line WeasyPrint documents (WeasyPrint's floor). Prints figures only.

    .venv/bin/python scripts/bench_pdf.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNT = 200


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


def main() -> None:
    from weasyprint import HTML

    from lms import create_app
    from lms.certificates.pdf import render_many
    from lms.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        app = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "SECRET_KEY": "bench",
            "BASE_URL": "https://certificates.example.org",
            "CERTIFICATE_DIR": str(Path(tmp) / "certificates"),
        })
        with app.app_context():
            db.create_all()
            ids = build(db, COUNT)
            cores = os.cpu_count() or 1

            started = time.perf_counter()
            result = render_many(ids, force=True)
            db.session.commit()
            bulk = time.perf_counter() - started
            failed = len(result.failed)

            HTML(string="<p>x</p>").write_pdf()  # warm up, as the workers' first render is in `bulk`
            started = time.perf_counter()
            for _ in range(COUNT):
                HTML(string="<p>x</p>").write_pdf()
            floor = time.perf_counter() - started
            db.engine.dispose()

    print(f"render_many, {COUNT} certificates, {cores} processes: {bulk:.2f} s ({bulk / COUNT * 1000:.1f} ms each)")
    print(f"one process, {COUNT} one-line WeasyPrint documents:   {floor:.2f} s ({floor / COUNT * 1000:.1f} ms each)")
    print(f"ratio (render_many / one-line floor): {bulk / floor:.2f}")
    if failed:
        print(f"{failed} certificates failed to render (see the log): the figures above are not comparable")


if __name__ == "__main__":
    main()
