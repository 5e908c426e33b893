"""The tile relay ``/carte/fond/<z>/<x>/<y>``: tiles served from a loopback
provider and cached on disk; 204 without an error when the provider fails,
then a minute without asking it; 404 for what is not a tile of the map; the
harvesters' guard refusing private addresses before connecting."""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ckan.lib.redis import connect_to_redis

from tests.support.http_server import FixtureServer, Response, serve

PNG = b"\x89PNG\r\n\x1a\n" + b"tuile de test"
TILE = Response(PNG, headers={"Content-Type": "image/png"})
pytestmark = pytest.mark.usefixtures("with_plugins", "no_provider_down")


@pytest.fixture
def no_provider_down() -> Iterator[None]:
    """Every test starts with no provider remembered as down."""
    redis = connect_to_redis()
    for key in redis.scan_iter("issy:tiles:*"):
        redis.delete(key)
    yield


def _host_port(url: str) -> str:
    return url.split("://", 1)[1]


@pytest.fixture
def relay(ckan_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Points the relay at a provider URL (allow-listed unless told) with a cache in tmp_path."""

    def configure(base: str, allow: bool = True, path: str = "/t/{z}/{x}/{y}.png") -> Path:
        monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_url", base + path)
        monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_cache_dir", str(tmp_path))
        monkeypatch.setitem(ckan_config, "ckanext.issy.harvest.allowed_hosts",
                            [_host_port(base)] if allow else [])
        return tmp_path

    return configure


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tiles(server: FixtureServer) -> list[str]:
    return [path for path in server.requests if path.startswith("/t/")]


def test_relay_serves_the_providers_tile_with_a_day_of_browser_cache(app: Any, relay) -> None:
    with serve({"/t/12/2073/1409.png": lambda _q: TILE}) as server:
        relay(server.url)
        response = app.get("/carte/fond/12/2073/1409", status=200)

    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    # CKAN rewrites every response's Cache-Control (ckan.cache_expires): the tile's own survives.
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_second_request_is_served_from_the_disk_cache_without_asking_the_provider(app: Any, relay) -> None:
    with serve({"/t/3/4/5.png": lambda _q: TILE}) as server:
        cache = relay(server.url)
        first = app.get("/carte/fond/3/4/5", status=200).data
        second = app.get("/carte/fond/3/4/5", status=200).data

    assert first == second == PNG
    assert _tiles(server) == ["/t/3/4/5.png"]
    assert [path.name for path in cache.rglob("*") if path.is_file()] == ["5.tile"]


def test_a_tile_older_than_the_cache_days_is_fetched_again(app: Any, relay) -> None:
    with serve({"/t/3/4/5.png": lambda _q: TILE}) as server:
        cache = relay(server.url)
        app.get("/carte/fond/3/4/5", status=200)
        (cached,) = cache.rglob("5.tile")
        eight_days_ago = time.time() - 8 * 86400
        os.utime(cached, (eight_days_ago, eight_days_ago))
        app.get("/carte/fond/3/4/5", status=200)

    assert len(_tiles(server)) == 2


def test_an_old_copy_is_served_while_the_provider_fails(app: Any, relay) -> None:
    answers = iter([TILE, Response(b"panne", 503)])
    with serve({"/t/3/4/5.png": lambda _q: next(answers)}) as server:
        cache = relay(server.url)
        app.get("/carte/fond/3/4/5", status=200)
        (cached,) = cache.rglob("5.tile")
        os.utime(cached, (0, 0))
        response = app.get("/carte/fond/3/4/5", status=200)

    assert response.data == PNG
    assert len(_tiles(server)) == 2


def test_an_unreachable_provider_answers_204_not_stored(app: Any, relay) -> None:
    relay(f"http://127.0.0.1:{_closed_port()}")

    response = app.get("/carte/fond/3/4/5", status=204)

    assert response.data == b""
    assert response.headers["Cache-Control"] == "no-store"


def test_after_a_failure_the_provider_is_left_alone_for_a_minute(app: Any, relay) -> None:
    with serve({"/t/3/4/5.png": lambda _q: Response(b"panne", 500),
                "/t/3/4/6.png": lambda _q: TILE}) as server:
        relay(server.url)
        app.get("/carte/fond/3/4/5", status=204)
        app.get("/carte/fond/3/4/6", status=204)
        app.get("/carte/fond/3/4/5", status=204)

    assert _tiles(server) == ["/t/3/4/5.png"]
    (key,) = connect_to_redis().scan_iter("issy:tiles:down:*")
    assert 0 < connect_to_redis().ttl(key) <= 60


@pytest.mark.parametrize("answer", [
    Response(b"introuvable", 404),
    Response(b"erreur", 500),
    Response(b"<html>Maintenance</html>", 200, {"Content-Type": "text/html"}),
    Response(b"<svg onload='alert(1)'/>", 200, {"Content-Type": "image/svg+xml"}),
    Response(PNG, 200, {"Content-Type": "image/png"}, content_length=3 * 1024 * 1024),
    Response(b"", 200, {"Content-Type": "image/png"}, stream=iter([b"\0" * 1024 * 1024] * 3)),
], ids=["404", "500", "html", "svg", "announced-too-large", "streamed-too-large"])
def test_a_provider_answer_that_is_not_a_tile_is_a_204(app: Any, relay, answer: Response) -> None:
    with serve({"/t/3/4/5.png": lambda _q: answer}) as server:
        relay(server.url)
        response = app.get("/carte/fond/3/4/5", status=204)

    assert response.headers["Cache-Control"] == "no-store"
    assert len(_tiles(server)) == 1


def test_a_loopback_provider_not_allow_listed_is_refused_before_connecting(app: Any, relay) -> None:
    with serve({"/t/3/4/5.png": lambda _q: TILE}) as server:
        relay(server.url, allow=False)
        app.get("/carte/fond/3/4/5", status=204)

    assert server.requests == []


def test_subdomains_take_turns_by_tile(app: Any, relay, ckan_config, monkeypatch) -> None:
    routes = {f"/{s}/3/{x}/5.png": (lambda _q: TILE) for s in "ab" for x in (4, 5)}
    with serve(routes) as server:
        relay(server.url, path="/{s}/{z}/{x}/{y}.png")
        monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_subdomains", "ab")
        app.get("/carte/fond/3/4/5", status=200)
        app.get("/carte/fond/3/5/5", status=200)

    assert server.requests == ["/b/3/4/5.png", "/a/3/5/5.png"]


@pytest.mark.parametrize("path", ["/carte/fond/19/0/0", "/carte/fond/3/8/0", "/carte/fond/3/0/8",
                                  "/carte/fond/3/-1/0", "/carte/fond/x/0/0"])
def test_what_is_not_a_tile_of_the_map_is_a_404(app: Any, relay, path: str) -> None:
    with serve({}) as server:
        relay(server.url)
        app.get(path, status=404)

    assert server.requests == []


def test_the_highest_zoom_follows_the_setting(app: Any, relay, ckan_config, monkeypatch) -> None:
    with serve({"/t/19/0/0.png": lambda _q: TILE}) as server:
        relay(server.url)
        monkeypatch.setitem(ckan_config, "ckanext.issy.map.max_zoom", 19)
        app.get("/carte/fond/19/0/0", status=200)


def test_no_tile_url_means_no_relay(app: Any) -> None:
    app.get("/carte/fond/0/0/0", status=404)


def test_relay_turned_off_means_no_relay(app: Any, relay, ckan_config, monkeypatch) -> None:
    with serve({"/t/0/0/0.png": lambda _q: TILE}) as server:
        relay(server.url)
        monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_relay", False)
        app.get("/carte/fond/0/0/0", status=404)

    assert server.requests == []
