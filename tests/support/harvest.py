"""Runs a harvest job the way a site does: creating the job (the web UI's
"Reharvest", `ckan harvester job`, or the scheduler in `ckan harvester run`)
sends it to the Redis gather queue, the gather and fetch consumers take it
from there, and the site's next `ckan harvester run` marks it finished.
Used by the tests and bench/."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk


def drain(consumer: Any, callback: Callable[..., Any]) -> None:
    while True:
        method, header, body = consumer.basic_get("")
        if body is None:
            return
        callback(consumer, method, header, body)


def gather() -> None:
    """What the gather consumer does with the jobs in its queue."""
    from ckanext.harvest import queue

    drain(queue.get_gather_consumer(), queue.gather_callback)


def harvest(source_id: str, user: str, steps: dict[str, list[float]] | None = None) -> str:
    """One job through the Redis queues, until it is finished; returns its id.

    Only what the job costs: ckanext-harvest sends a job to the gather
    queue when it creates it, so no ``harvest_jobs_run`` is needed before
    the consumers (the one a site's cron runs every few minutes does its
    rounds whether or not a job is running). ``steps`` (bench/) receives
    the seconds of each of the four steps."""
    from ckanext.harvest import queue

    def step(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = work()
        if steps is not None:
            steps.setdefault(name, []).append(time.perf_counter() - start)
        return result

    job = step("harvest_job_create", lambda: tk.get_action("harvest_job_create")(
        {"user": user}, {"source_id": source_id}))
    step("gather consumer", gather)
    step("fetch consumer", lambda: drain(queue.get_fetch_consumer(), queue.fetch_callback))
    # Marks the job finished and reindexes its source.
    step("harvest_jobs_run", lambda: tk.get_action("harvest_jobs_run")({"user": user}, {}))
    return job["id"]


def run_queued(user: str) -> None:
    """Runs the jobs already queued (such as the demo's first job, created
    with its source) through the consumers, then marks them finished."""
    from ckanext.harvest import queue

    gather()
    drain(queue.get_fetch_consumer(), queue.fetch_callback)
    tk.get_action("harvest_jobs_run")({"user": user}, {})


def report(job_id: str, user: str) -> dict[str, Any]:
    return tk.get_action("harvest_job_report")({"user": user}, {"id": job_id})


def run_job(source_id: str, user: str) -> dict[str, Any]:
    """One job through the Redis queues; returns its report."""
    return report(harvest(source_id, user), user)
