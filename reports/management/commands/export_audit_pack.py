"""``manage.py export_audit_pack SLUG [--output FILE]``: the audit pack of published conclusions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.audit.pack import (
    AuditPackRefused,
    audit_pack_key,
    audit_pack_publication,
    audit_pack_write,
)
from surveys.models import Consultation


class Command(BaseCommand):
    help = "Write the signed audit pack (ZIP) of a consultation's published conclusions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The consultation's slug, e.g. va-otc-dealing.")
        parser.add_argument(
            "--output",
            type=Path,
            metavar="FILE",
            help="Where to write the ZIP (default: audit-pack-SLUG.zip in this directory).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {slug!r}.")
        output: Path = options["output"] or Path(f"audit-pack-{slug}.zip")
        try:
            # Refuse before creating the file: no key, or nothing published.
            audit_pack_key()
            audit_pack_publication(consultation=consultation)
            partial = output.with_name(output.name + ".part")
            with partial.open("wb") as out:
                names = audit_pack_write(consultation=consultation, out=out)
            partial.replace(output)
        except AuditPackRefused as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        self.stdout.write(f"Wrote {output} ({len(names)} files).")
