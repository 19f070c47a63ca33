"""Coordinator screens through HTTP: programmes, cohorts, enrolment, CSV import, resources."""

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from lms.courses.models import Cohort, Programme, Resource
from tests.conftest import login, post_form


def _cohort_form(programme, start=date(2026, 5, 4), **changes):
    data = {"programme_id": str(programme.id), "name": "Spring cohort", "distance_start": start.isoformat(),
            "stage1_opens": (start + timedelta(days=28)).isoformat(),
            "stage1_closes": (start + timedelta(days=35)).isoformat(),
            "intensive_start": (start + timedelta(days=42)).isoformat(),
            "final_exam_on": (start + timedelta(days=46)).isoformat(), "venue": "Baku", "capacity": "20"}
    data.update(changes)
    return data


def test_coordinator_creates_and_edits_a_programme(db, client, make_coordinator):
    login(client, make_coordinator())
    data = {"name": "Business and Human Rights", "distance_weeks": "2", "stage1_pass_mark": "60",
            "stage1_attempts": "1", "intensive_days": "2", "attendance_threshold": "80", "final_pass_mark": "65",
            "certificate_title": "Certificate of Completion", "validity_years": "2", "group_size_cap": "30"}
    response = post_form(client, "/admin/programmes/new", data, token_from="/admin/programmes/new")
    assert response.status_code == 302
    programme = db.session.scalar(select(Programme))
    assert (programme.distance_weeks, programme.intensive_days, programme.practical_required) == (2, 2, False)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Certificate of Completion" in page
    bad = post_form(client, f"/admin/programmes/{programme.id}/edit", {**data, "final_pass_mark": "130"},
                    token_from="/admin/programmes/new")
    assert bad.status_code == 200 and "Number must be between 0 and 100" in bad.get_data(as_text=True)


def test_cohort_with_dates_out_of_order_is_refused_and_nothing_saved(db, client, make_coordinator, make_programme):
    programme = make_programme()
    login(client, make_coordinator())
    data = _cohort_form(programme, intensive_start="2026-06-01")  # before the stage-1 window closes
    response = post_form(client, "/admin/cohorts/new", data, token_from="/admin/cohorts/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The intensive must start after the stage-1 window closes." in page
    assert 'value="Spring cohort"' in page  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0


def test_cohort_created_with_trainers_and_its_capacity_guarded(db, client, make_coordinator, make_programme,
                                                               make_trainer, make_trainee):
    programme, trainer = make_programme(), make_trainer()
    login(client, make_coordinator())
    response = post_form(client, "/admin/cohorts/new", {**_cohort_form(programme), "trainer_ids": str(trainer.id)},
                         token_from="/admin/cohorts/new")
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert [t.id for t in cohort.trainers] == [trainer.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Spring cohort" in page and trainer.name in page
    for _ in range(2):
        post_form(client, f"/admin/cohorts/{cohort.id}/enrol",
                  {"enrol-name": "Ann", "enrol-email": f"ann{_}@example.org"}, token_from="/home")
    edit = post_form(client, f"/admin/cohorts/{cohort.id}/edit", {**_cohort_form(programme), "capacity": "1"},
                     token_from="/home")
    assert "Capacity cannot be below the 2 trainees already enrolled." in edit.get_data(as_text=True)


def test_csv_import_through_the_page(db, client, make_coordinator, make_cohort):
    cohort = make_cohort()
    login(client, make_coordinator())
    bad = b"name,email,organisation,country,language\nA,a@example.org,,,en\nB,broken,,,en\n"
    response = post_form(client, f"/admin/cohorts/{cohort.id}/import",
                         {"csv-file": (io.BytesIO(bad), "people.csv")}, token_from="/home",
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page and "Line 3:" in page
    assert "a@example.org" not in page.split("Trainees (")[1]
    good = "name,email,organisation,country,language\nŞəhla Əliyeva,s@example.org,,,az\n".encode()
    response = post_form(client, f"/admin/cohorts/{cohort.id}/import",
                         {"csv-file": (io.BytesIO(good), "people.csv")}, token_from="/home",
                         content_type="multipart/form-data", follow_redirects=True)
    assert "1 trainees enrolled, 1 new accounts invited." in response.get_data(as_text=True)
    assert "Şəhla Əliyeva" in response.get_data(as_text=True)


def test_unenrolling_asks_for_confirmation_first(db, client, make_coordinator, make_cohort, make_trainee):
    trainee = make_trainee(name="Leaving Person")
    cohort = make_cohort(trainees=[trainee])
    enrolment_id = cohort.enrolments[0].id
    login(client, make_coordinator())
    url = f"/admin/cohorts/{cohort.id}/enrolments/{enrolment_id}/remove"
    confirm = client.get(url).get_data(as_text=True)
    assert "Remove Leaving Person from" in confirm and "Cancel" in confirm
    assert len(db.session.get(Cohort, cohort.id).enrolments) == 1
    post_form(client, url, token_from=url)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).enrolments == []


def _upload(client, module_id, name, data):
    return post_form(client, f"/admin/modules/{module_id}/resources/file",
                     {"file-title": "Handout", "file-file": (io.BytesIO(data), name)}, token_from="/home",
                     content_type="multipart/form-data")


def test_resource_uploads_are_checked_and_served_as_downloads(db, app, client, make_coordinator, make_cohort,
                                                              make_trainee):
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee])
    module = cohort.programme.modules[0]
    login(client, make_coordinator())
    fake = _upload(client, module.id, "handout.pdf", b"MZ\x90\x00 not a pdf")
    assert fake.status_code == 400 and "does not match its .pdf name" in fake.get_data(as_text=True)
    exe = _upload(client, module.id, "tool.exe", b"MZ\x90\x00")
    assert "not accepted" in exe.get_data(as_text=True)
    assert _upload(client, module.id, "handout.pdf", b"%PDF-1.7\n%test\n").status_code == 302
    resource = db.session.scalar(select(Resource))
    stored = app.config["UPLOAD_DIR"]
    assert "static" not in stored
    post_form(client, "/logout", token_from="/home")
    login(client, trainee)
    download = client.get(f"/cohorts/{cohort.id}/resources/{resource.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data.startswith(b"%PDF-")
    download.close()


def test_oversized_upload_gets_the_413_page(app, client, make_coordinator, make_cohort):
    module = make_cohort().programme.modules[0]
    login(client, make_coordinator())
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = _upload(client, module.id, "big.pdf", b"%PDF-" + b"0" * 4096)
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_lessons_are_rendered_safe(db, client, make_coordinator, make_cohort, make_trainee):
    trainee = make_trainee()
    cohort = make_cohort(trainees=[trainee])
    lesson = cohort.programme.modules[0].lessons[0]
    login(client, make_coordinator())
    body = "## Safe\n\n<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"
    post_form(client, f"/admin/lessons/{lesson.id}/edit", {"title": "XSS", "position": "1", "body_md": body},
              token_from="/home")
    post_form(client, "/logout", token_from="/home")
    login(client, trainee)
    page = client.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert "<h2>Safe</h2>" in page
    prose = page.split('class="prose">')[1].split("</div>")[0]
    assert "<script" not in prose and "href=\"javascript" not in prose and "<img" not in prose
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in prose  # shown as text, inert
