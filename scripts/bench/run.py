"""The benchmark instrument: every figure as a ratio against a baseline measured in the same run on the same
machine, with the raw numbers beside it.

    .venv/bin/python scripts/bench/run.py                      # everything, about 10-15 minutes on 2 cores
    .venv/bin/python scripts/bench/run.py --quick              # shorter runs, same figures
    .venv/bin/python scripts/bench/run.py --only submit --db postgres

Figures: verify (certificate API vs bare Flask, wrk), submit (300 trainees submitting at once: lost,
double-graded, latency), autosave (answers/s vs a bare JSON endpoint, wrk), dashboard (1,000 vs 5 trainees),
pdf (render_many vs one-line WeasyPrint documents), soak (1,000 exam-takers on PostgreSQL). The servers are
gunicorn from the venv with the project's gunicorn.conf.py, 2 workers and its threads, on 127.0.0.1; SQLite
files and a PostgreSQL cluster are made in a temporary directory and removed afterwards (--keep keeps the
directory, with the server logs). The report is printed and written to --out (default: in the system's
temporary directory).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # nothing but these scripts in the repository

from common import (  # noqa: E402 - the bench directory first
    NOTES,
    SECRET_KEY,
    Figure,
    PostgresCluster,
    Row,
    Site,
    log,
    machine_description,
    raise_fd_limit,
)

FIGURES = ("verify", "submit", "autosave", "dashboard", "pdf", "soak")
BACKENDS = {"verify": ("sqlite", "postgres"), "submit": ("sqlite", "postgres"), "autosave": ("sqlite", "postgres"),
            "dashboard": ("sqlite",), "pdf": ("sqlite",), "soak": ("postgres",)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (wrk 3 s, soak 20 s, 50 PDFs)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these figures (repeat or comma-separate): {', '.join(FIGURES)}")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both",
                        help="databases for the figures that run on both (default: both)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "lms-bench-results.txt",
                        help="where to write the report too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server logs, data)")
    args = parser.parse_args(argv)
    only = [name.strip() for value in args.only for name in value.split(",") if name.strip()]
    unknown = sorted(set(only) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    args.figures = [name for name in FIGURES if not only or name in only]
    return args


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def table(rows: list[Row]) -> list[str]:
    header = ("figure", "db", "measure", "value", "baseline (same run)", "ratio", "target", "")
    cells = [header] + [(r.figure, r.db, r.measure, r.value, r.baseline, _ratio(r.ratio), r.target,
                         "" if r.ok is None else ("ok" if r.ok else "MISS")) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths).rstrip())
    return lines


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.sites: dict[str, Site] = {}
        self.failed: dict[str, str] = {}
        self.cluster: PostgresCluster | None = None

    def site(self, backend: str) -> Site:
        """The migrated and seeded installation on this database, made once per run."""
        if backend in self.sites:
            return self.sites[backend]
        if backend in self.failed:
            raise RuntimeError(self.failed[backend])
        if backend == "sqlite":
            site = Site(backend, f"sqlite:///{self.workdir / 'lms.db'}", self.workdir)
        else:
            if self.cluster is None:
                self.cluster = PostgresCluster()  # kept before start(), so that close() removes it
                self.cluster.start()
                log(f"postgres: throwaway cluster at {self.cluster.dir}")
            cluster = self.cluster
            site = Site(backend, cluster.create_database("lms_bench"), self.workdir,
                        fresh_url=lambda: cluster.create_database("lms_bench_create_all"))
            site.db_pid = cluster.pid
        try:
            site.prepare()
        except Exception as exc:
            site.close()
            self.failed[backend] = f"setting up {backend} failed: {exc}"
            raise
        self.sites[backend] = site
        return site

    def close(self) -> None:
        try:
            for site in self.sites.values():
                site.close()
        finally:
            if self.cluster is not None:
                self.cluster.stop()

    def backends(self, name: str) -> list[str]:
        wanted = ("sqlite", "postgres") if self.args.db == "both" else (self.args.db,)
        return [b for b in BACKENDS[name] if b in wanted or len(BACKENDS[name]) == 1]

    def run(self, name: str) -> Figure:
        import dashboard
        import exams
        import pdf
        import soak
        import verify

        quick = self.args.quick
        wrk_seconds = 3 if quick else 10
        figure = Figure(name)
        for backend in self.backends(name):
            try:
                if name == "verify":
                    verify.run(figure, self.site(backend), self.workdir, wrk_seconds)
                elif name == "submit":
                    exams.submit_burst(figure, self.site(backend), self.workdir)
                elif name == "autosave":
                    exams.autosave(figure, self.site(backend), self.workdir, wrk_seconds)
                elif name == "dashboard":
                    dashboard.run(figure, self.workdir, runs=3 if quick else 10)
                elif name == "pdf":
                    pdf.run(figure, self.workdir, count=50 if quick else 200)
                elif name == "soak":
                    soak.run(figure, self.site(backend), self.workdir, duration=20 if quick else 120)
            except Exception as exc:  # one broken figure must not hide the others
                traceback.print_exc()
                message = (str(exc).strip().splitlines() or [""])[0]
                error = f"{backend}: {type(exc).__name__}: {message}"
                figure.error = f"{figure.error}; {error}" if figure.error else error
        return figure


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The app's factory configures logging at INFO (a line per request); the report is what we print.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    raise_fd_limit()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop servers and clusters
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench."))
    # In-process apps read these first: never fall back to (or write) the repository's instance/ folder.
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.db'}"
    os.environ["RATELIMIT_ENABLED"] = "false"
    description = machine_description()
    print("LMS benchmarks", flush=True)
    for line in description:
        print(f"  {line}", flush=True)
    print(flush=True)
    started = time.perf_counter()
    bench = Bench(args, workdir)
    figures: list[Figure] = []
    try:
        for name in args.figures:
            log(f"figure: {name}")
            figure_started = time.perf_counter()
            figure = bench.run(name)
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            figure.line(f"({name}: {time.perf_counter() - figure_started:.0f} s; load average after: {load})")
            figures.append(figure)
    finally:
        bench.close()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    report = ["LMS benchmarks", *(f"  {line}" for line in description), ""]
    if NOTES:
        report += ["Set-up notes:"] + [f"  - {text}" for text in NOTES] + [""]
    report += [f"Figures (each against a baseline measured in the same run; {'quick' if args.quick else 'full'} "
               f"run, {time.perf_counter() - started:.0f} s)", ""]
    rows = [row for figure in figures for row in figure.rows]
    report += table(rows)
    if any("(1)" in row.measure for row in rows):
        report += ["", "(1) CPU seconds per request of the server processes (gunicorn and PostgreSQL), from /proc.",
                   "    Unlike requests/s, not diluted by other processes' share of the cores (a contended or slower",
                   "    CPU still makes each request costlier). The ratio is bare/LMS, so it reads like the requests/s",
                   "    ratio: the throughput ratio the LMS would reach where CPU is the only limit."]
    for figure in figures:
        report += ["", f"{figure.name}:"] + [f"  {line}" for line in figure.raw]
        if figure.error:
            report.append(f"  FAILED: {figure.error}")
    text = "\n".join(report) + "\n"
    print("\n" + "=" * 100 + "\n" + text, flush=True)
    try:
        args.out.write_text(text)
        print(f"(written to {args.out})")
    except OSError as exc:
        print(f"(could not write {args.out}: {exc})")
    return 1 if any(figure.error for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
