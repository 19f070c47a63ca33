"""The small things a new user trips over (issue 15, point 8) and the lesson heading order (point 7)."""

from __future__ import annotations

import http.client
import io
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.courses.models import Cohort, Enrolment
from lms.demo.content import load_modules
from lms.intensive import services as intensive
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[1]

# ---- favicon -----------------------------------------------------------------------------------------------


def test_every_page_names_an_svg_favicon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    icon.close()
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"] == "/static/favicon.svg"


# ---- the verify page ---------------------------------------------------------------------------------------


def test_an_empty_code_on_verify_gets_a_clear_message(client):
    for empty in ("", "   "):
        response = client.get("/verify", query_string={"code": empty})
        assert response.status_code == 400
        assert "Enter the code printed on the certificate" in response.get_data(as_text=True)
    first_visit = client.get("/verify")
    assert first_visit.status_code == 200
    assert "Enter the code printed on the certificate" not in first_visit.get_data(as_text=True)


def _upload(client, data: bytes, filename: str = "certificate.pdf"):
    return post_form(client, "/verify/upload", {"file": (io.BytesIO(data), filename)},
                     token_from="/verify", content_type="multipart/form-data")


def test_a_text_file_named_pdf_is_reported_as_not_a_pdf_not_as_altered(client):
    response = _upload(client, b"Certificate of Excellence\nITC-7K2M-Q9XD-4HT8\n")
    page = response.get_data(as_text=True)
    assert "This file is not a PDF" in page
    assert "altered" not in page
    assert 'type="file"' in page  # the form is there to try the right file
    damaged = _upload(client, b"%PDF-1.7\n% not one of ours\n").get_data(as_text=True)
    assert "This file was not issued by us or has been altered." in damaged
    assert "not a PDF" not in damaged


# ---- error pages -------------------------------------------------------------------------------------------


def test_an_over_long_address_gets_the_styled_414_page(client):
    response = client.get("/verify?code=" + "A" * 5000)
    page = response.get_data(as_text=True)
    assert response.status_code == 414
    assert "Address too long" in page and "Check the link you followed." in page
    assert 'class="site-header"' in page  # our page, with the site's header, not a bare server message
    assert client.get("/" + "x" * 1900).status_code == 404  # long but plausible: an ordinary "not found"


def test_the_413_page_offers_an_anonymous_visitor_links_that_work_for_them(app, client, make_trainee):
    app.config["MAX_CONTENT_LENGTH"] = 1024  # small, so the test sends little
    too_big = b"%PDF-" + b"0" * 4096
    response = _upload(client, too_big)
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "File too large" in page
    assert "Go to your home page" not in page
    assert re.search(r'<a class="button" href="/">Go to the start page</a>', page)
    assert re.search(r'<a href="/verify">Verify a certificate</a>', page)

    login(client, make_trainee())
    page = post_form(client, "/verify/upload", {"file": (io.BytesIO(too_big), "c.pdf")}, token_from="/home",
                     content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r'<a class="button" href="/home">Go to your home page</a>', page)
    assert "Go to the start page" not in page


# ---- enrolment CSV and cohort names ------------------------------------------------------------------------


def test_importing_the_same_csv_twice_says_they_are_already_enrolled(db, client, make_coordinator, make_cohort):
    cohort = make_cohort()
    login(client, make_coordinator())
    data = ("name,email,organisation,country,language\nŞəhla Əliyeva,s@example.org,,,az\n"
            "Алексей Ковалёв,a@example.org,,,ru\nJane Doe,j@example.org,,,en\n").encode()

    def send():
        response = post_form(client, f"/admin/cohorts/{cohort.id}/import",
                             {"csv-file": (io.BytesIO(data), "people.csv")}, token_from="/home",
                             content_type="multipart/form-data", follow_redirects=True)
        return response.get_data(as_text=True)

    assert "3 trainees enrolled, 3 new accounts invited." in send()
    again = send()
    assert "0 trainees enrolled, 3 already enrolled, 0 new accounts invited." in again
    count = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id))
    assert count == 3


def _cohort_form(programme, name, start):
    return {"programme_id": str(programme.id), "name": name, "distance_start": start.isoformat(),
            "stage1_opens": (start + timedelta(days=28)).isoformat(),
            "stage1_closes": (start + timedelta(days=35)).isoformat(),
            "intensive_start": (start + timedelta(days=42)).isoformat(),
            "final_exam_on": (start + timedelta(days=46)).isoformat(), "venue": "Baku", "capacity": "20"}


