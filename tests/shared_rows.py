"""Rows shared by the tests of one module instead of written again for each (tests/conftest.py
runs those tests after the module's others)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import caches
from django.db import transaction

from surveys.journey.structure import journey_cache_clear


@contextmanager
def module_rows(django_db_blocker) -> Iterator[None]:
    """For a module-scoped ``*_shared`` fixture: the rows it writes in the block are kept for the
    module's tests (each in a savepoint of this transaction, rolled back after it: ``db``) and
    rolled back when the module's tests are done. Those tests run after the module's others."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def process_state_clear() -> None:
    """What this process keeps between requests (caches, the journey's form structures): dropped
    before each test that shares rows, as if they had just been written."""
    for cache in caches.all():
        cache.clear()
    journey_cache_clear()
