"""``python -m bench.load``: the respondent pages under load, on gunicorn and PostgreSQL.

Starts gunicorn on 127.0.0.1 (port 8180 unless ``LOAD_PORT``) against the bench database,
runs locust headless with 20 and then 100 respondents stepping through the form of the
10,000-response bench consultation and submitting (pausing 1-3 s before each page), then 20
respondents with no pauses (the most the server serves), then the trivial ``/healthz`` view with
20 users and no pauses as the ceiling, and writes the table to ``bench/load/results.md``.

All virtual users come from one address, so the submit rate limit (per address) is raised for the
run; emails go to Django's dummy backend. Everything else is the production configuration:
DEBUG off, persistent database connections (``CONN_MAX_AGE``), a Redis cache (``CACHE_URL``,
which also holds sessions), gunicorn sync workers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.data import ROOT, broker_empty, consultation_ensure, database_ensure

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
SIZE = 10_000
BROKER_URL = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/6")


def _server_env(slug: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_SUBMIT": "1000000/h",
        "EMAIL_URL": "dummymail://",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        # As in production: rate limits and sessions in a shared Redis cache.
        "CACHE_URL": os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/4"),
        # Emails are queued as in production: a row, and a message on a Redis broker (a database
        # of its own, emptied first; no worker sends them during the measurement).
        "CELERY_BROKER_URL": BROKER_URL,
        "LOAD_SLUG": slug,
    }


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url}")


def _locust(user: str, users: int, seconds: int, host: str, env: dict, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / f"{user}-{users}-think-{env.get('LOAD_THINK', '0')}"
    subprocess.run(  # noqa: S603 - our own interpreter and locustfile
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            user,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def _figures(row: dict) -> tuple[float, int, int, int, int, int]:
    return (
        float(row["Requests/s"]),
        int(float(row["50%"])),
        int(float(row["95%"])),
        int(float(row["99%"])),
        int(row["Request Count"]),
        int(row["Failure Count"]),
    )


# (user class, users, think time): respondents pacing themselves like people (a page every one to
# three seconds, far quicker than anyone reads a consultation question), then the same journey
# with no pauses (the most the server can do), then the trivial view with no pauses (the ceiling).
PACED = "1-3"
# The respondent pages' throughput with no pauses, as a share of /healthz's (issue 14: 0.30).
THROUGHPUT_TARGET = 0.30


def _runs(user_counts: list[int]) -> list[tuple[str, int, str]]:
    runs = [("Respondent", users, PACED) for users in user_counts]
    return [*runs, ("Respondent", 20, "0"), ("Ceiling", 20, "0")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=40, help="Length of each run.")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers.")
    parser.add_argument("--users", type=int, action="append", help="Default: 20 and 100.")
    args = parser.parse_args(argv)
    user_counts = args.users or [20, 100]

    url = os.environ.get("DATABASE_URL", "")
    database_ensure(url)
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Its own copy: every run adds the responses its virtual respondents submit.
    slug, _ = consultation_ensure(size=SIZE, purpose="load", exact=False)
    broker_empty(BROKER_URL)
    port = int(os.environ.get("LOAD_PORT", "8180"))
    host = f"http://127.0.0.1:{port}"
    env = _server_env(slug)
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "consultation.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    results: list[tuple[str, int, str, dict]] = []
    try:
        _wait_ready(f"{host}/healthz")
        with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
            out = Path(directory)
            # Unrecorded: every worker loads its templates, translations and the form structure
            # once, as a server that has been up for a while has done.
            _locust("Respondent", 10, 10, host, {**env, "LOAD_THINK": "0"}, out / "warm-up")
            for user, users, think in _runs(user_counts):
                rows = _locust(user, users, args.seconds, host, {**env, "LOAD_THINK": think}, out)
                results.append((user, users, think, rows))
                _print(users, think, rows)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    _write(results, args)


def _print(users: int, think: str, rows: dict) -> None:
    for name, row in rows.items():
        rps, p50, p95, p99, count, failures = _figures(row)
        print(
            f"{users:>4} users  think {think:>3} s  {name:<22} {rps:8.1f} req/s  p50 {p50:4d} ms"
            f"  p95 {p95:4d} ms  p99 {p99:4d} ms  {count:6d} requests  {failures} errors",
            flush=True,
        )


def _think_label(think: str) -> str:
    return "none" if think == "0" else f"{think} s"


def _write(results: list[tuple[str, int, str, dict]], args: argparse.Namespace) -> None:
    ceiling = next(rows for user, _, _, rows in results if user == "Ceiling")["Aggregated"]
    ceiling_rps = float(ceiling["Requests/s"])
    now = dt.datetime.now(tz=dt.timezone(dt.timedelta(hours=8)))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Load test results",
        "",
        f"Run on {now:%Y-%m-%d %H:%M} HKT by `python -m bench.load`: gunicorn ({args.workers} sync"
        f" workers), PostgreSQL, Redis and locust (one process) on the same {os.cpu_count()}-core"
        f" machine, {args.seconds} s per run. Load average at the end: {load}.",
        "",
        "Think time is the pause a virtual respondent takes before each page it sends: 1-3 s in"
        " the paced runs (people take far longer to read and answer a question), none in the"
        " saturation runs, which measure the most the server can serve.",
        "",
        "| Users | Think time | Request | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | Requests"
        " | Errors |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for user, users, think, rows in results:
        for name, row in rows.items():
            rps, p50, p95, p99, count, failures = _figures(row)
            label = "all requests" if name == "Aggregated" else name
            if user == "Ceiling":
                label = f"ceiling: {label}"
            lines.append(
                f"| {users} | {_think_label(think)} | {label} | {rps:.1f} | {p50} | {p95} | {p99}"
                f" | {count} | {failures} |"
            )
    lines += ["", "Targets:", ""]
    for user, users, think, rows in results:
        if user != "Respondent":
            continue
        rps, _, p95, _, _, failures = _figures(rows["Aggregated"])
        verdict = f"p95 {p95} ms"
        if users == 20:
            verdict += f" ({'met' if p95 < 100 else 'MISSED'}: under 100 ms at 20 users)"
        verdict += f"; {failures} errors ({'met' if failures == 0 else 'MISSED'})"
        if think == "0":
            met = rps >= THROUGHPUT_TARGET * ceiling_rps
            verdict += (
                f"; page throughput {rps:.1f} req/s = {rps / ceiling_rps:.2f} of the ceiling's"
                f" {ceiling_rps:.1f} ({'met' if met else 'MISSED'}:"
                f" at least {THROUGHPUT_TARGET:.2f})"
            )
        lines.append(f"- {users} users, think time {_think_label(think)}: {verdict}")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
