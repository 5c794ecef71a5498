"""``manage.py build_report SLUG [--language en|zh-hant] [--sync] [--out DIR]``.

Queues a summary report for the workers, or with ``--sync`` builds it in this process; with
``--out`` (which needs ``--sync``) the finished files are also copied into DIR under their
download names.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.display import snapshot_line
from reports.jobs import services
from reports.models import Report, ReportLanguage, ReportStatus
from surveys.models import Consultation


class Command(BaseCommand):
    help = "Build the summary report of a consultation: queue it, or build it now with --sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug, e.g. va-otc-dealing.")
        parser.add_argument(
            "--language",
            choices=ReportLanguage.values,
            default=ReportLanguage.EN,
            help="The edition's language (default: en).",
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Build the report in this process instead of queueing it for a worker.",
        )
        parser.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="With --sync: also copy the finished files into DIR.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        sync = bool(options["sync"])
        out: Path | None = options["out"]
        if out is not None and not sync:
            raise CommandError("--out needs --sync: a queued report has no files yet.")
        if out is not None and out.exists() and not out.is_dir():
            raise CommandError(f"--out {out} exists and is not a directory.")
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with the slug {slug!r}.")

        report = services.report_request(
            consultation=consultation,
            language=str(options["language"]),
            requested_by=None,
            queue=not sync,
        )
        if not sync:
            self.stdout.write(
                f"Queued report #{report.pk} of {slug} ({report.language}); a worker builds it."
            )
            return

        self.stdout.write(f"Building report #{report.pk} of {slug} ({report.language}) ...")
        services.report_build(report_id=report.pk)
        report = Report.objects.select_related("consultation").get(pk=report.pk)
        if report.status != ReportStatus.SUCCEEDED:
            raise CommandError(f"Report #{report.pk} failed: {report.error}")
        self.stdout.write(self.style.SUCCESS(f"Report #{report.pk} succeeded."))
        self.stdout.write(snapshot_line(report))
        if out is not None:
            self._copy_files(report, out)

    def _copy_files(self, report: Report, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for report_file in report.files.order_by("format"):
            target = out / services.report_file_name(report=report, fmt=report_file.format)
            with report_file.file.open("rb") as source, target.open("wb") as destination:
                shutil.copyfileobj(source, destination)
            self.stdout.write(f"  {target}")
