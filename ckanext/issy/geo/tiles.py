"""The base map's tile relay (blueprint ``issy_map_tiles``, docs/maps.md).

Visitors' browsers ask the portal for ``/carte/fond/<z>/<x>/<y>``; the
portal answers from its disk cache or fetches the tile from the provider
with the harvesters' guarded HTTP session (private addresses refused
before connecting unless allow-listed). The provider never sees visitors'
addresses, and a provider that is down costs them nothing: the relay then
answers 204 No Content, which browsers draw as nothing and do not log as
an error, and stops asking the provider for a minute, so that a provider
that swallows connections cannot hold every web worker for its timeout.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import ckan.plugins.toolkit as tk
import requests
from ckan.lib.redis import connect_to_redis
from flask import Blueprint, Response
from werkzeug.datastructures import ResponseCacheControl

from ckanext.issy.geo import basemap
from ckanext.issy.harvesters.core.http import CHUNK_BYTES, FetchError, HttpSettings, check_url, session

log = logging.getLogger(__name__)
blueprint = Blueprint("issy_map_tiles", __name__)

TIMEOUT = 5.0  # seconds for the whole answer, not only between two reads
MAX_BYTES = 2 * 1024 * 1024
DOWN_SECONDS = 60
BROWSER_CACHE = "public, max-age=86400"
NO_CACHE = "no-store"
# Raster formats only: an SVG "tile" served from the portal's origin could run scripts there.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif", "image/avif"})
_REDIS_PREFIX = "issy:tiles"


@dataclass(frozen=True)
class Tile:
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Cached:
    tile: Tile
    fresh: bool


class _OwnCacheControl(Response):
    """A response whose Cache-Control CKAN leaves as it is: its after-request
    handler rewrites every response's to ``ckan.cache_expires`` (0 by
    default), which would make browsers ask again for every tile."""

    @property
    def cache_control(self) -> ResponseCacheControl:
        return ResponseCacheControl()  # detached: what CKAN sets goes nowhere


def _provider_digest() -> str:
    # Keys the cache and the down flag by the tile URL: a new provider
    # starts afresh instead of serving the old one's tiles for days.
    return hashlib.sha256(basemap.tile_url().encode()).hexdigest()[:16]


def _in_range(z: int, x: int, y: int) -> bool:
    return z <= basemap.max_zoom() and x < 2 ** z and y < 2 ** z  # the route's ints are never negative


def _upstream_url(z: int, x: int, y: int) -> str:
    """The provider's URL of a tile; ``{s}`` rotates over the subdomains as Leaflet does."""
    url, subdomains = basemap.tile_url(), basemap.subdomains()
    if subdomains:
        url = url.replace("{s}", subdomains[(x + y) % len(subdomains)])
    return url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


# The disk cache ------------------------------------------------------------

def _cache_seconds() -> int:
    return int(tk.config.get("ckanext.issy.map.tile_cache_days")) * 86400


def _cache_path(z: int, x: int, y: int) -> Path | None:
    """Where a tile is kept, built from the three integers only; None: no disk cache."""
    root = tk.config.get("ckanext.issy.map.tile_cache_dir") or ""
    if not root and tk.config.get("ckan.storage_path"):
        root = os.path.join(tk.config.get("ckan.storage_path"), "issy-tiles")
    if not root or _cache_seconds() <= 0:
        return None
    return Path(root) / _provider_digest() / str(z) / str(x) / f"{y}.tile"


def _read(path: Path) -> Cached | None:
    """A cached tile (its media type on the first line), fresh or not."""
    try:
        with path.open("rb") as file:
            age = time.time() - os.fstat(file.fileno()).st_mtime
            media_type, _, body = file.read().partition(b"\n")
    except OSError:
        return None
    return Cached(Tile(media_type.decode("ascii", "replace"), body), age < _cache_seconds())


def _write(path: Path, tile: Tile) -> None:
    """Written whole or not at all: another worker may read it meanwhile."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tile-")
        with open(descriptor, "wb") as file:
            file.write(tile.media_type.encode("ascii") + b"\n" + tile.body)
        os.replace(temporary, path)
    except OSError as error:  # a full or read-only disk costs the cache, not the tile
        log.warning("Base map tile cache: cannot write %s: %s", path, error)
        if temporary:
            Path(temporary).unlink(missing_ok=True)


# The provider ---------------------------------------------------------------

def _down_key() -> str:
    return f"{_REDIS_PREFIX}:down:{_provider_digest()}"


def _is_down() -> bool:
    return bool(connect_to_redis().exists(_down_key()))


def _mark_down(error: FetchError) -> None:
    # One warning per down period, whichever worker saw the failure first.
    if connect_to_redis().set(_down_key(), "1", ex=DOWN_SECONDS, nx=True):
        log.warning("Base map tiles from %s failed (%s); maps show no background for %d s",
                    basemap.provider()["host"], error, DOWN_SECONDS)


def _settings() -> HttpSettings:
    """The harvesters' settings (allow-list, User-Agent), for a visitor who waits."""
    return replace(HttpSettings.from_config(), timeout=TIMEOUT, max_bytes=MAX_BYTES, retries=0)


def _body(response: requests.Response, deadline: float) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError(f"tile larger than {MAX_BYTES} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"tile not received within {TIMEOUT:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _fetch(url: str) -> Tile:
    """The tile from the provider, or FetchError (messages name no URL: it may hold an API key)."""
    check_url(url)
    settings = _settings()
    deadline = time.monotonic() + TIMEOUT
    try:
        with session(settings) as http, http.get(url, timeout=settings.timeout, stream=True) as response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media_type not in IMAGE_TYPES:
                raise FetchError(f"not a raster image: {media_type or 'no Content-Type'}")
            if int(response.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise FetchError(f"tile larger than {MAX_BYTES} bytes")
            return Tile(media_type, _body(response, deadline))
    except requests.Timeout:
        raise FetchError(f"no answer within {TIMEOUT:g} s")
    except requests.RequestException as error:
        raise FetchError(f"connection failed: {type(error).__name__}")


# The view -------------------------------------------------------------------

def _image(tile: Tile) -> Response:
    return _OwnCacheControl(tile.body, mimetype=tile.media_type, headers={
        "Cache-Control": BROWSER_CACHE, "X-Content-Type-Options": "nosniff"})


def _no_tile(cached: Cached | None) -> Response:
    """An old copy rather than nothing; else 204, which a browser shows as no tile without an error."""
    if cached:
        return _image(cached.tile)
    return _OwnCacheControl(status=204, headers={"Cache-Control": NO_CACHE})


@blueprint.route("/carte/fond/<int:z>/<int:x>/<int:y>")
def tile(z: int, x: int, y: int) -> Response:
    if not basemap.relayed() or not _in_range(z, x, y):
        return tk.abort(404)
    path = _cache_path(z, x, y)
    cached = _read(path) if path else None
    if cached and cached.fresh:
        return _image(cached.tile)
    if _is_down():
        return _no_tile(cached)
    try:
        fetched = _fetch(_upstream_url(z, x, y))
    except FetchError as error:
        _mark_down(error)
        return _no_tile(cached)
    if path:
        _write(path, fetched)
    return _image(fetched)
