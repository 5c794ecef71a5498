"""Sessions with a shared Redis cache survive a Redis outage (consultation.cache)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import override_settings

from tests.processes import ROOT
from tests.reliability.servers import production_env


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_with_a_redis_cache_url_sessions_use_the_outage_tolerant_cache():
    code = (
        "import json; from django.conf import settings; print(json.dumps("
        "[settings.SESSION_ENGINE, settings.SESSION_CACHE_ALIAS,"
        " settings.CACHES['sessions']['BACKEND'], settings.CACHES['sessions']['LOCATION']]))"
    )
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(CACHE_URL="redis://127.0.0.1:6379/7", SECRET_KEY="x" * 50),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(output.strip().splitlines()[-1]) == [
        "django.contrib.sessions.backends.cached_db",
        "sessions",
        "consultation.cache.OutageTolerantRedisCache",
        "redis://127.0.0.1:6379/7",
    ]


@pytest.mark.django_db
def test_a_session_loads_from_the_database_while_redis_is_down():
    down = {"BACKEND": "consultation.cache.OutageTolerantRedisCache"}
    down["LOCATION"] = f"redis://127.0.0.1:{_closed_port()}/0"
    with override_settings(
        CACHES={"default": down, "sessions": down}, SESSION_CACHE_ALIAS="sessions"
    ):
        session = SessionStore()
        session["staff"] = "reader"
        session.save()
        assert SessionStore(session.session_key).load() == {"staff": "reader"}
