"""``python -m bench.chord``: a chunked report built by a Celery chord on four worker processes.

Starts ``--workers`` (4) ``celery worker`` processes (one prefork child each, as the integration
tests start them) on a Redis broker and result backend (``--redis``, database 10 by default: the
queue there is purged first), asks for a report of ``--slug`` with ``REPORT_CHUNK_SIZE`` set to
``--chunk-size`` (and ``REPORT_CHUNKED_ABOVE=0``, so any size is chunked), waits for it, and prints:

* which worker (name, pool process id) took each chunk, and how long each chunk took;
* the plan, the merge-and-render task and the wall time from request to finished report;
* each worker's peak memory (its pool process's, sampled every 0.2 s from ``/proc``);
* whether the merged summary.json equals the one-pass summary of the same submissions at the same
  ``as_of`` (computed afterwards in this process: at a million that needs a few GB; ``--no-compare``
  skips it).

Run against the bench database (its responses are only read; the report row and files stay, as
the bench's ``job`` step leaves its own)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \\
        .venv/bin/python -m bench.chord --slug bench-otc-1000000 --chunk-size 100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.data import ROOT

READY_TIMEOUT = 120
STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}):")
CHUNK_EVENT = re.compile(
    r"Task reports\.tasks\.build_report_chunk\[[0-9a-f-]+\] (received|succeeded)"
)
SUCCEEDED = re.compile(
    r"Task (?P<task>reports\.tasks\.\w+)\[(?P<id>[0-9a-f-]+)\] succeeded in (?P<secs>[\d.]+)s:"
    r" (?P<result>.*)$"
)
CHUNK_NAME = re.compile(r"chunk-(\d+)\.json\.gz")


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path
    peak_kib: dict[int, int] = field(default_factory=dict)  # pool process id -> peak RSS

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pool(self) -> list[int]:
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return []


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _Sampler(threading.Thread):
    """Every 0.2 s, each worker's pool processes' resident memory; keeps the peak per process."""

    def __init__(self, workers: list[Worker]) -> None:
        super().__init__(daemon=True)
        self.workers = workers
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            for worker in self.workers:
                for pid in worker.pool():
                    worker.peak_kib[pid] = max(worker.peak_kib.get(pid, 0), _rss_kib(pid))


def _environment(args: argparse.Namespace, work: Path) -> None:
    """Settings shared by this process and its workers (read by consultation.settings)."""
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ.update(
        {
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "consultation.settings",
            "CELERY_BROKER_URL": args.redis,
            "CELERY_RESULT_BACKEND": args.redis,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "REPORT_CHUNKED_ABOVE": "0",
            "REPORT_CHUNK_SIZE": str(args.chunk_size),
            "PRIVATE_ROOT": str(work / "private"),
        }
    )


def _start(count: int, work: Path) -> list[Worker]:
    workers = []
    for index in range(1, count + 1):
        name = f"chord{index}@%h"
        log = work / f"worker-{index}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "consultation",
                    "worker",
                    "--loglevel=INFO",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    name,
                ],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(Worker(name=f"chord{index}", process=process, log=log))
    deadline = time.monotonic() + READY_TIMEOUT
    for worker in workers:
        while " ready." not in worker.text():
            if worker.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {worker.name} did not start:\n{worker.text()[-3000:]}")
            time.sleep(0.2)
    return workers


def _stop(workers: list[Worker]) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


def _tasks(workers: list[Worker]) -> list[tuple[str, str, float, str]]:
    """(worker, task, seconds, result) of every task that succeeded, from the workers' logs."""
    found = []
    for worker in workers:
        for line in worker.text().splitlines():
            match = SUCCEEDED.search(line)
            if match:
                found.append(
                    (worker.name, match["task"], float(match["secs"]), match["result"].strip())
                )
    return found


