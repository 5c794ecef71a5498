"""``python -m bench.chunk_costs``: what each step of the chunked report costs, measured one by one.

The figures docs/SCALING.md extrapolates from. In one process, on one consultation (default
``bench-otc-1000000``, chunks of ``REPORT_CHUNK_SIZE``): the plan (one streamed pass over the
counted submissions); per chunk the read (``report_inputs`` for its id range) and the reduce
(``partial_compute``) with their times, the process's resident memory at the chunk's peak
(sampled every 50 ms), its answer rows and the stored partial's size; the merge of the partials
(stored as they are between tasks: gzip JSON) and the summary built from them; rendering each
format (English); the COPY of the whole consultation's answer rows (rows/s); and the tables'
sizes from ``pg_total_relation_size``. The chunks run one after another as a single worker would.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \\
        .venv/bin/python -m bench.chunk_costs --slug bench-otc-1000000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

TABLES = ("surveys_answer", "surveys_submission", "surveys_answer_themes")


def _rss_mib() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Peak(threading.Thread):
    """This process's resident memory every 50 ms; ``take()`` returns the peak and restarts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mib()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, _rss_mib())

    def take(self) -> float:
        peak, self.peak = max(self.peak, _rss_mib()), _rss_mib()
        return peak


def _sizes(consultation_id: int) -> dict:
    from django.db import connection

    sizes: dict = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s),"
                " (SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass)",
                [table, table, table, table],
            )
            total, heap, indexes, rows = cursor.fetchone()
            sizes[table] = {"total": total, "heap": heap, "indexes": indexes, "rows": rows}
        cursor.execute(
            "SELECT count(*) FROM surveys_answer WHERE consultation_id = %s", [consultation_id]
        )
        sizes["answers_of_consultation"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM surveys_submission WHERE consultation_id = %s", [consultation_id]
        )
        sizes["submissions_of_consultation"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database"] = cursor.fetchone()[0]
    return sizes


def _copy_seconds(consultation, as_of) -> tuple[float, int]:  # noqa: ANN001
    """The whole consultation's answer rows through the report's COPY statement, discarded."""
    from django.db import connection, transaction

    from reports.loading import report_answers_sql

    sql, params = report_answers_sql(consultation=consultation, as_of=as_of)
    size = 0
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy,
    ):
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def measure(slug: str, chunk_size: int, work: Path, limit: int | None) -> dict:
    from django.utils import timezone

    from reports import loading
    from reports.render import render
    from reports.summary.partials import (
        PartialMerge,
        partial_compute,
        partial_dumps,
        partial_loads,
    )
    from surveys.models import Consultation

    consultation = Consultation.objects.get(slug=slug)
    as_of = timezone.now()
    peak = _Peak()
    peak.start()
    result: dict = {"slug": slug, "chunk_size": chunk_size, "start_rss_mib": _rss_mib()}
    started = time.perf_counter()
    snapshot, left_out, chunks = loading.report_chunk_plan(
        consultation=consultation, as_of=as_of, chunk_size=chunk_size
    )
    result["plan"] = {"seconds": time.perf_counter() - started, "chunks": len(chunks)}
    result["counted"] = snapshot.count
    stored: list[bytes] = []
    result["chunks"] = []
    for chunk in chunks[:limit]:
        peak.take()
        started, cpu = time.perf_counter(), time.process_time()
        inputs = loading.report_inputs(
            consultation=consultation, as_of=as_of, id_range=(chunk.first_id, chunk.last_id)
        )
        read, read_cpu = time.perf_counter() - started, time.process_time() - cpu
        rows, texts = len(inputs.answers), len(inputs.texts)
        started, cpu = time.perf_counter(), time.process_time()
        partial = partial_compute(inputs)
        reduce, reduce_cpu = time.perf_counter() - started, time.process_time() - cpu
        del inputs
        started = time.perf_counter()
        stored.append(partial_dumps(partial))
        dump = time.perf_counter() - started
        del partial
        result["chunks"].append(
            {
                "index": chunk.index,
                "submissions": chunk.count,
                "answer_rows": rows,
                "texts": texts,
                "read_s": read,
                "read_cpu_s": read_cpu,
                "reduce_s": reduce,
                "reduce_cpu_s": reduce_cpu,
                "store_s": dump,
                "partial_bytes": len(stored[-1]),
                "peak_rss_mib": peak.take(),
            }
        )
        print(json.dumps(result["chunks"][-1]), flush=True)
    if limit is None or limit >= len(chunks):
        peak.take()
        meta, themes = loading.report_meta_and_themes(consultation=consultation)
        merge = PartialMerge(meta=meta, themes=themes)
        started, cpu = time.perf_counter(), time.process_time()
        for data, chunk in zip(stored, chunks, strict=True):
            merge.add(partial_loads(data), expected=chunk)
        added, added_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        summary = merge.summary(
            snapshot=replace(snapshot, sha256=merge.fingerprint(left_out=left_out))
        )
        built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
        result["merge"] = {
            "add_s": added,
            "add_cpu_s": added_cpu,
            "summary_s": built,
            "summary_cpu_s": built_cpu,
            "peak_rss_mib": peak.take(),
        }
        result["render"] = {}
        for fmt in ("json", "csv", "xlsx", "pdf"):
            started, cpu = time.perf_counter(), time.process_time()
            path = render(summary=summary, language="en", fmt=fmt, directory=work)
            result["render"][fmt] = {
                "seconds": time.perf_counter() - started,
                "cpu_s": time.process_time() - cpu,
                "bytes": path.stat().st_size,
            }
        result["render_peak_rss_mib"] = peak.take()
        del summary, merge
    stored.clear()
    seconds, size = _copy_seconds(consultation, as_of)
    # A binary COPY: a 19-byte header, a 2-byte trailer, and rows of a fixed size (a 2-byte field
    # count, then five int8 columns of 4 + 8 bytes each).
    rows = (size - 21) // (2 + 5 * 12)
    result["copy"] = {"seconds": seconds, "bytes": size, "rows": rows, "rows_per_s": rows / seconds}
    result["sizes"] = _sizes(consultation.pk)
    peak.done.set()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", default="bench-otc-1000000")
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, help="Measure only the first N chunks (no merge).")
    parser.add_argument("--out", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the bench database (PostgreSQL).")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    print("Load average at start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="bench-chunks-") as directory:
        result = measure(args.slug, args.chunk_size, Path(directory), args.chunks)
    result["load_average_end"] = os.getloadavg()
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
