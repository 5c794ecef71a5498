"""Real processes for integration tests: a Celery worker on Redis and the test PostgreSQL database.

``celery_worker_process`` starts ``celery -A consultation worker`` as a subprocess pointed at the
test database (committed data only: use it with ``transactional_db``), at a Redis broker and at
the same private file storage as the test process. Every worker it started is stopped at
teardown, before the test database is flushed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from consultation.celery import app
from tests import parallel
from tests.processes import celery_worker_spawn
from tests.reports.celery_support import broker_url
from tests.reports.report_data import report_storage

# `make test` passes TEST_BROKER_URL; on its own this suite uses Redis database 5 (plus the
# xdist worker's number: tests/parallel.py).
BROKER_URL = parallel.broker_url("redis://127.0.0.1:6379/5")
READY_TIMEOUT = 90


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    name: str

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pool_children(self) -> list[int]:
        """Process ids of the worker's pool processes (prefork children)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


@pytest.fixture
def report_files(tmp_path) -> Iterator[Path]:
    """The private storage both the test process and its workers keep report files in."""
    root = tmp_path / "private"
    root.mkdir()
    with report_storage(root):
        yield root


@pytest.fixture
def celery_broker() -> Iterator[str]:
    """This process sends its tasks to the test broker, whose queue starts empty."""
    with broker_url(BROKER_URL):
        try:
            app.control.purge()
        except Exception as exc:  # noqa: BLE001 - any failure here means no broker to test with
            pytest.fail(f"No Redis broker at {BROKER_URL}: {exc}")
        yield BROKER_URL
        app.control.purge()


@pytest.fixture
def celery_worker_process(
    transactional_db, celery_broker, report_files, tmp_path
) -> Iterator[Callable[..., Worker]]:
    """Start a worker (``start(**extra_env)``); it is stopped when the test ends."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker integration tests need PostgreSQL (set DATABASE_URL)")
    started: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        log = tmp_path / f"{name.split('@')[0]}.log"
        process = celery_worker_spawn(
            name=name,
            log=log,
            broker_url=celery_broker,
            private_root=report_files,
            extra_env=extra_env,
        )
        worker = Worker(process=process, log=log, name=name)
        started.append(worker)
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in worker.log_text():
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited at start:\n{worker.log_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker was not ready in time:\n{worker.log_text()}")
            time.sleep(0.2)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.process.terminate()
        for worker in started:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                children = worker.pool_children()
                worker.process.kill()
                worker.process.wait(timeout=10)
                for pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
