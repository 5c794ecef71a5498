"""``manage.py generate_responses SLUG --count N [--seed S]``: synthetic submitted responses.

Without ``--seed`` a random seed is chosen and printed, so that running the command twice does not
create the same responses twice (which would look like a campaign), yet any run can be repeated.
It refuses a database that holds real responses (``--force`` overrides): synthetic responses in a
live consultation would be counted in its reports.
"""

import secrets
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.demo.synthetic import DEFAULT_BATCH_SIZE, real_responses_count, responses_generate
from surveys.models import Consultation, Submission


class Command(BaseCommand):
    help = "Create plausible submitted responses for an existing consultation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug, e.g. va-otc-dealing.")
        parser.add_argument("--count", type=int, required=True, help="How many responses.")
        parser.add_argument("--seed", type=int, help="Same seed, same data (default: random).")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the consultation already has responses.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Generate even though the database holds real (not generated) responses.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        count = options["count"]
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        seed = options["seed"]
        if seed is None:
            seed = secrets.randbelow(2**31)
        elif seed < 0:
            raise CommandError("--seed must not be negative.")
        try:
            consultation = Consultation.objects.get(slug=slug)
        except Consultation.DoesNotExist:
            raise CommandError(f"No consultation with slug {slug!r}.") from None
        if options["if_empty"] and Submission.objects.filter(consultation=consultation).exists():
            self.stdout.write(f"{slug}: already has responses, none generated.")
            return
        real = real_responses_count()
        if real and not options["force"]:
            raise CommandError(
                f"This database holds {real} real responses (not made by this generator). "
                "Synthetic responses would be counted with them in every report; use a copy "
                "for tests, or --force if that is what you want."
            )

        started = time.perf_counter()
        try:
            created = responses_generate(
                consultation=consultation,
                count=count,
                seed=seed,
                batch_size=options["batch_size"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        last = consultation.last_reference_number
        prefix = consultation.reference_prefix
        self.stdout.write(
            self.style.SUCCESS(
                f"{slug}: created {created} submitted responses "
                f"({prefix}-{last - created + 1:06d} to {prefix}-{last:06d}) "
                f"with seed {seed} in {elapsed:.1f} s."
            )
        )
