"""ckanext-harvest's consumers wait for messages instead of crashing when idle."""
from __future__ import annotations

import json
import threading
import time

import pytest

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
