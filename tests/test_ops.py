"""Operations: health check, the database going away, structured logs."""

import json
import logging

from lms import create_app
from lms.certificates.codes import check_symbol, format_code
from lms.ops import JsonFormatter


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def _unreachable_app(tmp_path):
    # A SQLite file in a directory that does not exist: every query fails as if the server were down.
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
                       "SECRET_KEY": "x", "RATELIMIT_ENABLED": False})


def test_database_unavailable_gives_a_clear_503_and_a_logged_error(tmp_path, caplog):
    app = _unreachable_app(tmp_path)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        health = client.get("/healthz")
        page = client.get("/verify/" + format_code("00000000000" + check_symbol("00000000000")))
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "Temporarily unavailable" in body and "Traceback" not in body
    assert page.headers["Retry-After"] == "30"
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_json_logs_are_one_object_a_line():
    record = logging.LogRecord("lms.requests", logging.INFO, __file__, 1, "GET %s", ("/home",), None)
    record.request_id, record.status = "abc", 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /home" and entry["request_id"] == "abc" and entry["status"] == 200


def test_an_id_too_large_for_the_database_is_not_found(client, make_trainee):
    from tests.conftest import login

    login(client, make_trainee())
    assert client.get("/attempts/99999999999999999999").status_code == 404
    assert client.get("/attempts/2147483647").status_code == 404
