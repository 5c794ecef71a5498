"""The session cache: Django's Redis cache that treats an unreachable Redis as an empty cache.

Sessions are ``cached_db`` when a shared cache is configured: read from Redis, written through
to the database. Django guards the cache read of a session but not the write that follows a miss,
so with Redis down every signed-in page failed with a 500 (the staff report pages included).
With this backend a read while Redis is down is a miss and a write is skipped (logged): the
session comes from its database row, and the page works. A delete (signing out) still fails
while Redis is down: skipping it would leave the cached copy of a deleted session alive for when
Redis returns. Used for sessions only; the default cache (rate limits) keeps its own behaviour.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


class OutageTolerantRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except REDIS_DOWN:
            logger.warning("Session cache unreachable: read %s from the database", key)
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN:
            logger.warning("Session cache unreachable: %s not cached", key)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN:
            logger.warning("Session cache unreachable: %s not cached", key)
            return False

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except REDIS_DOWN:
            return False
