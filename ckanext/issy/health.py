"""``GET /api/issy/health``: whether the portal's dependencies answer, for
monitoring and load balancers (docs/production.md, "Watching the portal").

Answered before CKAN's Flask application (around its ``wsgi_app``, installed
by the ``issy`` plugin), so that it still answers when the database is down:
CKAN's own request handling reads the database first. Each check opens a
connection of its own with a short timeout, so a pool's idle connections
never hide an outage. The answer is 200 when every check passes, 503
otherwise, with one entry per check:

- ``database``: CKAN's database answers a query;
- ``datastore``: the DataStore's read database does (when the plugin is on);
- ``redis``: CKAN's Redis answers a ping;
- ``search_index``: with ``issy_search``, the index holds one row per active
  dataset (``ckan search-index rebuild -o`` adds the missing ones);
- ``parking_poller``: every active real-time parking source was polled
  successfully within ``ckanext.issy.parking.stale_after`` minutes.

Visitors see which check failed and a short reason; the error itself goes
to the log, never to the answer (it names hosts and ports).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import redis
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

import ckan.plugins as p
import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

PATH = "/api/issy/health"
TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def _query(url: str, statement: str, **params: Any) -> Any:
    engine = sa.create_engine(url, poolclass=NullPool, connect_args={
        "connect_timeout": TIMEOUT_SECONDS, "options": f"-c statement_timeout={TIMEOUT_SECONDS * 1000}"})
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement), params).all()
    finally:
        engine.dispose()


def _redis() -> redis.Redis:
    return redis.Redis.from_url(tk.config["ckan.redis.url"], socket_connect_timeout=TIMEOUT_SECONDS,
                                socket_timeout=TIMEOUT_SECONDS)


def database() -> Check:
    _query(tk.config["sqlalchemy.url"], "SELECT 1")
    return Check(True, "answers")


def datastore() -> Check:
    if not p.plugin_loaded("datastore"):
        return Check(True, "not used")
    _query(tk.config["ckan.datastore.read_url"], "SELECT 1")
    return Check(True, "answers")


def redis_server() -> Check:
    _redis().ping()
    return Check(True, "answers")


def search_index() -> Check:
    if not p.plugin_loaded("issy_search"):
        return Check(True, "not checked here (Solr): ckan search-index check")
    [(active, indexed)] = _query(tk.config["sqlalchemy.url"], """
        SELECT (SELECT count(*) FROM package WHERE state = 'active'),
               (SELECT count(*) FROM issy_search_index i JOIN package ON package.id = i.id
                WHERE package.state = 'active' AND i.site_id = :site)""", site=tk.config["ckan.site_id"])
    if indexed < active:
        return Check(False, f"{active - indexed} of {active} active datasets missing from the index")
    return Check(True, f"every active dataset indexed ({active})")


def parking_poller() -> Check:
    if not p.plugin_loaded("issy_parking_harvester"):
        return Check(True, "no real-time parking source")
    # The poller's own settings and Redis keys (only with its plugin).
    from ckanext.issy.harvesters import parking_poll, parking_tables

    sources = _query(tk.config["sqlalchemy.url"],
                     "SELECT id, title FROM harvest_source WHERE type = :type AND active",
                     type=parking_poll.SOURCE_TYPE)
    if not sources:
        return Check(True, "no real-time parking source")
    stale_after = parking_poll.PollSettings.from_config().stale_after
    now, connection = datetime.now(timezone.utc), _redis()
    late = [title for source_id, title in sources if parking_tables.is_stale(
        parking_poll.last_success(connection, source_id), now, stale_after)]
    if late:
        return Check(False, "no successful poll for too long: " + ", ".join(sorted(late)))
    return Check(True, f"{len(sources)} source(s) polled recently")


CHECKS: dict[str, Callable[[], Check]] = {
    "database": database, "datastore": datastore, "redis": redis_server,
    "search_index": search_index, "parking_poller": parking_poller,
}


def _run(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except (sa.exc.SQLAlchemyError, redis.RedisError, OSError) as error:
        log.warning("Health check %s failed: %s", name, error)
        return Check(False, "does not answer")
    except Exception:  # a health check reports, it never fails the answer
        log.exception("Health check %s failed", name)
        return Check(False, "check failed (see the log)")


def report() -> tuple[int, dict[str, Any]]:
    """The status code and the JSON answer."""
    results = {name: _run(name, check) for name, check in CHECKS.items()}
    healthy = all(result.ok for result in results.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "failing",
                                       "checks": {name: asdict(result) for name, result in results.items()}}


class HealthMiddleware:
    """Answers ``GET``/``HEAD`` on PATH, passes everything else on."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        status, answer = report()
        body = json.dumps(answer, ensure_ascii=False).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}", [
            ("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store")])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def install(app: Any) -> None:
    app.wsgi_app = HealthMiddleware(app.wsgi_app)
