"""What every benchmark figure shares: the machine's description, throwaway databases (SQLite files and a
PostgreSQL cluster), gunicorn servers on 127.0.0.1, wrk, a small HTTP client with a cookie jar, logins, and
percentiles.

Every server and cluster started here is stopped in a `finally` (the whole process group), and all load goes
to 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
GUNICORN = VENV_BIN / "gunicorn"
HOST = "127.0.0.1"
SECRET_KEY = "bench-" + secrets.token_hex(16)
WORKERS = 2
# As gunicorn.conf.py reads it.
THREADS = int(os.environ.get("GUNICORN_THREADS", "2"))

for _path in (str(ROOT), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# ---- results ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the summary table: a measured value against a baseline of the same run."""

    figure: str
    db: str
    measure: str
    value: str
    baseline: str
    ratio: float | None
    target: str = ""
    ok: bool | None = None


@dataclass
class Figure:
    name: str
    rows: list[Row] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    error: str | None = None

    def line(self, text: str = "") -> None:
        self.raw.append(text)
        print(f"  {text}", flush=True)


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


NOTES: list[str] = []


def note(text: str) -> None:
    """Something the report must say above the figures (e.g. a step of the set-up that failed)."""
    NOTES.append(text)
    log(f"NOTE: {text}")


# ---- statistics ------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt_ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


# ---- the machine -----------------------------------------------------------------------------------


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return "not installed"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"


def machine_description() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    cpus = len(re.findall(r"^processor\s*:", cpuinfo, re.M)) or os.cpu_count()
    mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
    postgres = pg_bin()
    wrk = shutil.which("wrk")
    import gunicorn

    now = datetime.now(UTC).astimezone()
    return [
        f"date        {now:%Y-%m-%d %H:%M:%S %Z}",
        f"CPU         {models[0] if models else platform.processor() or '?'} x {cpus}",
        f"memory      {mem_kb / 1024 / 1024:.1f} GiB",
        f"OS          {platform.system()} {platform.release()}; load average at start "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
        f"Python      {platform.python_version()} ({sys.executable})",
        f"SQLite      {sqlite3.sqlite_version}",
        "PostgreSQL  " + (_version([str(postgres / "postgres"), "--version"]) if postgres else "not installed"),
        "wrk         " + (_version([wrk, "--version"]) if wrk else "not installed"),
        f"gunicorn    {gunicorn.__version__}, {WORKERS} workers x {THREADS} threads (gunicorn.conf.py), "
        f"clients on the same {cpus} cores",
    ]


# ---- databases -------------------------------------------------------------------------------------


