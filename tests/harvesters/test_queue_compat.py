"""ckanext-harvest's Redis connections: queue operations reuse the connections of one pool; under redis-py 8, consumers wait for messages instead of crashing when idle, and connections share one client description."""
from __future__ import annotations

import importlib.metadata
import json
import threading
import time

import pytest

import ckan.plugins.toolkit as tk

# redis-py 8 (CKAN 2.12) times socket reads out after 5 s by default.
IDLE_SECONDS = 6


@pytest.mark.usefixtures("with_plugins", "clean_queues")
def test_an_idle_gather_consumer_keeps_waiting_for_its_next_job() -> None:
    from ckanext.harvest import queue

    consumer = queue.get_gather_consumer()
    publisher = queue.get_gather_publisher()

    def publish_later() -> None:
        time.sleep(IDLE_SECONDS)
        publisher.send({"harvest_job_id": "job-après-une-pause"})

    threading.Thread(target=publish_later, daemon=True).start()
    _method, _header, body = next(consumer.consume(queue.get_gather_queue_name()))
    assert json.loads(body) == {"harvest_job_id": "job-après-une-pause"}


@pytest.mark.usefixtures("with_plugins")
def test_queue_connections_share_one_description_of_the_redis_client() -> None:
    """redis-py 8 would otherwise read its version from the packages' metadata for every connection."""
    driver_info = pytest.importorskip("redis.driver_info")  # redis-py < 7.1 (CKAN 2.11): nothing to mend
    from ckanext.harvest import queue

    first, second = (queue.get_connection_redis().connection_pool.make_connection() for _ in range(2))
    assert isinstance(first.driver_info, driver_info.DriverInfo)
    assert first.driver_info is second.driver_info
    assert first.driver_info.lib_version == importlib.metadata.version("redis")


@pytest.mark.usefixtures("with_plugins")
def test_queue_operations_reuse_one_connection_instead_of_opening_one_each() -> None:
    from ckanext.harvest import queue

    first = queue.get_connection_redis().client_id()
    # The server numbers its connections: the second operation came over the first's.
    assert queue.get_connection_redis().client_id() == first


@pytest.mark.usefixtures("with_plugins")
def test_a_consumer_waiting_for_a_job_leaves_the_other_operations_a_connection() -> None:
    from ckanext.harvest import queue

    consumer = queue.get_gather_consumer()
    received: list[bytes] = []
    waiting = threading.Thread(
        target=lambda: received.append(next(consumer.consume(queue.get_gather_queue_name()))[2]), daemon=True)
    waiting.start()
    time.sleep(0.2)  # the consumer is in its BLPOP
    queue.get_gather_publisher().send({"harvest_job_id": "job-de-la-mairie"})
    waiting.join(timeout=5)
    assert [json.loads(body) for body in received] == [{"harvest_job_id": "job-de-la-mairie"}]


@pytest.mark.usefixtures("with_plugins")
def test_a_queue_operation_after_redis_dropped_the_kept_connection_reconnects() -> None:
    """As after a restart of Redis: the connection kept since the last operation is closed."""
    import redis
    from ckanext.harvest import queue

    dropped = queue.get_connection_redis().client_id()
    with redis.Redis.from_url(tk.config["ckan.redis.url"]) as admin:
        assert admin.client_kill_filter(_id=dropped) == 1
    assert queue.get_connection_redis().client_id() != dropped
