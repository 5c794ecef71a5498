"""``manage.py import_responses SLUG FILE [--dry-run]`` and ``manage.py import_responses SLUG
--template OUT.csv|OUT.xlsx``: bulk import of responses received outside the web form.

Thin: the template, the checks and the import are ``surveys.imports``' services. A dry run
prints every fault (row, column, value, reason) and writes no response; an import writes every
row or none. The exit status is 1 when the file has faults.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.imports import services
from surveys.imports.reading import ImportFileError
from surveys.imports.template import FORMATS, template_write
from surveys.journey.structure import journey_load
from surveys.models import Consultation, ImportState


class Command(BaseCommand):
    help = "Import responses from a CSV or XLSX file, or write the consultation's template."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug, e.g. va-otc-dealing.")
        parser.add_argument("file", nargs="?", help="The .csv or .xlsx file to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row; import nothing."
        )
        parser.add_argument(
            "--template", metavar="OUT", help="Write the import template (.csv or .xlsx) here."
        )
        parser.add_argument(
            "--operator", default="", help="Who runs the import (default: the server account)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug '{slug}'.")
        if options["template"]:
            self._template(consultation, Path(options["template"]))
            return
        if not options["file"]:
            raise CommandError("Give the FILE to import, or --template OUT.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            job = services.responses_import(
                consultation=consultation,
                data=path.read_bytes(),
                name=path.name,
                operator=options["operator"] or getpass.getuser(),
                dry_run=bool(options["dry_run"]),
                progress=self._progress,
            )
        except ImportFileError as error:
            raise CommandError(error.message) from error
        for problem in job.problems:
            self.stdout.write(
                f"row {problem['row']}, column {problem['column']}: {problem['reason']}"
                + (f" (value: {problem['value']})" if problem["value"] else "")
            )
        if job.state == ImportState.INVALID:
            raise CommandError(
                f"{len(job.problems)} faults in {job.rows_total} rows: nothing imported."
            )
        if job.state == ImportState.FAILED:
            raise CommandError(job.error)
        if job.state == ImportState.CHECKED:
            self.stdout.write(
                f"Dry run: {job.rows_total} rows checked, no faults; "
                f"{job.rows_total - job.skipped} would be imported, "
                f"{job.skipped} already imported. Nothing written."
            )
            return
        self.stdout.write(
            f"Imported {job.imported} responses; {job.skipped} rows already imported "
            f"(file SHA-256 {job.sha256})."
        )

    def _template(self, consultation: Consultation, out: Path) -> None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError("The template's name must end in .csv or .xlsx.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        with out.open("wb") as handle:
            template_write(journey=journey_load(consultation=consultation), fmt=fmt, out=handle)
        self.stdout.write(f"Template written to {out}.")

    def _progress(self, stage: str, done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            verb = "checked" if stage == "check" else "imported"
            self.stderr.write(f"{done:,} of {total:,} rows {verb}")
