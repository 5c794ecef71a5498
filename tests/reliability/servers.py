"""Real server processes for the reliability and deployment tests: gunicorn and redis-server.

Both run on 127.0.0.1 only, on ports of this suite's range (8170-8179 for gunicorn, 6391 for the
Redis that the broker-outage test stops and starts, each moved up by ten per xdist worker; the
shared Redis on 6379 is never touched).
Each helper is a context manager that stops its process, and only its process, on the way out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests import parallel
from tests.processes import ROOT

# A block of ten ports per xdist worker (tests/parallel.py): 8170-8179 for gw0, 8180-8189 for gw1...
GUNICORN_PORTS = parallel.ports(8170)
REDIS_PORT = parallel.ports(6391)[0]
START_TIMEOUT = 60

# Variables of the test process that must not leak into a "production" server.
_TEST_ONLY_ENV = ("DEBUG", "HTTPS_ONLY", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST")


def free_port(ports: range = GUNICORN_PORTS) -> int:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {ports.start}-{ports.stop - 1}")


def production_env(**overrides: str) -> dict[str, str]:
    """This process's environment without the test-only switches, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY_ENV}
    env["DJANGO_SETTINGS_MODULE"] = "consultation.settings"
    env.update(overrides)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    *,
    log_dir: Path,
    env: dict[str, str],
    workers: int = 2,
    threads: int = 4,
    probe_headers: dict[str, str] | None = None,
) -> Iterator[Server]:
    """``gunicorn consultation.wsgi`` on a free port of the range, with ``env``."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "consultation.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(r)s" %(s)s %(L)ss',
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_until_serving(server, probe_headers or {})
        yield server
    finally:
        _stop(process)


def _wait_until_serving(server: Server, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{server.log_text()}")
        try:
            httpx.get(f"{server.url}/", headers=headers, timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not serve in time:\n{server.log_text()}"
                ) from None
            time.sleep(0.2)


@dataclass
class Redis:
    port: int
    directory: Path
    persistent: bool = True
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.directory / "redis.log"

    def start(self) -> None:
        """Start (or start again); persistent: with an append-only file in ``directory``."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("redis-server is already running")
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server the way an operator or a crash-free restart does (SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _count(self, command: bytes, key: str) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            name = key.encode()
            sock.sendall(
                b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(command), command, len(name), name)
            )
            reply = sock.recv(64)
        return int(reply[1:].split(b"\r\n")[0])

    def queue_length(self, queue: str = "celery") -> int:
        """Messages waiting in ``queue``, not yet given to a worker."""
        return self._count(b"LLEN", queue)

    def unacked(self) -> int:
        """Messages given to a worker and not yet acknowledged (kombu's ``unacked`` hash)."""
        return self._count(b"HLEN", "unacked")

    def held(self, queue: str = "celery") -> int:
        """Every message the broker keeps for ``queue``: waiting, or delivered and not acked."""
        return self.queue_length(queue) + self.unacked()


@contextlib.contextmanager
def redis_server(
    directory: Path, port: int = REDIS_PORT, *, persistent: bool = True
) -> Iterator[Redis]:
    directory.mkdir(parents=True, exist_ok=True)
    server = Redis(port=port, directory=directory, persistent=persistent)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
