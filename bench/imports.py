"""``python -m bench.imports [--rows N]``: a bulk import of N responses, timed.

Loads a fresh copy of the OTC demo consultation (slug ``bench-import-<N>-<run>``), writes a CSV
of N valid rows (every kind of question, conditions respected, Chinese text), then times the
dry run, the import, and the same file imported again (every row skipped by its key):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \\
        .venv/bin/python -m bench.imports --rows 100000

The target (issue 17): 100,000 rows in under 2 minutes. Results go in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import secrets
import tempfile
import time
from pathlib import Path

from bench.data import DEMO, database_ensure

TEXT = "我們支持發牌制度，但過渡期應為十二個月。We support licensing, with a longer transition."


def _rows(journey, count: int, seed: int = 2026) -> bytes:  # type: ignore[no-untyped-def]
    from surveys.imports.template import template_columns
    from surveys.journey.structure import question_is_shown
    from surveys.models import QuestionKind

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    names, _notes = template_columns(journey=journey)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(names)
    categories = ["public", "otc_shop", "bank", "online_platform", "custodian"]
    for number in range(count):
        answers: dict[str, object] = {}
        cells = {
            "row_key": f"B-{number:07d}",
            "respondent_type": "individual",
            "category": rng.choice(categories),
            "contact_name": f"回應者 {number}",
            "email": f"r{number}@example.com",
            "consent": rng.choice(["response_only", "name_and_response", "confidential"]),
            "language": rng.choice(["en", "zh-hant"]),
            "channel": rng.choice(["email", "post", "fax", "import"]),
            "received_at": "2026-03-0" + str(1 + number % 9),
        }
        for question in journey.questions:
            if not question_is_shown(question, answers, journey):
                continue
            choices = [c for c in question.choices.all() if not c.exclusive]
            if question.kind == QuestionKind.MULTIPLE:
                picked = rng.sample(choices, k=min(2, len(choices)))
                answers[question.code] = [c.value for c in picked]
                cells[question.code] = ";".join(c.value for c in picked)
            elif question.is_closed:
                value = rng.choice(choices).value
                answers[question.code] = value
                cells[question.code] = value
            elif question.kind == QuestionKind.NUMBER:
                low = question.min_value or 0
                high = question.max_value if question.max_value is not None else 10**6
                cells[question.code] = str(rng.randint(low, high))
            elif rng.random() < 0.3:
                cells[question.code] = TEXT[: question.max_length]
        writer.writerow([cells.get(name, "") for name in names])
    return out.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    database_ensure(os.environ.get("DATABASE_URL", ""))
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from surveys.demo.loader import demo_load
    from surveys.imports import services
    from surveys.journey.structure import journey_load

    call_command("migrate", verbosity=0)
    run = secrets.token_hex(3)
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["slug"] = f"bench-import-{args.rows}-{run}"
    data["reference_prefix"] = ("I" + run)[:6].upper()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        path = Path(directory) / "consultation.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        consultation, _ = demo_load(path=path)
        payload = _rows(journey_load(consultation=consultation), args.rows)
    print(f"{args.rows:,} rows, {len(payload) / 1e6:.1f} MB of CSV")

    def timed(label: str, dry_run: bool) -> None:
        # Phases from the progress calls: the check's last row, the write's last batch, and
        # what follows it (the COMMIT, where the deferred foreign-key checks run).
        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            marks[phase] = time.perf_counter()

        started = time.perf_counter()
        job = services.responses_import(
            consultation=consultation,
            data=payload,
            name="bench.csv",
            operator="bench",
            dry_run=dry_run,
            progress=progress,
        )
        ended = time.perf_counter()
        phases = f"check {marks.get('check', ended) - started:.1f} s"
        if "import" in marks:
            phases += (
                f", write {marks['import'] - marks['check']:.1f} s"
                f", commit {ended - marks['import']:.1f} s"
            )
        print(
            f"{label:<28} {ended - started:7.1f} s  ({phases}; load {os.getloadavg()[0]:.1f})"
            f"  state={job.state} imported={job.imported} skipped={job.skipped}"
            f" faults={len(job.problems)}"
        )

    timed("dry run (check only)", True)
    timed("import (check + write)", False)
    timed("same file again (skips)", False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
