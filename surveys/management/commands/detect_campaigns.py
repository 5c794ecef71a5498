"""``manage.py detect_campaigns SLUG [--threshold 0.8]``: group near-identical submissions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import CampaignGroup, Consultation
from surveys.review import campaigns


class Command(BaseCommand):
    help = (
        "Group a consultation's sent submissions whose free text is identical or nearly "
        "identical (campaigns and duplicates)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--threshold",
            type=float,
            default=campaigns.DEFAULT_THRESHOLD,
            help="Least Jaccard similarity of the texts' word pairs, 0.5 to 1 (default 0.8).",
        )
        parser.add_argument(
            "--min-chars",
            type=int,
            default=campaigns.MIN_CHARS,
            help="Shorter texts (letters and digits) are not grouped (default 30).",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug '{slug}'.")
        threshold = float(options["threshold"])  # type: ignore[arg-type]
        if not campaigns.LOWEST_THRESHOLD <= threshold <= 1:
            raise CommandError(f"--threshold must be between {campaigns.LOWEST_THRESHOLD} and 1.")
        try:
            result = campaigns.campaign_detect(
                consultation=consultation,
                threshold=threshold,
                min_chars=int(options["min_chars"]),  # type: ignore[arg-type]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        plural = "" if result.groups == 1 else "s"
        self.stdout.write(
            f"{slug}: {result.submissions} sent submissions with free text; "
            f"{result.groups} group{plural} covering {result.grouped} "
            f"({result.kept} found again, {result.removed} removed) in {result.seconds:.1f} s."
        )
        for group in CampaignGroup.objects.filter(consultation=consultation)[:20]:
            text = " ".join(group.representative_text.split())
            mark = " confirmed" if group.confirmed else ""
            self.stdout.write(f"  {group.label:>5} {group.size:>7}{mark}  {text[:90]}")
