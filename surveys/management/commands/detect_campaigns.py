"""``manage.py detect_campaigns SLUG [--threshold 0.8]``: group near-identical submissions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import CampaignGroup, Consultation
from surveys.review import campaigns
from textkit.minhash import DEFAULT_THRESHOLD, LOWEST_THRESHOLD, MIN_CHARS


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
            default=DEFAULT_THRESHOLD,
            help="Least Jaccard similarity of the texts' word pairs, 0.5 to 1 (default 0.8).",
        )
        parser.add_argument(
            "--min-chars",
            type=int,
            default=MIN_CHARS,
            help="Shorter texts (letters and digits) are not grouped (default 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug '{slug}'.")
        threshold = float(options["threshold"])
        if not LOWEST_THRESHOLD <= threshold <= 1:
            raise CommandError(f"--threshold must be between {LOWEST_THRESHOLD} and 1.")
        try:
            result = campaigns.campaign_detect(
                consultation=consultation,
                threshold=threshold,
                min_chars=int(options["min_chars"]),
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
