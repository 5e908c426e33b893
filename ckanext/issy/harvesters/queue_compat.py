"""Keeps ckanext-harvest's Redis consumers alive under redis-py 8 (CKAN 2.12).

redis-py 8 gives every connection a 5-second socket timeout by default, and
ckanext-harvest 1.6.3 waits for queue messages with a ``BLPOP`` that has no
timeout of its own: the gather and fetch consumers therefore crash after five
idle seconds (ckan/ckanext-harvest#581, open). The fix upstream proposes is
to create the consumer connections with ``socket_timeout=None``; until a
release carries it, this module wraps ckanext-harvest's connection factory to
do exactly that. It is the only place in the project that touches
ckanext-harvest's internals, and it does nothing when the factory already
blocks (redis-py < 8, or a fixed ckanext-harvest).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

_PATCHED = "_issy_blocking_reads"


def _blocking(factory: Callable[[], Any]) -> Callable[[], Any]:
    @functools.wraps(factory)
    def connect() -> Any:
        connection = factory()
        # Only new sockets read these settings; the pool has opened none yet.
        connection.connection_pool.connection_kwargs["socket_timeout"] = None
        return connection

    setattr(connect, _PATCHED, True)
    return connect


def install() -> None:
    """Make the Redis connections of ckanext-harvest's queues block on reads."""
    try:
        from ckanext.harvest import queue
    except ImportError:  # ckanext-harvest is not installed
        return
    if not getattr(queue.get_connection_redis, _PATCHED, False):
        queue.get_connection_redis = _blocking(queue.get_connection_redis)
