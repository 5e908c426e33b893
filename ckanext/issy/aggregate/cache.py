"""Results cached in Redis by the table's version, and computations limited
per client, on the site's Redis (CKAN's ``ckan.lib.redis.connect_to_redis``,
``ckan.redis.url``); shared by the aggregations and the map data (``geo/``).

A result is keyed by its kind (an aggregation, points, a GeoJSON file), the
resource, the data's version and the request's canonical text: any
committed write to a table's rows gives it a new version (a file, a new
identity), so a cached result is never stale, and old entries simply expire.
Only computations count towards a client's rate: a cached answer costs
almost nothing, and on election night many visitors behind one address
(a mobile operator's NAT) ask for the same charts.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.issy.language import _

_RATE = "issy:aggregate:rate"
# How long a request computing a result keeps the others waiting for it, at
# most, and how often they look.
COMPUTING_SECONDS = 10
WAIT_STEP_SECONDS = 0.05


class RateLimited(tk.ValidationError):
    """The client computed too many results (aggregations, map data) this
    minute. A ValidationError, so that CKAN's action API refuses it (409)
    rather than failing; the extension's own addresses answer 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__({"rate": [_("Too many charts or maps computed from this address; "
                                     "try again in a minute.")]})
        self.retry_after = retry_after


class NotReady(tk.ValidationError):
    """The data is being rewritten (a harvest between two tables): try again
    in a moment. The extension's own addresses answer 503."""

    retry_after = 5

    def __init__(self) -> None:
        super().__init__({"resource_id": [_("This data is being updated: try again in a moment.")]})


def key(kind: str, resource_id: str, version: int | str | None, canonical: str) -> str | None:
    """Where a result of ``kind`` is kept; None for data without a version
    (a table the extension did not create), whose results are never kept."""
    if version is None:
        return None
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"issy:{kind}:result:{resource_id}:{version}:{digest}"


def remember(entry: str | None, client: str, compute: Callable[[], dict[str, Any]],
             at_most: int | None = None) -> tuple[dict[str, Any], bool]:
    """The result kept at ``entry`` and True; else ``compute``'s, counted
    towards ``client``'s rate and kept (``cache_ttl`` seconds, or
    ``at_most`` when shorter), and False.

    One request computes a missing result; the others asking for it
    meanwhile wait for it (up to ``COMPUTING_SECONDS``) instead of computing
    it again and counting it towards their rate: after each harvest of an
    election night, the first visitor computes the figures, the crowd
    behind them reads them."""
    redis = connect_to_redis()
    cached = redis.get(entry) if entry else None
    if cached:
        return json.loads(cached), True
    computing = bool(entry) and bool(redis.set(f"{entry}:computing", "1", nx=True, ex=COMPUTING_SECONDS))
    if entry and not computing:
        waited = _wait_for(entry)
        if waited is not None:
            return waited, True
    try:
        count(client)
        result = compute()
        ttl = tk.config.get("ckanext.issy.aggregate.cache_ttl")
        ttl = ttl if at_most is None else min(ttl, at_most)
        if entry and ttl > 0:
            redis.set(entry, json.dumps(result, separators=(",", ":")), ex=ttl)
    finally:
        if computing:
            redis.delete(f"{entry}:computing")
    return result, False


def _wait_for(entry: str) -> dict[str, Any] | None:
    """The result another request is computing, once kept; None if it is not
    kept within ``COMPUTING_SECONDS`` (that request failed, or took too long)."""
    redis = connect_to_redis()
    deadline = time.monotonic() + COMPUTING_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        found = redis.get(entry)
        if found:
            return json.loads(found)
        if not redis.exists(f"{entry}:computing"):
            return None
    return None


def keep(name: str, value: dict[str, Any]) -> None:
    """``value`` kept under ``name`` (not a result's key: a view's own
    memory, e.g. the last figures of one harvest), as long as results."""
    ttl = tk.config.get("ckanext.issy.aggregate.cache_ttl")
    if ttl > 0:
        connect_to_redis().set(name, json.dumps(value, separators=(",", ":")), ex=ttl)


def kept(name: str) -> dict[str, Any] | None:
    found = connect_to_redis().get(name)
    return json.loads(found) if found else None


def count(client: str) -> None:
    """One more computation for ``client`` in this minute, or ``RateLimited``."""
    limit = tk.config.get("ckanext.issy.aggregate.rate_limit")
    if limit <= 0 or not client:
        return
    now = int(time.time())
    counter = f"{_RATE}:{client}:{now // 60}"
    redis = connect_to_redis()
    with redis.pipeline() as pipe:
        used, _ = pipe.incr(counter).expire(counter, 120).execute()
    if used > limit:
        raise RateLimited(60 - now % 60)