def test_a_second_cohort_with_the_same_name_is_refused_on_create_and_edit(db, client, make_coordinator,
                                                                          make_cohort):
    first = make_cohort()
    first.name = "EOSH ToT · Bakı · spring"
    other = make_cohort(programme=first.programme)
    db.session.commit()
    programme, start = first.programme, first.distance_start
    login(client, make_coordinator())

    response = post_form(client, "/admin/cohorts/new", _cohort_form(programme, "  eosh tot ·  BAKI · Spring ", start),
                         token_from="/admin/cohorts/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another cohort is already called “EOSH ToT · Bakı · spring”." in page
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 2

    response = post_form(client, f"/admin/cohorts/{other.id}/edit",
                         _cohort_form(programme, "EOSH TOT · Bakı · Spring", start), token_from="/admin/cohorts/new")
    assert "Another cohort is already called “EOSH ToT · Bakı · spring”." in response.get_data(as_text=True)

    # A cohort keeps its own name when edited; a new name is trimmed.
    kept = post_form(client, f"/admin/cohorts/{first.id}/edit", _cohort_form(programme, "EOSH ToT · Bakı · spring",
                                                                             start), token_from="/admin/cohorts/new")
    assert kept.status_code == 302
    created = post_form(client, "/admin/cohorts/new", _cohort_form(programme, "  EOSH ToT · Ganja  ", start),
                        token_from="/admin/cohorts/new")
    assert created.status_code == 302
    assert db.session.scalar(select(Cohort.name).where(Cohort.id.notin_([first.id, other.id]))) == "EOSH ToT · Ganja"


# ---- the intensive -----------------------------------------------------------------------------------------


def test_the_intensive_page_names_each_day_once(db, client, make_cohort, make_trainer):
    trainer = make_trainer()
    cohort = make_cohort(trainers=[trainer], days_in=43)
    login(client, trainer)
    page = client.get(f"/cohorts/{cohort.id}/intensive").get_data(as_text=True)
    days = re.findall(r"<li>(.*?)</li>", page.split('class="sessions"')[1].split("</ul>")[0], re.S)
    assert len(days) == 4
    for number, item in enumerate(days, start=1):
        assert item.count(f"Day {number}") == 1, item

    # Sessions made earlier carry the day's label as their topic, in their creator's language: not shown.
    sessions = intensive.ensure_sessions(cohort)
    sessions[0].topic, sessions[1].topic = "День 1", "Risk assessment practice"
    db.session.commit()
    page = client.get(f"/cohorts/{cohort.id}/intensive").get_data(as_text=True)
    assert "День 1" not in page and "Risk assessment practice" in page
    attendance = client.get(f"/cohorts/{cohort.id}/intensive/1/attendance").get_data(as_text=True)
    assert "День 1" not in attendance
    form = client.get(f"/cohorts/{cohort.id}/intensive/1/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="topic"[^>]*value=""', form)


# ---- lesson headings ---------------------------------------------------------------------------------------


def test_a_demo_lesson_page_never_skips_a_heading_level(db, client, make_cohort, make_trainee):
    demo = load_modules()[0].lessons[0]
    assert demo.body.lstrip().startswith("### ") or "\n### " in demo.body  # written from ### on
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee])
    lesson = cohort.programme.modules[0].lessons[0]
    lesson.title, lesson.body_md = demo.title, demo.body
    db.session.commit()
    login(client, trainee)
    page = client.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}").get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]
    assert levels[0] == 1 and levels[1] == 2, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


# ---- the certificate's signature line ----------------------------------------------------------------------


def _pdf_lines(certificate) -> list[str]:
    from lms.certificates.pdf import render_certificate_pdf

    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=render_certificate_pdf(certificate),  # noqa: S607
                          capture_output=True, check=True).stdout.decode()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_signature_lines_name_the_signatories_or_else_the_issuer(db, make_programme, make_cohort,
                                                                    make_trainee):
    from lms.certificates.services import create_certificate

    def certificate(**programme_fields):
        cohort = make_cohort(programme=make_programme(modules_per_week=1, lessons_per_module=1,
                                                      **programme_fields))
        enrolment = Enrolment(cohort=cohort, user=make_trainee(name="Jane Doe", language="en"))
        db.session.add(enrolment)
        db.session.flush()
        made = create_certificate(enrolment, "trainer")
        db.session.commit()
        return made

    lines = _pdf_lines(certificate(issuer="Ombudsman Office\nILO Office for Azerbaijan",
                                   signatories="Dr. Leyla Məmmədova, Programme Director\nJohn Smith, Chair"))
    text = "\n".join(lines)
    assert "Dr. Leyla Məmmədova" in text and "Programme Director" in text
    assert "John Smith" in text and "Chair" in text
    assert "For Ombudsman Office" not in text

    lines = _pdf_lines(certificate(issuer="Ombudsman Office\nILO Office for Azerbaijan", signatories=""))
    assert any(line.endswith("For Ombudsman Office") or "For Ombudsman Office" in line for line in lines)


# ---- gunicorn and long addresses ---------------------------------------------------------------------------


def test_gunicorn_passes_addresses_up_to_8_kb_to_the_app_which_answers_with_its_414_page(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'lms.db'}", "SECRET_KEY": "long-url-test",
           "RATELIMIT_ENABLED": "false", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1",
           "CERTIFICATE_DIR": str(tmp_path / "pdfs"), "BASE_URL": "http://127.0.0.1"}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn with our own settings file, on loopback
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        port = None
        for line in process.stderr:  # gunicorn logs the port it got before it serves
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "gunicorn did not start"
        for length in (5000, 8000):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/verify?code=" + "A" * (length - len("/verify?code=")))
            response = connection.getresponse()
            page = response.read().decode()
            connection.close()
            assert response.status == 414, (length, page[:200])
            assert "Address too long" in page and 'class="site-header"' in page
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stderr.close()
