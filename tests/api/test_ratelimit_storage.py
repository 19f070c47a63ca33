"""Rate limits hold as configured across every worker process of one server: the mmap:// storage."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from limits.storage import storage_from_string

from lms import create_app, ratelimit
from lms.config import from_environment
from lms.extensions import db
from tests.faults.test_worker_kill import ROOT, _free_port, _wait_until_serving, _workers


def test_the_default_is_a_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == f"mmap://{tmp_path.resolve()}/ratelimits.mmap"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379")
    assert from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://cache:6379"


def test_counts_windows_and_clearing(tmp_path):
    storage = storage_from_string(f"mmap://{tmp_path}/limits.mmap")
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("a") == 3 and storage.get("b") == 0
    assert time.time() < storage.get_expiry("a") <= time.time() + 60
    assert storage.incr("ended", -1) == 1 and storage.incr("ended", 60) == 1  # a window that ended starts again
    storage.clear("a")
    assert storage.get("a") == 0 and storage.incr("a", 60) == 1
    assert storage.reset() == 2 and storage.get("a") == 0


def test_a_full_probe_run_forgets_the_window_that_ends_soonest(tmp_path, monkeypatch):
    storage = storage_from_string(f"mmap://{tmp_path}/limits.mmap")
    monkeypatch.setattr(ratelimit, "_hash", lambda key: int(key) * ratelimit.SLOTS + 1)  # all start at slot 1
    for key in range(ratelimit.PROBES):
        storage.incr(str(key), 100 + key)
    assert storage.incr(str(ratelimit.PROBES), 60) == 1
    assert storage.get("0") == 0 and storage.get(str(ratelimit.PROBES - 1)) == 1


def _hammer(uri: str) -> None:
    storage = storage_from_string(uri)
    for _ in range(500):
        storage.incr("shared", 600)


def test_processes_count_together(tmp_path):
    uri = f"mmap://{tmp_path}/limits.mmap"
    processes = [multiprocessing.get_context("spawn").Process(target=_hammer, args=(uri,)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert storage_from_string(uri).get("shared") == 1500


def _server_socket_owners(workers: list[int], port: int, client_ports: set[int]) -> dict[int, int]:
    """Which worker process holds the server side of each of these client connections: read from /proc."""
    inodes = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, remote_port = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local_port == port and remote_port in client_ports:
            inodes[fields[9]] = remote_port
    owners = {}
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                owners[inodes[target[8:-1]]] = pid
    return owners


@pytest.fixture
def gunicorn(tmp_path):
    database = f"sqlite:///{tmp_path / 'api.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "limits-test", "BASE_URL": f"http://127.0.0.1:{port}",
           "RATELIMIT_ENABLED": "true", "VERIFY_LIMITS": "10 per minute",
           "RATELIMIT_STORAGE_URI": f"mmap://{tmp_path / 'ratelimits.mmap'}"}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, on loopback
        [sys.executable, "-m", "gunicorn", "--workers", "3", "--threads", "2", "--keep-alive", "30",
         "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_serving(port, time.monotonic() + 30)
        yield port, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_the_limit_holds_across_three_gunicorn_workers(gunicorn):
    port, process = gunicorn
    path = "/api/v1/certificates/ITC-ABCD-EFGH-JKMG"  # well formed, unknown: 404 until the limit, then 429
    connections, answers = [], []

    def get(connection):
        connection.request("GET", path)
        response = connection.getresponse()
        answers.append((response.status, response.getheader("Retry-After"), json.loads(response.read())))

    # Keep-alive connections, opened until at least two workers hold one (the kernel picks the worker).
    owners: dict[int, int] = {}
    # A quiet server often hands every new connection to the same worker; keep opening (and answering on)
    # new ones until another worker takes one. The storage test above proves the sharing without a kernel.
    while len(set(owners.values())) < 2 and len(connections) < 400:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request("OPTIONS", path)  # a preflight: answered, never counted against the limit
        connection.getresponse().read()
        connections.append(connection)
        owners = _server_socket_owners(_workers(process.pid), port, {c.sock.getsockname()[1] for c in connections})
    if len(set(owners.values())) < 2:
        pytest.skip("the kernel gave all 400 connections to one worker; nothing to prove across workers")
    while len(answers) < 40:
        for connection in connections:
            get(connection)
    for connection in connections:
        connection.close()
    statuses = [status for status, _retry, _body in answers]
    assert statuses.count(404) == 10, statuses  # the configured 10 per minute, not 10 per worker
    assert statuses.count(429) == len(answers) - 10
    refused = [(retry, body) for status, retry, body in answers if status == 429]
    assert all(1 <= int(retry) <= 60 and body["code"] == "rate_limited" for retry, body in refused)
