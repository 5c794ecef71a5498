"""``manage.py export_respondent_data [--reference REF] --email EMAIL --output FILE.zip``.

For a data access request: writes a ZIP of everything held about the person who gave ``EMAIL``
(every response, its revisions, attachments and review, and the subscriptions to notices under
that address), after checking that ``REF`` is one of their responses. Without ``--reference``
(a subscriber has none): the subscriptions only. Every request is recorded as a
``PrivacyAction``, including one that matches nothing.
"""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.privacy import RespondentNotFound, respondent_data_export


class Command(BaseCommand):
    help = "Export everything held about one respondent, for a personal data access request."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reference",
            default="",
            help="A response reference, e.g. OTC-000123. Without it, only the subscriptions to "
            "notices held under the email address are exported.",
        )
        parser.add_argument("--email", required=True, help="The email address the respondent gave.")
        parser.add_argument("--output", required=True, type=Path, help="The ZIP file to write.")
        parser.add_argument(
            "--operator",
            default="",
            help="Who handles the request, for the audit record (default: the server account).",
        )
        parser.add_argument("--reason", default="", help="The access request's file or ticket.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.exists():
            raise CommandError(f"{output} already exists: choose a new file name.")
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        operator = str(options["operator"] or "").strip() or getpass.getuser()
        try:
            action = respondent_data_export(
                reference=str(options["reference"]),
                email=str(options["email"]),
                output=output,
                operator=operator,
                reason=str(options["reason"]),
            )
        except RespondentNotFound:
            found = (
                "No response with that reference was given with that email address"
                if options["reference"]
                else "No subscription to notices is held under that email address"
            )
            raise CommandError(
                f"{found}. Nothing was exported (the request is recorded)."
            ) from None
        self.stdout.write(
            f"Wrote {output}: {action.submission_count} responses "
            f"({', '.join(action.references)}), {action.details['attachments']} attachments, "
            f"{action.details['subscriptions']} subscriptions."
        )
