"""Rate limits: per token for staff clients, per address for everyone else, with ``429`` and
``Retry-After``.

A fixed window counted in the default cache (Redis in production): one ``add`` and one ``incr``
per request, atomic in Redis, shared by every web process. REST framework's own throttles keep a
list of timestamps per client, read and written back without a lock: under concurrent requests
they under-count, and they grow with the rate.

While the cache cannot be reached the limit **fails open**: the API answers without counting.
It serves published, read-only data, and the limit protects capacity, not secrets; failing closed
would turn a Redis outage into a full API outage. Access control never depends on the cache.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from consultation.security import client_ip
from surveys.models import ApiToken

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"1200/h"`` -> (1200, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


class ApiRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken):
            key, rate = f"token:{token.pk}", settings.API_RATE_TOKEN
        else:
            key, rate = f"ip:{client_ip(request)}", settings.API_RATE_ANONYMOUS
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        cache_key = f"api-rate:{key}:{period}:{window}"
        try:
            cache.add(cache_key, 0, timeout=period + 5)
            used = cache.incr(cache_key)
        except Exception:  # noqa: BLE001 - any cache failure: fail open (module docstring)
            logger.warning("API rate limit not counted: the cache cannot be reached", exc_info=True)
            return True
        if used > limit:
            self.retry_after = max(1.0, (window + 1) * period - now)
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after
