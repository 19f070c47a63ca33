"""BASE_URL is baked into certificates for good: it follows `make run`'s port, a different address in use is
reported, and production refuses to issue while it points at this machine."""

import logging
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.courses.services import RuleError
from lms.urls import is_local_address
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:5000", True), ("http://localhost:5101", True), ("http://[::1]:8000", True),
    ("http://0.0.0.0:5000", True), ("http://127.8.9.1", True), ("http://app.localhost", True),
    ("https://lms.example.org", False), ("http://10.0.0.5:8000", False), ("https://203.0.113.7", False),
])
def test_local_addresses(url, local):
    assert is_local_address(url) is local


def test_make_run_serves_and_links_on_the_same_port():
    out = subprocess.run(["make", "-n", "run", "PORT=5101"], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, check=True).stdout
    gunicorn = next(line for line in out.splitlines() if "gunicorn" in line and "--bind" in line)
    assert "BASE_URL=http://127.0.0.1:5101" in gunicorn and "--bind 127.0.0.1:5101" in gunicorn


def test_an_explicit_base_url_wins_over_the_port():
    out = subprocess.run(["make", "-n", "run", "PORT=5101"], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "BASE_URL": "https://lms.example.org"}, check=True).stdout
    assert "BASE_URL=https://lms.example.org" in out and "BASE_URL=http://127.0.0.1:5101" not in out


@pytest.fixture
def production(app):
    app.config.update(PRODUCTION=True, BASE_URL="http://127.0.0.1:5000")
    return app


def test_production_refuses_to_issue_with_a_loopback_base_url(production, db, make_certified):
    with pytest.raises(RuleError, match="BASE_URL"):
        make_certified()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_production_issues_once_base_url_is_public(production, db, make_certified):
    production.config["BASE_URL"] = "https://lms.example.org"
    assert make_certified().status == "issued"


def test_the_demo_issues_on_loopback(app, db, make_certified):
    app.config.update(PRODUCTION=False, BASE_URL="http://127.0.0.1:5000")
    assert make_certified().status == "issued"


def test_approving_is_refused_too(production, db, make_programme, make_certified, make_coordinator):
    production.config["BASE_URL"] = "https://lms.example.org"
    certificate = make_certified(programme=make_programme(requires_approval=True))
    production.config["BASE_URL"] = "http://localhost:5000"
    with production.test_request_context(), pytest.raises(RuleError, match="BASE_URL"):
        services.approve(certificate, make_coordinator())
    assert certificate.status == "pending"


def test_coordinator_sees_why_issuing_is_refused(production, db, client, make_coordinator, make_cohort):
    coordinator = make_coordinator()
    cohort = make_cohort(days_in=60)
    login(client, coordinator)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "Set BASE_URL to the public address" in page
    response = post_form(client, f"/admin/cohorts/{cohort.id}/issue-certificates", token_from="/admin/certificates",
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Certificates cannot be issued while BASE_URL" in page
    assert "certificates issued or sent for approval" not in page


def test_coordinator_is_told_when_the_site_is_used_at_another_address(app, db, client, make_coordinator):
    login(client, make_coordinator())
    app.config["BASE_URL"] = "http://localhost"  # the test client's own host: no notice
    assert "carry BASE_URL" not in client.get("/home").get_data(as_text=True)
    app.config["BASE_URL"] = "https://lms.example.org"
    page = client.get("/home").get_data(as_text=True)
    assert "This site is open at http://localhost" in page and "https://lms.example.org" in page


def test_requests_for_another_host_are_logged_once(app, client, caplog):
    with caplog.at_level(logging.WARNING, logger="lms.urls"):
        client.get("/login", headers={"Host": "wrong.example:5101"})
        client.get("/login", headers={"Host": "wrong.example:5101"})
    warnings = [r for r in caplog.records if "wrong.example:5101" in r.getMessage()]
    assert len(warnings) == 1 and "BASE_URL is http://lms.test" in warnings[0].getMessage()


def test_issue_certificates_command_says_what_to_set(production, db, make_cohort):
    make_cohort(days_in=60)
    result = production.test_cli_runner().invoke(args=["issue-certificates"])
    assert result.exit_code != 0 and "Set BASE_URL" in result.output
