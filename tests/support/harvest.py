"""Runs a harvest job the way a site does: `ckan harvester run` sends it to the
Redis gather queue, the gather and fetch consumers take it from there, and a
second `ckan harvester run` marks it finished. Used by the tests and bench/."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk


def _drain(consumer: Any, callback: Callable[..., Any]) -> None:
    while True:
        method, header, body = consumer.basic_get("")
        if body is None:
            return
        callback(consumer, method, header, body)


def run_job(source_id: str, user: str) -> dict[str, Any]:
    """One job through the Redis queues; returns its report."""
    from ckanext.harvest import queue

    job = tk.get_action("harvest_job_create")({"user": user}, {"source_id": source_id})
    tk.get_action("harvest_jobs_run")({"user": user}, {})  # sends New jobs to the gather queue
    _drain(queue.get_gather_consumer(), queue.gather_callback)
    _drain(queue.get_fetch_consumer(), queue.fetch_callback)
    tk.get_action("harvest_jobs_run")({"user": user}, {})  # marks the job finished
    return tk.get_action("harvest_job_report")({"user": user}, {"id": job["id"]})
