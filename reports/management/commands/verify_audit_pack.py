"""``manage.py verify_audit_pack FILE``: digests, signature and every figure recomputed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.audit.verify import SigningKeyError, signing_key, verify_pack


class Command(BaseCommand):
    help = (
        "Check an audit pack: each file's SHA-256 against the manifest, the manifest's signature "
        "(AUDIT_PACK_SIGNING_KEY) and the figures of summary.json recomputed from the register."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The pack (ZIP).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            key = signing_key(settings.AUDIT_PACK_SIGNING_KEY)
        except SigningKeyError as error:
            raise CommandError(str(error)) from error
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        verdict = verify_pack(str(path), key)
        for problem in verdict.problems:
            self.stdout.write(problem)
        if not verdict.ok:
            raise CommandError(
                f"{path}: {len(verdict.problems)} problem(s); "
                f"{verdict.figures_checked} figures checked."
            )
        self.stdout.write(f"{path}: OK; {verdict.figures_checked} figures checked.")
