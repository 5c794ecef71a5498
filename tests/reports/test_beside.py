"""The side reader (``reports.beside``): a report's queries run on a second connection in the
reader's snapshot, the reader taking each result when it needs it or running the work itself.

Its tests commit rows (a second connection sees only committed data), so they live apart from
the modules sharing the demo (see tests/reports/test_loading_outside.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from reports.beside import SideReader

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="snapshots are PostgreSQL's"),
]


@contextmanager
def _reader() -> Iterator[str]:
    """A reader's repeatable-read transaction and the snapshot it exports."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def _users() -> int:
    return get_user_model().objects.count()


def _commit_user_elsewhere(name: str) -> None:
    def create() -> None:
        try:
            get_user_model().objects.create(username=name)
        finally:
            connections.close_all()

    thread = threading.Thread(target=create)
    thread.start()
    thread.join()


def test_the_side_thread_reads_the_readers_snapshot_not_later_commits():
    get_user_model().objects.create(username="before")
    with _reader() as snapshot:
        _commit_user_elsewhere("after")
        side = SideReader(alias="default", snapshot=snapshot)
        try:
            where = side.add(lambda: threading.current_thread().name)
            counted = side.add(_users)
            time.sleep(0.5)  # time for the side thread to take both
            assert side.take(where) == "report-side-reader"
            assert side.take(counted) == 1  # "after" was committed after the export
        finally:
            side.close()
    assert _users() == 2


def test_the_reader_runs_work_the_side_thread_has_not_started():
    release = threading.Event()
    with _reader() as snapshot:
        side = SideReader(alias="default", snapshot=snapshot)
        try:
            busy = side.add(release.wait)
            later = side.add(lambda: threading.current_thread().name)
            time.sleep(0.3)  # the side thread is now waiting in ``busy``
            assert side.take(later) == threading.current_thread().name
            release.set()
            assert side.take(busy) is True
        finally:
            release.set()
            side.close()


def test_held_work_runs_at_most_one_result_ahead_of_the_reader():
    started: list[int] = []
    with _reader() as snapshot:
        side = SideReader(alias="default", snapshot=snapshot, ahead=1)
        try:
            tickets = [
                side.add(lambda index=index: started.append(index) or index, held=True)
                for index in range(3)
            ]
            time.sleep(0.3)
            assert started == [0]  # the second waits until the first is taken
            assert side.take(tickets[0]) == 0
            time.sleep(0.3)
            assert started == [0, 1]
            assert [side.take(ticket) for ticket in tickets[1:]] == [1, 2]
            assert tickets[1].result is None  # handed over, not kept
        finally:
            side.close()


def test_an_error_of_the_side_thread_is_raised_by_take():
    def broken() -> None:
        raise ValueError("a query failed")

    with _reader() as snapshot:
        side = SideReader(alias="default", snapshot=snapshot)
        try:
            ticket = side.add(broken)
            time.sleep(0.3)
            assert ticket.claimed
            with pytest.raises(ValueError, match="a query failed"):
                side.take(ticket)
        finally:
            side.close()


def test_without_a_snapshot_to_import_the_reader_runs_everything_itself():
    # The snapshot is gone (its transaction ended): the side thread cannot start, and the reader
    # does the work, on its own connection.
    with _reader() as snapshot:
        pass
    side = SideReader(alias="default", snapshot=snapshot)
    try:
        time.sleep(0.3)
        ticket = side.add(lambda: threading.current_thread().name)
        assert side.take(ticket) == threading.current_thread().name
    finally:
        side.close()


def test_a_snapshot_id_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a snapshot id"):
        SideReader(alias="default", snapshot="x'; DROP TABLE users; --")


def test_closing_cancels_a_side_query_the_reader_no_longer_waits_for():
    # The reader failed (a lock timeout, say) while the side thread's query waits on the same
    # lock: closing must not wait for ever.
    import psycopg

    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in {"host", "port", "user", "dbname", "password"}}
    )
    try:
        other.execute("LOCK TABLE auth_user IN ACCESS EXCLUSIVE MODE")
        with _reader() as snapshot:
            side = SideReader(alias="default", snapshot=snapshot)
            ticket = side.add(_users)
            time.sleep(0.5)
            assert ticket.claimed and not ticket.done.is_set()  # waiting on the lock
            started = time.monotonic()
            side.close()
            assert time.monotonic() - started < 10
            assert ticket.done.is_set() and ticket.error is not None
    finally:
        other.rollback()
        other.close()
