"""What each pytest-xdist worker gets for itself when the suite runs in parallel (``make test``).

pytest-django already gives each worker its own test database (``test_<name>_gw0``, ...). The rest
a test shares with the machine is chosen here from the worker's number (0 for ``gw0``, and 0 when
the suite runs in one process without xdist):

- the Redis database of the Celery broker: ``TEST_BROKER_URL``'s database plus the worker's
  number (``redis://127.0.0.1:6379/0`` gives gw0 database 0, gw1 database 1, ...); the tests purge
  their broker's queues, so two workers must never share one;
- the ports of the servers the tests start themselves (gunicorn, a private ``redis-server``):
  a block of ports per worker, so that two workers never probe or restart the same port.

live_server, the SMTP server process and temporary folders need nothing here: they take a port
the system gives them (port 0) or a folder under the worker's own ``tmp_path``.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

# Ports per worker in each block (gunicorn 8170 + 10 * worker, ...).
PORTS_PER_WORKER = 10
REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_index() -> int:
    """0 for ``gw0`` (or no xdist), 1 for ``gw1``, ..."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw"))


def worker_count() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def broker_url(default: str) -> str:
    """The worker's Redis broker: ``TEST_BROKER_URL`` (else ``default``), its database number
    moved up by the worker's number."""
    url = os.environ.get("TEST_BROKER_URL", default)
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + worker_index()
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"TEST_BROKER_URL={url} with {worker_count()} workers needs Redis databases "
            f"{base}-{base + worker_count() - 1}: pass a lower database number"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def ports(first: int) -> range:
    """This worker's block of ports in the block that starts at ``first``."""
    start = first + PORTS_PER_WORKER * worker_index()
    return range(start, start + PORTS_PER_WORKER)
