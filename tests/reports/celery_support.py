"""Point the Celery app at an in-process broker and read back what was sent.

Services queue jobs on a real broker connection; tests that check what was queued use kombu's
``memory://`` transport, so nothing reaches the developer's broker and no worker is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools
import kombu.transport
from kombu.transport import memory, virtual

from consultation.celery import app


class BrokerInbox:
    def __init__(self, queue: str) -> None:
        self.queue = queue

    def take(self) -> list[tuple[str, list]]:
        """Every message waiting on the queue, as (task name, positional args), oldest first."""
        taken = []
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue(self.queue)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    taken.append((message.headers["task"], list(message.payload[0])))
                    message.ack()
            finally:
                queue.close()
        return taken


def _reset_producer_pool() -> None:
    # Celery caches a connection pool on the app and a producer pool in kombu's global registry,
    # both tied to the broker URL in use when they were made.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@contextmanager
def broker_url(url: str) -> Iterator[None]:
    """Send this process's tasks to ``url`` for the duration of the block."""
    saved = app.conf.broker_url
    _reset_producer_pool()
    app.conf.broker_url = url
    try:
        yield
    finally:
        _reset_producer_pool()
        app.conf.broker_url = saved


class NoBroadcastTransport(memory.Transport):
    """kombu's in-memory transport declaring no fanout exchange, as Amazon SQS's: a broker over
    which the workers cannot be asked anything (Celery's remote control needs a broadcast)."""

    implements = virtual.Transport.implements  # direct and topic exchanges only


@contextmanager
def no_broadcast_broker() -> Iterator[None]:
    kombu.transport.TRANSPORT_ALIASES["nobroadcast"] = f"{__name__}:NoBroadcastTransport"
    try:
        with broker_url("nobroadcast://"):
            yield
    finally:
        del kombu.transport.TRANSPORT_ALIASES["nobroadcast"]


@contextmanager
def memory_broker() -> Iterator[BrokerInbox]:
    with broker_url("memory://"):
        inbox = BrokerInbox(app.conf.task_default_queue)
        inbox.take()  # left over by an earlier test
        yield inbox
        inbox.take()
