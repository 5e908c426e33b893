"""ckanext-harvest's Redis connections under redis-py 8 (CKAN 2.12).

ckanext-harvest 1.6.3 creates a new Redis client, with a pool of its own,
for every queue operation (``get_connection_redis``). Under redis-py 8 that
costs two things this module mends, by wrapping that factory - the only
place in the project that touches ckanext-harvest's internals:

- redis-py 8 gives every connection a 5-second socket timeout by default,
  and the consumers wait for queue messages with a ``BLPOP`` that has no
  timeout of its own: the gather and fetch consumers would crash after five
  idle seconds (ckan/ckanext-harvest#581, open). As the fix proposed there
  does, the consumer connections are created with ``socket_timeout=None``.
- Each new connection of a pool built from a URL looks up redis-py's own
  version in the installed packages' metadata (``importlib.metadata``,
  about a millisecond: seven times per harvest job) to announce it to the
  server (``CLIENT SETINFO``). The connections are given the same
  description, built once.

The wrapper changes nothing that is already set (redis-py < 8, or a fixed
ckanext-harvest).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

try:  # redis-py >= 7.1
    from redis.driver_info import DriverInfo
except ImportError:
    DriverInfo = None  # type: ignore[assignment,misc]

_PATCHED = "_issy_redis_compat"


@functools.lru_cache(maxsize=1)
def _driver_info() -> Any:
    return DriverInfo()  # looks the version up, once


def _mended(factory: Callable[[], Any]) -> Callable[[], Any]:
    @functools.wraps(factory)
    def connect() -> Any:
        connection = factory()
        # Only new sockets read these settings; the pool has opened none yet.
        settings = connection.connection_pool.connection_kwargs
        settings["socket_timeout"] = None
        if DriverInfo is not None and not settings.keys() & {"driver_info", "lib_name", "lib_version"}:
            settings["driver_info"] = _driver_info()
        return connection

    setattr(connect, _PATCHED, True)
    return connect


def install() -> None:
    """Mend the Redis connections of ckanext-harvest's queues."""
    try:
        from ckanext.harvest import queue
    except ImportError:  # ckanext-harvest is not installed
        return
    if not getattr(queue.get_connection_redis, _PATCHED, False):
        queue.get_connection_redis = _mended(queue.get_connection_redis)