class PostgresCluster:
    """A throwaway PostgreSQL cluster, as scripts/with-postgres.sh makes one: initdb in a temporary directory,
    a Unix socket there and no TCP port, run as the postgres user when we are root; removed afterwards.
    Unlike the test script it keeps PostgreSQL's default durability (fsync on), as production would."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found; run 'make system-deps'")
        self.dir = Path(tempfile.mkdtemp(prefix="lms-bench-pg."))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
        self.started = False

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> PostgresCluster:
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.dir / "log"), "-o",
                  f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -c max_connections=200", "start")
        self.started = True
        return self

    def create_database(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", str(self.dir), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@/{name}?host={self.dir}"

    def pid(self) -> int:
        """The postmaster's process id."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            if self.started:
                subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),  # noqa: S603
                                "-m", "immediate", "stop"], capture_output=True, timeout=60, check=False)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Site:
    """One LMS installation for the benchmarks: a migrated and seeded database, its instance files in a temp
    directory, the environment its servers get, and an in-process app for building data and checking it."""

    def __init__(self, backend: str, url: str, workdir: Path, fresh_url=None):
        self.backend = backend
        self.url = url
        self.fresh_url = fresh_url  # makes an empty database, for the fallback of prepare()
        self.db_pid = None  # a function giving the database server's process id (PostgreSQL)
        self.instance = workdir / f"instance-{backend}"
        self.instance.mkdir(parents=True, exist_ok=True)
        self._app = None

    def env(self, port: int | None = None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_CMD", "FLASK_"))}
        env.update({
            "DATABASE_URL": self.url,
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": f"http://{HOST}:{port}" if port else "http://127.0.0.1:5000",
            "RATELIMIT_ENABLED": "false",
            "ALLOW_LOCAL_BASE_URL": "true",  # a real SECRET_KEY with a loopback address: issue all the same
            "CERTIFICATE_DIR": str(self.instance / "certificates"),
            "BENCH_INSTANCE_DIR": str(self.instance),
            "WEB_CONCURRENCY": str(WORKERS),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        return env

    def flask(self, *args: str) -> str:
        """`flask --app <the LMS> ...` with this site's environment (lms_app: the real factory, instance
        files in the temp directory)."""
        out = subprocess.run([str(PYTHON), "-m", "flask", "--app", "lms_app:create()", *args], cwd=ROOT,  # noqa: S603
                             env=self.env(), capture_output=True, text=True, timeout=600, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def prepare(self) -> Site:
        started = time.perf_counter()
        try:
            self.flask("db", "upgrade")
        except RuntimeError as error:
            if self.fresh_url is None:
                raise
            cause = [line for line in str(error).splitlines() if line.strip()]
            sql = next((line for line in cause if line.startswith("[SQL:")), "")
            what = next((line for line in cause if line.startswith("sqlalchemy.exc.")), cause[-1])
            note(f"`flask db upgrade` FAILS on {self.backend}: {what} {sql} "
                 f"-- the {self.backend} figures use a schema made by db.create_all() + `flask db stamp head` "
                 "on a fresh database instead")
            self.url = self.fresh_url()
            from lms.extensions import db

            with self.app.app_context():
                db.create_all()
                db.session.remove()
            self.close()
            self.flask("db", "stamp", "head")
        self.flask("seed-demo")
        log(f"{self.backend}: migrated and seeded the demo in {time.perf_counter() - started:.1f} s")
        return self

    @property
    def app(self):
        if self._app is None:
            from lms_app import overrides

            from lms import create_app

            self._app = create_app({"SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": SECRET_KEY,
                                    "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
                                    **overrides(self.instance)})
        return self._app

    def close(self) -> None:
        if self._app is not None:
            from lms.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app = None


# ---- servers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    log_path: Path
    pid: int = 0

    def errors(self) -> list[str]:
        """Errors the server logged: ERROR lines (with the database's message, see lms_app) and the
        exception line of each traceback."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        found = [line.split(" ERROR ", 1)[1] for line in text.splitlines() if " ERROR " in line]
        for block in text.split("Traceback (most recent call last):")[1:]:
            lines = [line for line in block.splitlines() if line and not line.startswith((" ", "\t"))]
            found.append(lines[0] if lines else "?")
        return found

    def error_summary(self) -> str:
        """Empty when the server logged no error, else how many and the distinct messages."""
        errors = self.errors()
        if not errors:
            return ""
        distinct: dict[str, int] = {}
        for error in errors:
            distinct[error] = distinct.get(error, 0) + 1
        return f"{len(errors)} errors logged by the server: " + "; ".join(
            f"{n} x {message}" for message, n in sorted(distinct.items(), key=lambda item: -item[1])[:4])

    def status_counts(self) -> dict[str, int]:
        """Responses per HTTP status, from the app's request log (lms.requests: METHOD PATH STATUS) or, when
        there is none, gunicorn's access log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        found = re.findall(r"lms\.requests: \S+ \S+ (\d{3})\b", text) or re.findall(r'" (\d{3}) ', text)
        counts: dict[str, int] = {}
        for status in found:
            counts[status] = counts.get(status, 0) + 1
        return dict(sorted(counts.items()))


def _stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=25)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workdir: Path, ready_path: str, port: int | None = None,
             name: str = "server") -> Iterator[Server]:
    """gunicorn from the venv with the project's gunicorn.conf.py, 2 workers, its threads, on 127.0.0.1."""
    port = port or free_port()
    log_path = workdir / f"{name}-{port}.log"
    command = [str(GUNICORN), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{port}",
               "--workers", str(WORKERS), "--threads", str(THREADS), app_spec]
    with log_path.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)
    try:
        _wait_ready(proc, port, ready_path, log_path)
        yield Server(port, log_path, proc.pid)
    finally:
        _stop_group(proc)


def serve_lms(site: Site, workdir: Path, name: str):
    """The LMS on gunicorn, with this site's database and instance files."""
    port = free_port()
    return gunicorn("lms_app:create()", site.env(port), workdir, "/login", port=port, name=f"{name}-lms-{site.backend}")


def serve_bare(site: Site, workdir: Path, name: str):
    """The bare Flask baseline on gunicorn, with the same settings and environment."""
    port = free_port()
    return gunicorn("bare_app:app", site.env(port), workdir, "/login", port=port, name=f"{name}-bare")


def _wait_ready(proc: subprocess.Popen, port: int, path: str, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            status, _headers, _body = Client(port, timeout=10).request("GET", path)
            if status < 500:
                ok += 1
                if ok >= 2 * WORKERS:  # a few answers, so that both workers have booted
                    return
                continue
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} not ready after {timeout} s:\n{log_path.read_text()[-3000:]}")


# ---- CPU accounting ------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> tuple[dict[int, int], dict[int, float]]:
    """Parent and CPU seconds (own + reaped children) of every process, from /proc."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = sum(int(x) for x in fields[11:15]) / _TICK
    return parents, used


def tree_cpu(root: int, split: bool = False):
    """CPU seconds used so far by a process and its descendants (live ones, and the reaped ones through
    their parents' cutime/cstime), from /proc; with split, also {child pid: seconds of its subtree}."""
    parents, used = _processes()

    def subtree(pid: int) -> float:
        return used.get(pid, 0.0) + sum(subtree(child) for child, parent in parents.items() if parent == pid)

    children = {child: subtree(child) for child, parent in parents.items() if parent == root}
    total = used.get(root, 0.0) + sum(children.values())
    return (total, children) if split else total


def own_cpu() -> float:
    """CPU seconds of this process and of its reaped children (wrk)."""
    import resource

    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat (steal counts as busy)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq + steal
    return busy / _TICK, (busy + idle + iowait) / _TICK


@dataclass
class CpuUse:
    wall: float = 0.0
    server: float = 0.0
    database: float | None = None
    client: float = 0.0
    machine_busy: float = 0.0
    machine_total: float = 0.0
    workers: list[float] = field(default_factory=list)  # CPU seconds of each gunicorn worker

    @property
    def imbalanced(self) -> bool:
        """One gunicorn worker did nearly all the work: it accepted (nearly) every keep-alive connection."""
        busy = sum(self.workers)
        return len(self.workers) > 1 and busy > 0.5 and max(self.workers) > 0.85 * busy

    @property
    def others(self) -> float:
        """CPU seconds used meanwhile by processes that are not part of this benchmark."""
        return max(0.0, self.machine_busy - self.server - (self.database or 0.0) - self.client)

    def per_request(self, requests: int) -> float:
        """Milliseconds of CPU per request in the app server (and the database server, if separate)."""
        return (self.server + (self.database or 0.0)) / max(1, requests) * 1000

    def describe(self, requests: int) -> str:
        def each(seconds: float) -> str:
            return f"{seconds:.1f} s = {seconds / max(1, requests) * 1000:.2f} ms/request"

        split = "/".join(f"{w:.1f}" for w in self.workers)
        parts = [f"gunicorn {each(self.server)} (workers {split} s)"]
        if self.database is not None:
            parts.append(f"PostgreSQL {each(self.database)}")
        parts.append(f"load generator {self.client:.1f} s")
        parts.append(f"other processes {self.others:.1f} s; machine {self.machine_busy:.1f} of "
                     f"{self.machine_total:.1f} CPU-s busy")
        return f"CPU in {self.wall:.1f} s wall: " + ", ".join(parts)


@contextmanager
def cpu_meter(server: Server, site: Site | None = None) -> Iterator[CpuUse]:
    """CPU used while the block runs: by the gunicorn tree, PostgreSQL's processes, and this process."""
    db_pid = site.db_pid() if site is not None and site.db_pid else None
    use = CpuUse()
    server_start, workers_start = tree_cpu(server.pid, split=True)
    start = (time.perf_counter(), server_start, tree_cpu(db_pid) if db_pid else 0.0, own_cpu(), machine_cpu())
    yield use
    use.wall = time.perf_counter() - start[0]
    server_end, workers_end = tree_cpu(server.pid, split=True)
    use.server = server_end - start[1]
    use.workers = [seconds - workers_start.get(pid, 0.0) for pid, seconds in workers_end.items()]
    use.database = tree_cpu(db_pid) - start[2] if db_pid else None
    use.client = own_cpu() - start[3]
    busy, total = machine_cpu()
    use.machine_busy, use.machine_total = busy - start[4][0], total - start[4][1]


# ---- HTTP ------------------------------------------------------------------------------------------


class Client:
    """One browser: a keep-alive connection to 127.0.0.1 and a cookie jar.

    A connection idle for longer than gunicorn's keep-alive (2 s) is reopened before use, as the server has
    closed it; a reused connection found closed is reopened once (the request never reached the app)."""

    KEEPALIVE = 1.5

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.csrf = ""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is not None and time.monotonic() - self.last_used > self.KEEPALIVE:
            self.close()
        for retry in (False, True):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and not retry:
                    continue
                raise
            except Exception:
                self.close()
                raise
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
            if response.will_close:
                self.close()
            self.last_used = time.monotonic()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]):
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, payload: dict, csrf: str):
        return self.request("POST", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", "X-CSRFToken": csrf})


CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def csrf_from(body: bytes) -> str:
    match = CSRF_META.search(body)
    if not match:
        raise RuntimeError("no csrf-token meta tag in the page")
    return match.group(1).decode()


def login(port: int, email: str, password: str) -> Client:
    """Log in through the real form (GET /login for the CSRF token, POST /login); returns the client."""
    client = Client(port)
    status, _headers, body = client.get("/login")
    if status != 200:
        raise RuntimeError(f"GET /login: {status}")
    status, headers, _body = client.post_form("/login", {"csrf_token": csrf_from(body), "email": email,
                                                         "password": password})
    if status != 302 or "/login" in (headers.get("Location") or ""):
        raise RuntimeError(f"login of {email} failed: {status} {headers.get('Location')}")
    return client


def login_many(port: int, emails: list[str], password: str, threads: int = 8) -> list[Client]:
    """Log every account in through /login, a few at a time; clients in the order of `emails`."""
    with ThreadPoolExecutor(threads) as pool:
        clients = list(pool.map(lambda email: login(port, email, password), emails))
    for client in clients:
        client.close()
    return clients


# ---- wrk -------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    rps: float
    p50: float
    p99: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors
    bad: int | None  # responses other than 200 counted by the Lua script, if it counts
    output: str


def _latency(text: str, label: str) -> float:
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(url: str, duration: int, script: Path | None = None, connections: int = 32, threads: int = 2) -> WrkResult:
    """`wrk -t2 -c32 -d<duration>s --latency` (and a Lua script) against a 127.0.0.1 URL."""
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("load goes to 127.0.0.1 only")
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: run `make bench` (or apt-get install wrk)")
    command = [binary, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60,  # noqa: S603
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sockets.groups()) if sockets else 0)
    bad = re.search(r"BENCH_BAD (\d+)", out)
    return WrkResult(rps, _latency(out, "50%"), _latency(out, "99%"), requests, errors,
                     int(bad.group(1)) if bad else None, out)


