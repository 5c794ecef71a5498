"""``python -m bench [--size N ...]``: measure the report pipeline and exports; write results.md.

Each step runs in a fresh subprocess (``bench.steps``) so that its peak memory is its own. The
table lists, for each size: wall time and peak RSS of each step, and the ratios the targets are
read from (aggregation over the COPY floor; the whole report job against 20 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.data import ROOT, consultation_ensure, database_ensure

RESULTS = Path(__file__).resolve().parent / "results.md"
# settings.REPORT_CHUNKED_ABOVE's default (the bench runs with the default settings).
CHUNKED_ABOVE = int(os.environ.get("REPORT_CHUNKED_ABOVE", "150000"))
DEFAULT_SIZES = (10_000, 100_000)
# (step, label) in the order they run; "summary" must precede the renderers (they read its file).
STEPS = (
    ("baseline", "Process start-up baseline (Django, pandas loaded)"),
    ("floor", "Floor: COPY of the answer rows, discarded"),
    ("aggregate", "Aggregation: read + count choice and number answers"),
    ("summary", "Summary: every read, counts, numbers, free text, quotes"),
    ("json", "Output: JSON"),
    ("csv", "Output: CSV"),
    ("xlsx", "Output: XLSX"),
    ("pdf", "Output: PDF"),
    ("job", "Whole report job (all four formats, English, stored)"),
    ("export_csv", "Responses export: CSV"),
    ("export_xlsx", "Responses export: XLSX"),
    ("campaigns", "Campaign detection"),
)
TARGETS = {
    "aggregate": "within 3x the floor",
    "job": "< 20 s and < 1 GB at 100k; < 1.5 GB at 1M",
    "export_csv": "< 15 s at 100k, flat memory",
}


def _machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        total_kib = int(handle.readline().split()[1])
    import pandas
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "Memory": f"{total_kib / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "PostgreSQL": postgres,
        "Python": platform.python_version(),
        "pandas": pandas.__version__,
        "Load average at start (1, 5, 15 min)": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def _run_step(step: str, slug: str, work: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.steps", step, "--slug", slug, "--work", str(work)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    return {"step": step, "error": (result.stderr or result.stdout).strip().splitlines()[-1:]}


def _ratio_note(step: str, record: dict, records: dict[str, dict], size: int) -> str:
    if "error" in record:
        return f"FAILED: {record['error']}"
    # Above this size the report job reads and counts in chunks; the one-pass steps are measured
    # anyway, to show what the chunks save.
    single = " (one pass, for comparison: the report job chunks this size)"
    chunked = size > CHUNKED_ABOVE
    if step == "aggregate" and "floor" in records and records["floor"].get("wall"):
        ratio = record["wall"] / records["floor"]["wall"]
        note = f"{ratio:.2f}x floor (target 3x: {'met' if ratio <= 3 else 'MISSED'})"
        return note + (single if chunked else "")
    if step == "summary" and chunked:
        return single.strip(" ()").capitalize()
    if step == "job":
        limit_mib = 1536 if size >= 1_000_000 else 1024
        # The job's memory with its PDF child (their total PSS), when sampled.
        peak = max(record["rss_mib"], record.get("tree_pss_mib", 0))
        notes = [f"{peak / limit_mib:.2f}x of {limit_mib} MiB"]
        if "tree_pss_mib" in record:
            notes.append(f"{record['tree_pss_mib']:.0f} MiB with its PDF child (total PSS)")
        if size == 100_000:
            notes.insert(0, f"{record['wall'] / 20:.2f}x of 20 s")
        met = peak < limit_mib and (size != 100_000 or record["wall"] < 20)
        chunked = " (chunked)" if record.get("chunked") else ""
        return ", ".join(notes) + f" ({'met' if met else 'MISSED'}){chunked}"
    if step == "export_csv" and size == 100_000:
        return f"{record['wall'] / 15:.2f}x of 15 s ({'met' if record['wall'] < 15 else 'MISSED'})"
    return ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--size",
        type=int,
        action="append",
        help="Submissions per consultation (repeatable; default: 10000 and 100000).",
    )
    parser.add_argument("--steps", help="Comma-separated steps to run (default: all).")
    args = parser.parse_args(argv)
    sizes = args.size or list(DEFAULT_SIZES)
    wanted = set(args.steps.split(",")) if args.steps else None

    url = os.environ.get("DATABASE_URL", "")
    database_ensure(url)
    # The bench runs with production-like settings: DEBUG off (Django would keep every query).
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "1"}
    machine = _machine()
    rows: list[tuple[int, str, dict, str]] = []
    generated: dict[int, float | None] = {}
    for size in sizes:
        slug, seconds = consultation_ensure(size=size)
        generated[size] = seconds
        records: dict[str, dict] = {}
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as directory:
            work = Path(directory)
            for step, label in STEPS:
                if (
                    wanted
                    and step not in wanted
                    and not (step == "summary" and wanted & {"json", "csv", "xlsx", "pdf"})
                ):
                    continue
                record = _run_step(step, slug, work, env)
                records[step] = record
                note = _ratio_note(step, record, records, size)
                rows.append((size, label, record, note))
                print(
                    f"{size:>9,}  {label:<58} {record.get('wall', float('nan')):8.2f} s "
                    f"{record.get('rss_mib', float('nan')):8.0f} MiB  {note}",
                    flush=True,
                )
    _write(rows, machine, generated)


def _write(
    rows: list[tuple[int, str, dict, str]], machine: dict[str, str], generated: dict
) -> None:
    now = dt.datetime.now(tz=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    lines = [
        "# Benchmark results",
        "",
        f"Run on {now:%Y-%m-%d %H:%M} HKT by `make bench` (`python -m bench`). Each step ran in a"
        " fresh process; wall time is the step's work only, peak RSS is the process's `ru_maxrss`"
        " (including the interpreter, Django and the libraries it loaded: see the baseline row).",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "- Load average at end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "",
        "The machine is shared: a load average above its core count means other work competed"
        " for the CPU and the times are longer than on a quiet machine.",
        "",
        "## Results",
        "",
        "| Submissions | Step | Wall time (s) | Peak RSS (MiB) | Ratio / target |",
        "| ---: | --- | ---: | ---: | --- |",
    ]
    for size, label, record, note in rows:
        wall = f"{record['wall']:.2f}" if "wall" in record else "failed"
        rss = f"{record['rss_mib']:.0f}" if "rss_mib" in record else ""
        lines.append(f"| {size:,} | {label} | {wall} | {rss} | {note} |")
    lines += ["", "Data generation (synthetic responses, COPY into PostgreSQL):", ""]
    for size, seconds in generated.items():
        done = "reused from an earlier run" if seconds is None else f"{seconds:.1f} s"
        lines.append(f"- {size:,}: {done}")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
