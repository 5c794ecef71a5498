"""Real processes for the tests: where the repository is, which database they share, and how a
Celery worker subprocess is started (used by the integration and the reliability tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def running_database_url() -> str:
    """The URL of the database the test runs on (pytest-django's ``test_…`` database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def celery_worker_spawn(
    *,
    name: str,
    log: Path,
    broker_url: str,
    private_root: Path,
    extra_env: dict[str, str],
    new_session: bool = False,
    queues: str | None = None,
) -> subprocess.Popen:
    """Start ``celery worker`` on the test's database and broker, its output going to ``log``.

    One prefork child and no gossip, mingle or heartbeat: the tests control exactly which worker
    takes which job. ``new_session`` puts it in its own process group, so a test can kill the
    worker and its pool together. ``queues`` (``-Q``): the queues it takes tasks from, instead of
    the default one.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consultation.settings",
        "DATABASE_URL": running_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "PRIVATE_ROOT": str(private_root),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra_env,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "consultation",
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        name,
    ]
    if queues:
        command += ["-Q", queues]
    with log.open("wb") as handle:
        return subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
