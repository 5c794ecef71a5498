"""``manage.py load_demo``: the two demo consultations and a staff login. Safe to run again."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from surveys.demo.loader import demo_files, demo_load

DEMO_USERNAME = "admin"
# Demo only: documented in the README, never used in production.
DEMO_PASSWORD = "consult-hk-demo"  # noqa: S105


class Command(BaseCommand):
    help = "Load the demo consultations from surveys/demo/ and create a staff account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-user", action="store_true", help="Do not create the staff account."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in demo_files():
            consultation, result = demo_load(path=path)
            if result.changed:
                detail = ", ".join(
                    f"{verb} {n} {model}"
                    for verb, bucket in (("created", result.created), ("updated", result.updated))
                    for model, n in sorted(bucket.items())
                )
            else:
                detail = "unchanged"
            self.stdout.write(f"{consultation.slug}: {detail}")
        if not options["no_user"]:
            self._staff_account()

    def _staff_account(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_USERNAME).exists():
            self.stdout.write(f"Staff account '{DEMO_USERNAME}' already exists.")
            return
        user_model.objects.create_superuser(
            DEMO_USERNAME, "admin@consult.example.hk", DEMO_PASSWORD
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff login: username '{DEMO_USERNAME}', password '{DEMO_PASSWORD}' at /admin/"
            )
        )
