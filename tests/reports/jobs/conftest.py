"""Fixtures of the report job's tests: an in-memory broker, and report files under tmp_path."""

import pytest

from tests.reports.celery_support import memory_broker
from tests.reports.report_data import report_storage


@pytest.fixture
def broker():
    with memory_broker() as inbox:
        yield inbox


@pytest.fixture
def private_root(tmp_path):
    root = tmp_path / "private"
    with report_storage(root):
        yield root