def _chunk_phase(workers: list[Worker]) -> float | None:
    """Seconds from the first chunk received to the last chunk finished (the workers' logs)."""
    import datetime as dt

    stamps = []
    for worker in workers:
        for line in worker.text().splitlines():
            if CHUNK_EVENT.search(line) and (stamp := STAMP.match(line)):
                # The workers' local time: only differences are used.
                moment = dt.datetime.strptime(stamp[1], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007
                stamps.append(moment)
    return (max(stamps) - min(stamps)).total_seconds() if stamps else None


def _merge_logged(workers: list[Worker], timeout: float = 60) -> None:
    """Wait until a worker has logged the merge task's end (it marks the report done first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any("merge_report_chunks" in t for _w, t, _s, _r in _tasks(workers)):
            return
        time.sleep(0.2)


def _comparable(data: dict) -> dict:
    """summary.json without what differs between two builds of the same submissions."""
    data = dict(data)
    data.pop("generated_at", None)
    data["snapshot"] = {k: v for k, v in data["snapshot"].items() if k != "as_of"}
    return data


def _compare(report) -> list[str]:  # noqa: ANN001 - a Report, imported late
    from reports.jobs.compute import summary_compute
    from reports.models import ReportFile
    from reports.render.json import summary_to_dict

    stored = ReportFile.objects.get(report=report, format="json")
    with stored.file.open("rb") as handle:
        merged = json.loads(handle.read())
    started = time.perf_counter()
    one_pass = summary_compute(consultation=report.consultation, as_of=report.snapshot_as_of)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    expected = json.loads(json.dumps(summary_to_dict(one_pass), ensure_ascii=False))
    left, right = _comparable(merged), _comparable(expected)
    differing = sorted(key for key in left.keys() | right.keys() if left.get(key) != right.get(key))
    same_hash = merged["snapshot"]["sha256"] == one_pass.snapshot.sha256
    lines = [
        f"One-pass summary of the same submissions (this process): {seconds:.1f} s,"
        f" peak RSS {peak:.0f} MiB",
        f"Merged summary.json == one-pass summary: {'YES' if not differing else 'NO'}"
        + (f" (differing keys: {', '.join(differing)})" if differing else ""),
        f"Fingerprint (snapshot sha256) equal: {'YES' if same_hash else 'NO'}"
        f" ({one_pass.snapshot.sha256[:16]}...)",
        f"Counted submissions: merged {merged['snapshot']['count']:,},"
        f" one-pass {one_pass.snapshot.count:,}",
    ]
    return lines


def _report_lines(workers: list[Worker], wall: float, report) -> list[str]:  # noqa: ANN001
    tasks = _tasks(workers)
    chunks = sorted(
        (int(match[1]), worker, seconds)
        for worker, task, seconds, result in tasks
        if task.endswith("build_report_chunk") and (match := CHUNK_NAME.search(result))
    )
    pools = {w.name: ",".join(str(pid) for pid in sorted(w.peak_kib)) or "?" for w in workers}
    lines = ["| Chunk | Worker (pool pid) | Seconds |", "| ---: | --- | ---: |"]
    lines += [f"| {i} | {w} ({pools[w]}) | {s:.1f} |" for i, w, s in chunks]
    lines.append("")
    for worker, task, seconds, _result in tasks:
        if not task.endswith("build_report_chunk"):
            what = {"build_report": "plan", "merge_report_chunks": "merge and render"}.get(
                task.rsplit(".", 1)[1], task
            )
            lines.append(f"- {what} ({task.rsplit('.', 1)[1]}) on {worker}: {seconds:.1f} s")
    per_worker = {w.name: sum(1 for _i, name, _s in chunks if name == w.name) for w in workers}
    lines.append("- chunks per worker: " + ", ".join(f"{n}: {c}" for n, c in per_worker.items()))
    if chunks:
        total = sum(s for _i, _w, s in chunks)
        lines.append(
            f"- chunk time: sum {total:.1f} s, mean {total / len(chunks):.1f} s,"
            f" longest {max(s for _i, _w, s in chunks):.1f} s"
        )
    phase = _chunk_phase(workers)
    if phase is not None:
        lines.append(f"- chunk phase, first chunk received to last chunk done: {phase:.1f} s")
    for worker in workers:
        peaks = ", ".join(f"{kib / 1024:.0f} MiB" for kib in worker.peak_kib.values()) or "-"
        lines.append(f"- {worker.name} pool process peak RSS (sampled): {peaks}")
    lines.append(
        f"- wall time, request to finished report: {wall:.1f} s"
        f" (status {report.status}, {report.snapshot_count or 0:,} counted submissions)"
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", default="bench-otc-1000000")
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--timeout", type=int, default=1800, help="Seconds to wait for the report.")
    parser.add_argument("--no-compare", action="store_true", help="Skip the one-pass comparison.")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the bench database (PostgreSQL).")
    work = Path(tempfile.mkdtemp(prefix="bench-chord-"))
    (work / "private").mkdir()
    _environment(args, work)
    import django

    django.setup()
    from consultation.celery import app
    from reports.jobs.services import report_request
    from reports.models import Report, ReportStatus
    from surveys.models import Consultation

    consultation = Consultation.objects.get(slug=args.slug)
    app.control.purge()
    print(f"{args.workers} workers, chunks of {args.chunk_size:,}, {args.slug}; logs in {work}")
    print("Load average at start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    workers = _start(args.workers, work)
    sampler = _Sampler(workers)
    sampler.start()
    try:
        started = time.perf_counter()
        report = report_request(consultation=consultation, language="en", requested_by=None)
        deadline = time.monotonic() + args.timeout
        while True:
            report.refresh_from_db()
            if report.status in {ReportStatus.SUCCEEDED, ReportStatus.FAILED}:
                break
            dead = [w.name for w in workers if w.process.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise SystemExit(f"workers exited: {dead}" if dead else "timed out")
            time.sleep(0.2)
        wall = time.perf_counter() - started
        _merge_logged(workers)
    finally:
        sampler.done.set()
        sampler.join()
        _stop(workers)
    print("Load average at end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    lines = _report_lines(workers, wall, report)
    if report.status != ReportStatus.SUCCEEDED:
        lines.append(f"Report {report.pk} failed: {report.error}")
    elif not args.no_compare:
        lines += ["", *_compare(Report.objects.select_related("consultation").get(pk=report.pk))]
    print("\n".join(lines))
    (work / "chord.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
