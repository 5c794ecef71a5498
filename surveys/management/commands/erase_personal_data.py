"""``manage.py erase_personal_data [--dry-run] [--consultation SLUG] [--operator NAME]``.

Erases respondents' names, email addresses, resume links and network addresses once the
retention period (``PERSONAL_DATA_RETENTION_DAYS``) after a consultation's conclusions has run
out, keeping the anonymous answers. Meant to run daily (cron or a systemd timer); a run with
nothing due changes nothing. Each erasure is recorded as a ``PrivacyAction``.
"""

import getpass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from surveys.models import Consultation
from surveys.privacy import erasure_due, personal_data_erase


class Command(BaseCommand):
    help = (
        "Erase respondents' personal data where the consultation's conclusions were published "
        "longer ago than the retention period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be erased; change nothing."
        )
        parser.add_argument("--consultation", metavar="SLUG", help="Only this consultation.")
        parser.add_argument(
            "--operator",
            default="",
            help="Who runs the erasure, for the audit record (default: the server account).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        operator = str(options["operator"] or "").strip() or getpass.getuser()
        consultation = None
        if options["consultation"]:
            try:
                consultation = Consultation.objects.get(slug=options["consultation"])
            except Consultation.DoesNotExist:
                raise CommandError(
                    f"No consultation with slug {options['consultation']!r}."
                ) from None
            now = timezone.now()
            if not erasure_due(now=now).filter(pk=consultation.pk).exists():
                self.stdout.write(
                    f"{consultation.slug}: not due. Personal data is erased "
                    f"{settings.PERSONAL_DATA_RETENTION_DAYS} days after the conclusions are "
                    "published" + self._published(consultation) + "."
                )
                return
        dry_run = bool(options["dry_run"])
        results = personal_data_erase(operator=operator, consultation=consultation, dry_run=dry_run)
        if not results:
            self.stdout.write("No consultation is due for erasure.")
            return
        verb = "would erase" if dry_run else "erased"
        for result in results:
            self.stdout.write(
                f"{result.consultation.slug}: {verb} the personal data of {result.erased} "
                f"responses ({result.revisions_scrubbed} revisions) and "
                f"{'would delete' if dry_run else 'deleted'} {result.drafts_deleted} unsubmitted "
                "drafts."
            )

    @staticmethod
    def _published(consultation: Consultation) -> str:
        if consultation.conclusions_published_at is None:
            return "; its conclusions are not marked as published"
        published = timezone.localtime(consultation.conclusions_published_at)
        return f"; its conclusions were published on {published:%Y-%m-%d}"
