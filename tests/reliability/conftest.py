"""Fixtures of the reliability tests: quiet HTTP client logs (hundreds of requests per test),
PostgreSQL required, and the private storage shared by this process and its workers."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.reports.report_data import report_storage


@pytest.fixture(autouse=True)
def _quiet_http_client_logs():
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the worker fault tests need PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def report_root(tmp_path) -> Iterator[Path]:
    """The private storage shared by this process (downloads) and its workers (builds)."""
    root = tmp_path / "private"
    root.mkdir()
    with report_storage(root):
        yield root