def wrk_balanced(figure: Figure, label: str, server: Server, site: Site | None, url: str, duration: int,
                 script: Path | None = None, tries: int = 3) -> tuple[WrkResult, CpuUse]:
    """wrk with CPU accounting, repeated (at most `tries` times) while one gunicorn worker has accepted all
    the connections and the other idles: such a run measures gunicorn's accept luck, not the app. Every
    discarded run is reported."""
    for attempt in range(1, tries + 1):
        with cpu_meter(server, site) as cpu:
            result = wrk(url, duration, script)
        if not cpu.imbalanced or attempt == tries:
            return result, cpu
        figure.line(f"{label}: run {attempt} discarded: one gunicorn worker took every connection "
                    f"({result.rps:.0f} requests/s, workers {'/'.join(f'{w:.1f}' for w in cpu.workers)} CPU-s)")
    raise AssertionError("unreachable")


def lua_string(text: str) -> str:
    """A Lua long-bracket string literal for any text."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


# ---- threads ---------------------------------------------------------------------------------------


def small_stacks() -> None:
    """Thousands of mostly sleeping threads: keep their stacks small."""
    threading.stack_size(512 * 1024)


def raise_fd_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---- in-process profile ----------------------------------------------------------------------------


def sql_profile(app, calls: list[tuple[str, object]], email: str | None = None, password: str = "") -> list[str]:
    """SQL queries and in-process time (Flask test client, no network) of each call after one warm-up call;
    each call is (label, function(client) -> response), run while logged in as `email` when given."""
    from sqlalchemy import event

    from lms.extensions import db

    client = app.test_client()
    if email:
        page = client.get("/login")
        response = client.post("/login", data={"csrf_token": csrf_from(page.data), "email": email,
                                               "password": password})
        if response.status_code != 302:
            raise RuntimeError(f"in-process login of {email}: {response.status_code}")
    with app.app_context():
        engine = db.engine
    queries = 0

    def count(*_args) -> None:
        nonlocal queries
        queries += 1

    lines = []
    for label, call in calls:
        queries = 0
        event.listen(engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            response = call(client)
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            event.remove(engine, "before_cursor_execute", count)
        lines.append(f"{label}: {queries} SQL queries, {elapsed:.0f} ms in-process (HTTP {response.status_code})")
    return lines
