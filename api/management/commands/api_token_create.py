"""Make a personal API token for a staff member; prints the token once (it is not stored)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from api.tokens import TokenError, api_token_create
from surveys.models import ApiScope


class Command(BaseCommand):
    help = "Make a personal API token for a staff member and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            choices=ApiScope.values,
            help="Repeat for each scope.",
        )
        parser.add_argument("--days", type=int, default=None, help="Days until it expires.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        expires_at = (
            timezone.now() + dt.timedelta(days=options["days"]) if options["days"] else None
        )
        try:
            issued = api_token_create(
                user=user,
                name=options["name"],
                scopes=options["scopes"],
                expires_at=expires_at,
                created_by=None,
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Token {issued.token.prefix}… for {user.get_username()}, scopes "
            f"{', '.join(issued.token.scopes)}, expires {issued.token.expires_at:%Y-%m-%d %H:%M}. "
            "It is shown this once:"
        )
        self.stdout.write(issued.secret)
