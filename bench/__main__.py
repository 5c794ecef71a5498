"""``python -m bench [--size N ...]``: measure the report pipeline and exports; write results.md.

Each step runs in a fresh subprocess (``bench.steps``) so that its peak memory is its own. The
table lists, for each size: wall time and peak RSS of each step, and beside it the ratios and
targets of issue 20 read off the measured numbers (``bench.targets``: aggregation over the COPY
floor and over the database's own GROUP BY, the PDF, the whole job over the COPY floor, campaign
detection and the exports at a million); a closing block lists every target, met or missed.
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
from bench.steps import STEPS as AVAILABLE
from bench.targets import outcomes, step_note, summary_lines

RESULTS = Path(__file__).resolve().parent / "results.md"
# settings.REPORT_CHUNKED_ABOVE's default (the bench runs with the default settings).
CHUNKED_ABOVE = int(os.environ.get("REPORT_CHUNKED_ABOVE", "150000"))
DEFAULT_SIZES = (10_000, 100_000)
# (step, label) in the order they run; "summary" must precede the renderers (they read its file).
STEPS = (
    ("baseline", "Process start-up baseline (Django, pandas loaded)"),
    ("floor", "Floor: COPY of the answer rows, discarded"),
    ("groupby_floor", "Floor: the database's GROUP BY cross-tab, rows discarded"),
    ("aggregate", "Aggregation: read + count choice and number answers"),
    ("summary", "Summary: every read, counts, numbers, free text, quotes"),
    ("json", "Output: JSON"),
    ("csv", "Output: CSV"),
    ("xlsx", "Output: XLSX"),
    ("pdf", "Output: PDF"),
    ("job", "Whole report job (all four formats, English, stored)"),
    ("export_csv", "Responses export: CSV"),
    ("export_xlsx", "Responses export: XLSX"),
    ("export_xlsx_openpyxl", "Responses export: XLSX, openpyxl write-only (comparison)"),
    ("campaigns", "Campaign detection"),
)


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


def _ratio_note(step: str, records: dict[int, dict[str, dict]], size: int) -> str:
    record = records[size][step]
    if "error" in record:
        return f"FAILED: {record['error']}"
    note = step_note(records, size, step)
    # Above this size the report job reads and counts in chunks; the one-pass steps are measured
    # anyway, to show what the chunks save.
    if step in {"aggregate", "summary"} and size > CHUNKED_ABOVE:
        note += " (one pass, for comparison: the report job chunks this size)"
    if step == "job" and record.get("chunked"):
        note += " (chunked)"
    if step == "job" and "tree_pss_mib" in record:
        note += f"; {record['tree_pss_mib']:.0f} MiB with its PDF child (total PSS)"
    return note.strip("; ")


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
    records: dict[int, dict[str, dict]] = {}
    for size in sorted(sizes):
        slug, seconds = consultation_ensure(size=size)
        generated[size] = seconds
        records[size] = {}
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as directory:
            work = Path(directory)
            for step, label in STEPS:
                if step not in AVAILABLE:
                    continue  # a comparison step this checkout does not have
                # The baseline always runs (it takes a second): it is the reference of the memory
                # growth targets at a size run without a smaller one (``--size 1000000 --steps
                # export_xlsx`` measured no growth without it).
                if (
                    wanted
                    and step not in wanted
                    and step != "baseline"
                    and not (step == "summary" and wanted & {"json", "csv", "xlsx", "pdf"})
                ):
                    continue
                record = _run_step(step, slug, work, env)
                records[size][step] = record
                note = _ratio_note(step, records, size)
                rows.append((size, label, record, note))
                print(
                    f"{size:>9,}  {label:<58} {record.get('wall', float('nan')):8.2f} s "
                    f"{record.get('rss_mib', float('nan')):8.0f} MiB  {note}",
                    flush=True,
                )
    summary = summary_lines(outcomes(records))
    print("\nTargets (issue 20 and the earlier rounds' that still apply):")
    print("\n".join(summary))
    _write(rows, machine, generated, summary)


def _write(
    rows: list[tuple[int, str, dict, str]],
    machine: dict[str, str],
    generated: dict,
    summary: list[str],
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
    lines += ["", "## Targets", "", "```", *summary, "```"]
    lines += ["", "Data generation (synthetic responses, COPY into PostgreSQL):", ""]
    for size, seconds in generated.items():
        done = "reused from an earlier run" if seconds is None else f"{seconds:.1f} s"
        lines.append(f"- {size:,}: {done}")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
