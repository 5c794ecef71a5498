"""One measured bench step in its own process: ``python -m bench.steps STEP --slug S --work D``.

Prints one JSON line: the step's wall time (measured around the work only, after Django and the
libraries are loaded) and the process's peak resident memory (``ru_maxrss``), which includes the
interpreter, Django and the libraries the step loads: the baseline step shows how much that is.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import pickle
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()


def _consultation(slug: str):  # noqa: ANN202 - a model instance, imported late
    from surveys.models import Consultation

    return Consultation.objects.get(slug=slug)


def baseline(slug: str, work: Path) -> dict:
    """Django and pandas loaded, one query: what every other step's memory starts from."""
    import pandas  # noqa: F401

    _consultation(slug)
    return {}


def floor(slug: str, work: Path) -> dict:
    """The same answer rows aggregation reads, by the same COPY statement, discarded."""
    from django.db import connection, transaction
    from django.utils import timezone

    from reports.loading import report_answers_sql

    consultation = _consultation(slug)
    sql, params = report_answers_sql(consultation=consultation, as_of=timezone.now())
    size = 0
    statement = f"COPY ({sql}) TO STDOUT (FORMAT binary)"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(statement, params) as copy,
    ):
        for block in copy:
            size += len(block)
    return {"bytes": size}


def aggregate(slug: str, work: Path) -> dict:
    """Reading the choice and number answers and counting them (the part the floor bounds)."""
    from django.utils import timezone

    from reports.loading import report_inputs
    from reports.summary.compute import closed_and_number_tables

    consultation = _consultation(slug)
    inputs = report_inputs(consultation=consultation, as_of=timezone.now(), texts=False)
    rows = closed_and_number_tables(inputs)
    return {"answer_rows": rows}


def summary(slug: str, work: Path) -> dict:
    """The whole summary: every read, counts, numbers, free-text terms, themes and quotes."""
    from django.utils import timezone

    from reports.jobs.compute import summary_compute

    result = summary_compute(consultation=_consultation(slug), as_of=timezone.now())
    with (work / "summary.pickle").open("wb") as handle:
        pickle.dump(result, handle)
    return {"respondents": result.respondents.total}


def _render(fmt: str) -> Callable[[str, Path], dict]:
    def step(slug: str, work: Path) -> dict:
        from reports.render import render

        with (work / "summary.pickle").open("rb") as handle:
            loaded = pickle.load(handle)  # noqa: S301 - written by the summary step just before
        path = render(summary=loaded, language="en", fmt=fmt, directory=work / "out")
        return {"bytes": path.stat().st_size}

    step.__doc__ = f"Writing the summary as {fmt.upper()} (English), from the pickled summary."
    return step


def job(slug: str, work: Path) -> dict:
    """The whole report job as a worker runs it: read, aggregate, render all four formats, store."""
    from django.conf import settings

    from reports.jobs.services import report_build, report_request

    settings.STORAGES["private"]["OPTIONS"]["location"] = str(work / "private")
    report = report_request(
        consultation=_consultation(slug), language="en", requested_by=None, queue=False
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    if report.status != "succeeded":
        raise SystemExit(f"report {report.pk} {report.status}: {report.error}")
    return {"chunked": report_build_was_chunked(report)}


def report_build_was_chunked(report) -> bool:  # noqa: ANN001
    from reports.jobs.chunked import report_is_chunked

    return report_is_chunked(count=report.snapshot_count or 0)


def export_csv(slug: str, work: Path) -> dict:
    from surveys.exports import export_csv_lines

    path = work / "export.csv"
    rows = -1
    with path.open("w", encoding="utf-8", newline="") as handle:
        for line in export_csv_lines(consultation=_consultation(slug), personal=False):
            handle.write(line)
            rows += 1
    return {"rows": rows, "bytes": path.stat().st_size}


def export_xlsx(slug: str, work: Path) -> dict:
    from surveys.exports import export_xlsx as write

    path = work / "export.xlsx"
    rows = write(consultation=_consultation(slug), personal=False, out=str(path))
    return {"rows": rows, "bytes": path.stat().st_size}


def campaigns(slug: str, work: Path) -> dict:
    from surveys.review.campaigns import campaign_detect

    detection = campaign_detect(consultation=_consultation(slug))
    return {"groups": detection.groups, "grouped": detection.grouped}


STEPS: dict[str, Callable[[str, Path], dict]] = {
    "baseline": baseline,
    "floor": floor,
    "aggregate": aggregate,
    "summary": summary,
    "json": _render("json"),
    "csv": _render("csv"),
    "xlsx": _render("xlsx"),
    "pdf": _render("pdf"),
    "job": job,
    "export_csv": export_csv,
    "export_xlsx": export_xlsx,
    "campaigns": campaigns,
}


class _TreeMemory:
    """Samples this process's and its children's total PSS (``/proc``, Linux) every 0.1 s."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._done.wait(0.1):
            pids = [me]
            for task in Path(f"/proc/{me}/task").iterdir():
                with contextlib.suppress(OSError):
                    pids += [int(p) for p in (task / "children").read_text().split()]
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in pids))


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # ended meanwhile
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--slug", required=True)
    parser.add_argument("--work", required=True, type=Path)
    args = parser.parse_args(argv)
    _setup()
    sampler = _TreeMemory()
    started = time.perf_counter()
    extra = STEPS[args.step](args.slug, args.work)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sampler.stop()
    record = {
        "step": args.step,
        "wall": round(wall, 3),
        "rss_mib": round(peak_kib / 1024, 1),
        # With the children it forks (the job's PDF typesetting): the largest total of their
        # proportional set sizes (pages shared since the fork counted once), sampled.
        **({"tree_pss_mib": round(sampler.peak_kib / 1024, 1)} if sampler.peak_kib else {}),
        "at": dt.datetime.now(tz=dt.UTC).isoformat(),
        **extra,
    }
    sys.stdout.write("BENCH " + json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
