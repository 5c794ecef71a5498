"""The Redis cache reuses one client per connection pool and still reads and writes Redis."""

import os
import uuid

import pytest

from consultation.cache import ReusingRedisCache

REDIS = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def cache():
    cache = ReusingRedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["answer", "answer-count"])


def test_one_client_serves_every_call(cache):
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_values_round_trip_through_redis(cache):
    cache.set("answer", {"Q1": ["a", "b"]}, 30)
    assert cache.get("answer") == {"Q1": ["a", "b"]}
    assert cache.add("answer-count", 1, 30)
    assert not cache.add("answer-count", 5, 30)
    assert cache.incr("answer-count") == 2
    cache.delete("answer")
    assert cache.get("answer") is None
