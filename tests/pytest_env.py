"""Loaded with ``-p`` before pytest-django reads the settings: test-only environment defaults."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The test client and live_server speak plain HTTP: no HTTPS redirect or Secure-only cookies.
# tests/consultation/test_deploy.py checks the production defaults in processes started
# without this.
os.environ.setdefault("HTTPS_ONLY", "0")

# A pytest-xdist worker (``make test``) keeps its files apart from the other workers': report
# builds name their folders by the report's id, which each worker's own database hands out again
# (tests/parallel.py says what else each worker has for itself). Set here, before the settings
# are read, so that the Celery workers and servers the tests start inherit the same folders.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _var = Path(__file__).resolve().parent.parent / "var"
    for _name, _default in (
        ("REPORT_TEMP_ROOT", _var / "tmp" / "reports"),
        ("MEDIA_ROOT", _var / "media"),
        ("PRIVATE_ROOT", _var / "private"),
    ):
        os.environ[_name] = str(Path(os.environ.get(_name) or _default) / f"test-{_worker}")
