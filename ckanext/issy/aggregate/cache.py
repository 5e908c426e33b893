"""Results cached in Redis by the table's version, and computations limited
per client, on the site's Redis (CKAN's ``ckan.lib.redis.connect_to_redis``,
``ckan.redis.url``).

A result is keyed by the resource, the table's version and the request's
canonical text: any committed write to the table's rows gives it a new
version, so a cached result is never stale, and old entries simply expire.
Only computations count towards a client's rate: a cached answer costs
almost nothing, and on election night many visitors behind one address
(a mobile operator's NAT) ask for the same charts.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.issy.aggregate.request import Request

_PREFIX = "issy:aggregate"


class RateLimited(Exception):
    """The client computed too many aggregations this minute."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(request: Request, version: int) -> str:
    digest = hashlib.sha256(request.cache_key().encode()).hexdigest()
    return f"{_PREFIX}:result:{request.resource_id}:{version}:{digest}"


def get(request: Request, version: int | None) -> dict[str, Any] | None:
    if version is None:
        return None
    cached = connect_to_redis().get(_key(request, version))
    return json.loads(cached) if cached else None


def put(request: Request, version: int | None, result: dict[str, Any]) -> None:
    ttl = tk.config.get("ckanext.issy.aggregate.cache_ttl")
    if version is not None and ttl > 0:
        connect_to_redis().set(_key(request, version), json.dumps(result, separators=(",", ":")), ex=ttl)


def count(client: str) -> None:
    """One more computation for ``client`` in this minute, or ``RateLimited``."""
    limit = tk.config.get("ckanext.issy.aggregate.rate_limit")
    if limit <= 0 or not client:
        return
    now = int(time.time())
    key = f"{_PREFIX}:rate:{client}:{now // 60}"
    redis = connect_to_redis()
    with redis.pipeline() as pipe:
        used, _ = pipe.incr(key).expire(key, 120).execute()
    if used > limit:
        raise RateLimited(60 - now % 60)
