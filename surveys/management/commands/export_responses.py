"""``manage.py export_responses SLUG --format csv|xlsx --out FILE``: a consultation's submissions.

One row per sent submission, one column per question code (see surveys/exports.py). Personal
columns only with ``--with-personal-data``; whoever runs the command on the server is trusted
with the database already, so the flag is there to make including them a deliberate choice.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys import exports
from surveys.models import Consultation


class Command(BaseCommand):
    help = "Export a consultation's submissions as CSV or XLSX (one row per submission)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug, e.g. va-otc-dealing.")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument("--out", required=True, help="The file to write; '-' for stdout (CSV).")
        parser.add_argument(
            "--with-personal-data",
            action="store_true",
            help="Include names, email and network addresses.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug '{slug}'.")
        fmt = str(options["format"])
        out = str(options["out"])
        personal = bool(options["with_personal_data"])
        if out == "-":
            if fmt != "csv":
                raise CommandError("Only CSV can be written to stdout.")
            rows = 0
            for line in exports.export_csv_lines(consultation=consultation, personal=personal):
                sys.stdout.write(line)
                rows += 1
            self.stderr.write(f"{rows - 1} submissions exported.")
            return
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        if fmt == "csv":
            rows = -1  # the header
            with path.open("w", encoding="utf-8", newline="") as handle:
                for line in exports.export_csv_lines(consultation=consultation, personal=personal):
                    handle.write(line)
                    rows += 1
        else:
            rows = exports.export_xlsx(consultation=consultation, personal=personal, out=str(path))
        self.stdout.write(
            self.style.SUCCESS(f"{rows} submissions of {slug} written to {path} ({fmt}).")
        )
