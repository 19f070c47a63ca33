"""Kill gunicorn's workers in the middle of an exam: every answer autosaved before is there afterwards,
and the trainee carries on with the same session."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import create_app
from lms.demo.seed import DEMO_PASSWORD, seed_demo
from lms.exams.models import AttemptQuestion
from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: one cookie jar, form posts, JSON posts."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response.status, response.getheader("Location"), data.decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf-token" content="([^"]+)"', self.request("GET", path)[2]).group(1)

    def form(self, path: str, fields: dict, token_from: str):
        from urllib.parse import urlencode

        fields = {"csrf_token": self.token(token_from), **fields}
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})


def _wait_until_serving(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)  # polling for readiness, bounded by the deadline
    raise AssertionError("gunicorn did not start serving")


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def server(tmp_path):
    database = f"sqlite:///{tmp_path / 'exam.db'}"
    settings = {"SQLALCHEMY_DATABASE_URI": database, "CERTIFICATE_DIR": str(tmp_path / "pdfs"),
                "CREDENTIAL_KEY_PATH": str(tmp_path / "key.pem"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "fault-test", "RATELIMIT_ENABLED": "false",
           "CERTIFICATE_DIR": settings["CERTIFICATE_DIR"], "BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, on loopback
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_serving(port, time.monotonic() + 30)
        yield port, process, app
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_answers_survive_a_killed_worker(server):
    port, gunicorn, app = server
    trainee = Browser(port)
    status, _, _ = trainee.form("/login", {"email": "trainee2@demo.lms", "password": DEMO_PASSWORD}, "/login")
    assert status == 302
    home = trainee.request("GET", "/home")[2]
    exam_page = re.search(r'href="(/cohorts/\d+/exams/\d+)"', home).group(1)
    status, location, _ = trainee.form(exam_page + "/start", {}, exam_page)
    attempt = location.rsplit("/", 1)[1]
    page = trainee.request("GET", f"/attempts/{attempt}")[2]
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    slots = re.findall(r'data-slot="(\d+)" data-type="(\w+)"', page)
    essays = [slot for slot, kind in slots if kind == "essay"] + [slot for slot, kind in slots if kind == "short"]
    assert essays, "the demo stage-1 exam has written answers"

    def autosave(slot: str, text: str) -> int:
        body = json.dumps({"slot": int(slot), "response": {"text": text}}).encode()
        return trainee.request("POST", f"/attempts/{attempt}/answer", body,
                               {"Content-Type": "application/json", "X-CSRFToken": token})[0]

    saved = {slot: f"answer {n} before the crash" for n, slot in enumerate(essays)}
    assert all(autosave(slot, text) == 200 for slot, text in saved.items())

    for pid in _workers(gunicorn.pid):
        os.kill(pid, signal.SIGKILL)
    _wait_until_serving(port, time.monotonic() + 30)

    with app.app_context():
        stored = {str(s.id): (s.response or {}).get("text") for s in db.session.scalars(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == int(attempt)))}
        db.session.remove()
    assert {slot: stored[slot] for slot in saved} == saved
    # the same session carries on after the restart
    assert autosave(essays[0], "after the crash") == 200
    page = trainee.request("GET", f"/attempts/{attempt}")[2]
    assert "after the crash" in page and all(text in page for text in list(saved.values())[1:])
