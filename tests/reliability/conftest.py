"""Fixtures of the reliability tests: quiet HTTP client logs (hundreds of requests per test)."""

import logging

import pytest


@pytest.fixture(autouse=True)
def _quiet_http_client_logs():
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
