"""Queries of a report's reading run on a second connection, beside the reader, in its snapshot.

A report's reader (``reports.loading``) is busy in Python most of the time (psycopg makes each
row's objects; the fingerprint hashes every record), while some of its queries keep the
database busy and the reader waiting: the grouped counts (``reports.grouped_read``) and each
batch's answers written by the database for the fingerprint. On two cores the two can overlap.

``SideReader`` takes work in the order it is added (each a function of no arguments that runs
its queries on the calling thread's connection) and runs it on a thread of its own, whose
connection imports the reader's exported snapshot (``pg_export_snapshot()``) so that it sees
the same data. The reader takes each result when it needs it (``take``): waiting for it, or
running the work itself where the side thread has not started it yet, so that neither waits
for work the other could be doing. Work added with ``held=True`` (the batches' written answers)
is run ahead of the reader by at most ``ahead`` results not yet taken: at a million responses
they are twenty batches of 50,000 strings, not all to be kept at once.

The reader keeps its transaction (and so the snapshot) open until ``close()`` has returned; an
error of the side thread is raised again by ``take``. Raw SQL: Django has no API to import a
snapshot or set a transaction's isolation level.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import connections, transaction

T = TypeVar("T")

# The memory PostgreSQL may give each sort and hash of a report's reading (``SET LOCAL``, the
# report's transactions only). At the server's default (4 MB) the grouped counts of
# bench-otc-100000 (23,067 groups of 1.9 million answer rows) were sorted on disk by their wide
# key: 4.7-5.1 s; with 64 MB PostgreSQL hashes them in memory: 2.6-2.8 s, measured alternately
# in the same minutes (bench/README.md, round 4).
REPORT_WORK_MEM = "64MB"

_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


def read_settings(cursor: Any) -> None:
    """The settings of every transaction of a report's reading: no JIT compilation (it cost
    0.5-0.7 s of a 0.8 s grouped query on bench-otc-10000, bench/notes-groupby.md) and the
    report's ``work_mem``."""
    cursor.execute("SET LOCAL jit = off")
    cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")


@dataclass
class Ticket(Generic[T]):
    """One piece of work added to a ``SideReader`` and, once done, its result or error."""

    work: Callable[[], T]
    held: bool
    claimed: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, raised by ``take``
            self.error = exc
        finally:
            self.done.set()


class SideReader:
    """See the module's description."""

    def __init__(self, *, alias: str, snapshot: str, ahead: int = 1) -> None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        self._alias = alias
        self._snapshot = snapshot
        self._ahead = ahead
        self._queue: list[Ticket[Any]] = []
        self._next = 0  # the first ticket the side thread has not looked at
        self._held_waiting = 0  # held results claimed by the side thread and not yet taken
        self._closed = False  # no more work will be added
        self._failed = False  # the side thread ended early: the reader runs what is left
        self._running: Ticket[Any] | None = None  # what the side thread is running
        self._raw: Any = None  # the side thread's psycopg connection, to cancel its query
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="report-side-reader", daemon=True)
        self._thread.start()

    def add(self, work: Callable[[], T], *, held: bool = False) -> Ticket[T]:
        ticket: Ticket[T] = Ticket(work=work, held=held)
        with self._changed:
            if self._closed:
                raise RuntimeError("the side reader is closed")
            # After a failure of the side thread the ticket stays unclaimed: ``take`` runs it.
            self._queue.append(ticket)
            self._changed.notify_all()
        return ticket

    def take(self, ticket: Ticket[T]) -> T:
        """``ticket``'s result: run here, on the reader's connection, if the side thread has
        not started it, else waited for."""
        with self._changed:
            mine = not ticket.claimed
            ticket.claimed = True
        if mine:
            ticket.run()
        else:
            ticket.done.wait()
            with self._changed:
                if ticket.held:
                    self._held_waiting -= 1
                self._changed.notify_all()
        if ticket.error is not None:
            raise ticket.error
        # Handed over once: the ticket stays in the queue, its result must not (a batch of
        # written answers is megabytes).
        result, ticket.result = ticket.result, None
        return result  # type: ignore[return-value]  # set by ``run`` without an error

    def close(self) -> None:
        """No more work: work the side thread has not started is dropped, and a query it is
        still running is cancelled (the reader only closes with work left when it failed: a
        query waiting on a lock the reader gave up on would wait for ever), then the thread ends
        and its connection is closed."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        while self._thread.is_alive():
            raw = self._raw
            if self._running is not None and raw is not None:
                with suppress(Exception):  # the query may end meanwhile; cancelling is a request
                    raw.cancel_safe(timeout=5.0)
            self._thread.join(timeout=0.5)

    def _claim(self) -> Ticket[Any] | None:
        """The next ticket for the side thread, waiting for one; None once closed."""
        with self._changed:
            while True:
                while self._next < len(self._queue) and self._queue[self._next].claimed:
                    self._next += 1
                if self._closed or self._failed:
                    return None
                if self._next < len(self._queue):
                    ticket = self._queue[self._next]
                    if not ticket.held or self._held_waiting < self._ahead:
                        ticket.claimed = True
                        if ticket.held:
                            self._held_waiting += 1
                        return ticket
                self._changed.wait()

    def _run(self) -> None:
        try:
            with transaction.atomic(using=self._alias), connections[self._alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # The id comes from the database and was checked above: SET takes no parameters.
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{self._snapshot}'")
                read_settings(cursor)
                self._raw = connections[self._alias].connection
                while (ticket := self._claim()) is not None:
                    self._running = ticket
                    ticket.run()
                    self._running = None
        except BaseException as exc:  # noqa: BLE001 - the reader runs what is left itself
            self._fail(exc)
        finally:
            connections[self._alias].close()

    def _fail(self, exc: BaseException) -> None:
        """The side thread could not start or went on no more (its connection failed): the
        reader runs whatever is not yet claimed; a ticket claimed and not done gets the error."""
        with self._changed:
            self._failed = True
            for ticket in self._queue:
                if ticket.claimed and not ticket.done.is_set():
                    ticket.error = exc
                    ticket.done.set()
            self._changed.notify_all()
