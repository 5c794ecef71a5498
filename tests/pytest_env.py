"""Loaded with ``-p`` before pytest-django reads the settings: test-only environment defaults."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The test client and live_server speak plain HTTP: no HTTPS redirect or Secure-only cookies.
# tests/consultation/test_deploy.py checks the production defaults in processes started
# without this.
os.environ.setdefault("HTTPS_ONLY", "0")
