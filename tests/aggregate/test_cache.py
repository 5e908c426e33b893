"""One computation per missing result (aggregate/cache.py, on the test
site's Redis): while a request computes a result, the others asking for
it wait and read it, without computing it again nor counting it towards
their rate; when that request fails, they compute it themselves."""
from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from ckan.lib.redis import connect_to_redis

from ckanext.issy.aggregate import cache


@pytest.fixture
def entry(with_request_context: Any) -> str:
    return f"issy:test:result:{uuid.uuid4()}"


def _later(seconds: float, work: Any) -> threading.Timer:
    timer = threading.Timer(seconds, work)
    timer.start()
    return timer


@pytest.mark.ckan_config("ckanext.issy.aggregate.rate_limit", "1")
def test_a_request_waits_for_the_result_another_is_computing_and_does_not_count_it(entry: str) -> None:
    redis = connect_to_redis()
    redis.set(f"{entry}:computing", "1", ex=5)  # another request computes it
    _later(0.2, lambda: redis.set(entry, '{"rows": [1]}', ex=60))
    asked: list[int] = []

    result = cache.remember(entry, "ip:192.0.2.1", lambda: asked.append(1) or {"rows": [2]})

    assert result == ({"rows": [1]}, True) and asked == []
    # Its rate is untouched: its one computation of the minute is still there.
    assert cache.remember(f"{entry}:other", "ip:192.0.2.1", lambda: {"rows": [3]}) == ({"rows": [3]}, False)


def test_when_the_computing_request_fails_the_waiting_one_computes_it(entry: str) -> None:
    redis = connect_to_redis()
    redis.set(f"{entry}:computing", "1", ex=5)
    _later(0.2, lambda: redis.delete(f"{entry}:computing"))

    assert cache.remember(entry, "", lambda: {"rows": [2]}) == ({"rows": [2]}, False)
    assert redis.get(entry) is not None and redis.exists(f"{entry}:computing") == 0


def test_a_computation_that_fails_leaves_no_lock_behind(entry: str) -> None:
    def fail() -> dict[str, Any]:
        raise ValueError("the table went away")

    with pytest.raises(ValueError):
        cache.remember(entry, "", fail)
    assert connect_to_redis().exists(f"{entry}:computing") == 0
    assert cache.remember(entry, "", lambda: {"rows": []}) == ({"rows": []}, False)
