"""Which errors a report job retries: the database or the broker was briefly unreachable.

Shared by the task (what Celery retries) and the service (what it re-raises instead of recording
as a final failure). Anything else (a bug, bad data, a full disk) fails the report at once.
"""

from __future__ import annotations

import kombu.exceptions
import psycopg
import redis.exceptions
from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    # Raised unwrapped by psycopg's COPY, which Django's cursor does not translate.
    psycopg.OperationalError,
    psycopg.InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
