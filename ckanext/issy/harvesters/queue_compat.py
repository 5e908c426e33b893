"""ckanext-harvest's Redis connections.

ckanext-harvest 1.6.3 creates a new Redis client, with a pool of its own,
for every queue operation (``get_connection_redis``). This module mends
what that costs, by wrapping that factory - the only place in the project
that touches ckanext-harvest's internals:

- Every operation opened a connection of its own: a TCP connection and,
  under redis-py 8, four round trips of handshake (``HELLO``, ``CLIENT
  SETINFO`` twice, maintenance notifications), about a millisecond, seven
  times per harvest job. The factory now returns one client per process
  and server, whose pool keeps its connections (0.2 ms per operation).
  redis-py's pools are thread-safe, start afresh in a forked process and
  replace a connection the server has closed (Redis restarted) before
  handing it out.
- redis-py 8 gives every connection a 5-second socket timeout by default,
  and the consumers wait for queue messages with a ``BLPOP`` that has no
  timeout of its own: the gather and fetch consumers would crash after five
  idle seconds (ckan/ckanext-harvest#581, open). As the fix proposed there
  does, the connections are created with ``socket_timeout=None``.
- Under redis-py 8, each new connection of a pool built from a URL looks up
  redis-py's own version in the installed packages' metadata
  (``importlib.metadata``, about a millisecond) to announce it to the
  server (``CLIENT SETINFO``). The connections are given the same
  description, built once.

The wrapper changes no setting that is already set (redis-py < 8, or a
fixed ckanext-harvest).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import redis

try:  # redis-py >= 7.1
    from redis.driver_info import DriverInfo
except ImportError:
    DriverInfo = None  # type: ignore[assignment,misc]

_PATCHED = "_issy_redis_compat"
# One client, with its pool, per server and settings, for the life of the process.
_clients: dict[tuple[Any, ...], redis.Redis] = {}


@functools.lru_cache(maxsize=1)
def _driver_info() -> Any:
    return DriverInfo()  # looks the version up, once


def _pool_key(pool: redis.ConnectionPool) -> tuple[Any, ...]:
    """What makes two pools' connections interchangeable: the connection
    class and the plain settings (server, database, credentials, encoding);
    the objects among the settings (retry policy, handlers) are per pool."""
    plain = (str, int, float, bool, type(None))
    return (pool.connection_class, *sorted(
        (key, value) for key, value in pool.connection_kwargs.items() if isinstance(value, plain)))


def _mended(factory: Callable[[], Any]) -> Callable[[], Any]:
    @functools.wraps(factory)
    def connect() -> Any:
        fresh = factory().connection_pool  # it has opened no connection yet
        key = _pool_key(fresh)
        client = _clients.get(key)
        if client is None:
            # Only new sockets read these settings.
            settings = fresh.connection_kwargs
            settings["socket_timeout"] = None
            if DriverInfo is not None and not settings.keys() & {"driver_info", "lib_name", "lib_version"}:
                settings["driver_info"] = _driver_info()
            # A client given its pool leaves it open if it is ever closed.
            client = _clients[key] = redis.Redis(connection_pool=fresh)
        return client

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
