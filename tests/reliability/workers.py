"""Real ``celery -A consultation worker`` processes for the fault tests.

Each worker runs in its own process group, so that a test can kill the whole worker (the main
process and its pool) at once, as a machine crash or an OOM kill would. Every worker a test
started is stopped at the end of the test, by its process group id.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import celery_worker_spawn

READY_TIMEOUT = 90


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    name: str

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: nothing gets a chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        # Pool processes left behind by a killed main process.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Workers:
    """Starts workers on one broker, with one private storage folder, for one test."""

    broker_url: str
    private_root: Path
    log_dir: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, *, queues: str | None = None, **extra_env: str) -> Worker:
        name = f"fault-{uuid.uuid4().hex[:8]}@localhost"
        log = self.log_dir / f"{name.split('@')[0]}.log"
        process = celery_worker_spawn(
            name=name,
            log=log,
            broker_url=self.broker_url,
            private_root=self.private_root,
            extra_env=extra_env,
            new_session=True,
            queues=queues,
        )
        worker = Worker(process=process, log=log, name=name)
        self.started.append(worker)
        wait_for(
            lambda: " ready." in worker.log_text(), "the worker to start", worker, READY_TIMEOUT
        )
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


def wait_for(
    condition: Callable[[], bool], what: str, worker: Worker | None = None, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(
                f"The worker exited while waiting for {what}:\n{worker.log_text()}"
            )
        if time.monotonic() > deadline:
            log = worker.log_text()[-4000:] if worker is not None else ""
            raise AssertionError(f"Timed out waiting for {what}\n{log}")
        time.sleep(0.1)


@contextlib.contextmanager
def workers(*, broker_url: str, private_root: Path, log_dir: Path) -> Iterator[Workers]:
    pool = Workers(broker_url=broker_url, private_root=private_root, log_dir=log_dir)
    try:
        yield pool
    finally:
        pool.stop_all()
