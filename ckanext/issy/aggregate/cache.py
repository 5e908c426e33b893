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

_RATE = "issy:aggregate:rate"


class RateLimited(Exception):
    """The client computed too many results (aggregations, map data) this minute."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def key(kind: str, resource_id: str, version: int | str | None, canonical: str) -> str | None:
    """Where a result of ``kind`` is kept; None for data without a version
    (a table the extension did not create), whose results are never kept."""
    if version is None:
        return None
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"issy:{kind}:result:{resource_id}:{version}:{digest}"


def remember(entry: str | None, client: str,
             compute: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """The result kept at ``entry`` and True; else ``compute``'s, counted
    towards ``client``'s rate and kept, and False."""
    cached = connect_to_redis().get(entry) if entry else None
    if cached:
        return json.loads(cached), True
    count(client)
    result = compute()
    ttl = tk.config.get("ckanext.issy.aggregate.cache_ttl")
    if entry and ttl > 0:
        connect_to_redis().set(entry, json.dumps(result, separators=(",", ":")), ex=ttl)
    return result, False


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
