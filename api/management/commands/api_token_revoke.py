"""Revoke a personal API token at once, by the prefix shown in the admin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.tokens import api_token_revoke
from surveys.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a personal API token by its prefix (chk_xxxxxx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = list(ApiToken.objects.filter(prefix=options["prefix"]))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} tokens have the prefix {options['prefix']!r}.")
        if api_token_revoke(token=tokens[0], revoked_by=None):
            self.stdout.write(f"Revoked {tokens[0]}.")
        else:
            self.stdout.write(f"{tokens[0]} was already revoked.")
