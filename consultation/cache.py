"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's client builds a new ``redis.Redis`` object for every cache operation, and building one
copies redis-py's table of about 170 response handlers: on the respondent pages, which read the
session from the cache on every request, that was a tenth of a millisecond each time. The client
object holds no connection of its own (its pool does), so one can serve every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

if TYPE_CHECKING:
    from redis import ConnectionPool, Redis


class _ReusingClient(RedisCacheClient):
    # Django's client has these; its stubs declare only the public methods.
    _client: type[Redis]
    if TYPE_CHECKING:

        def _get_connection_pool(self, write: bool) -> ConnectionPool: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
