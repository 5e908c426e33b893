"""Checks made before anything is changed: each failure names the host:port and the fix."""
from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit

from devstack.errors import StackError
from devstack.settings import ENV_PG_ADMIN_URL, ENV_PORT, ENV_REDIS_URL

TIMEOUT_SECONDS = 5


def host_port(url: str, default_port: int) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or default_port}"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def check_postgres(admin_url: str) -> None:
    import psycopg2

    try:
        psycopg2.connect(admin_url, connect_timeout=TIMEOUT_SECONDS).close()
    except psycopg2.Error as error:
        raise StackError(
            f"PostgreSQL is not reachable at {host_port(admin_url, 5432)}: "
            f"{_first_line(error)}. Start PostgreSQL there, fix {ENV_PG_ADMIN_URL}, "
            f"or unset {ENV_PG_ADMIN_URL} to let the project run its own server."
        ) from None


def check_redis(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(
            redis_url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        ).ping()
    except redis.exceptions.RedisError as error:
        raise StackError(
            f"Redis is not reachable at {host_port(redis_url, 6379)}: {_first_line(error)}. "
            f"Start Redis there, fix {ENV_REDIS_URL}, or unset {ENV_REDIS_URL} "
            "to let the project run its own server."
        ) from None


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            raise StackError(
                f"The web port {host}:{port} is {reason}: stop the program that uses it, "
                f"or choose another port, e.g. {ENV_PORT}={port + 1} make demo."
            ) from None
