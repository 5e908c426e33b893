"""Downloads for the harvesters: retries, a size cap, conditional requests and
a guard against server-side request forgery (SSRF).

One ``requests`` session per download, with urllib3 retries (backoff on
429/5xx, ``Retry-After`` honoured up to a cap). The body streams to a
temporary file, hashed and measured chunk by chunk, so that a file of
hundreds of megabytes costs no more memory than one of a few kilobytes.
The SSRF guard sits in the connection itself: every new connection, the
first one and the one of each redirect, resolves its host, refuses
private, loopback, link-local, multicast and reserved addresses unless
``host:port`` is allow-listed, and then connects to the address it
checked, so a second DNS answer cannot slip another address in between
the check and the connection.
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

import ckan.plugins.toolkit as tk
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from ckanext.issy.language import _

# Large reads: each chunk costs a pass through requests and urllib3 (a 5.6 MB
# file took 12.5 ms to download in 64 KiB chunks, 9.1 ms in 1 MiB ones); the
# size limit is still checked after every chunk.
CHUNK_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)
ERROR_BODY_BYTES = 64 * 1024  # the part of an error answer kept for its message
# The size limit of a source kind that does not name a setting of its own.
MAX_BYTES = "ckanext.issy.harvest.max_bytes"


class FetchError(Exception):
    """A download failed; the message is readable by a site administrator."""


class RefusedAddress(FetchError):
    """The destination is not allowed (scheme, or a private address)."""


class HttpStatusError(FetchError):
    """The server answered an error status; ``body`` is the start of its
    answer, where an API says what was wrong (a JSON error message)."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status, self.body = status, body


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    backoff: float = 1.0
    retry_after_max: float = 60.0
    allowed: frozenset[str] = frozenset()
    user_agent: str = "ckanext-issy harvester"
    # The setting ``max_bytes`` comes from, named in the error of a file too large.
    max_bytes_option: str = MAX_BYTES
    download_dir: str | None = None  # None: the system's temporary directory

    @classmethod
    def from_config(cls, max_bytes_option: str = MAX_BYTES) -> "HttpSettings":
        """The site's settings; ``max_bytes_option`` names the setting that
        limits the downloads of a source kind (declared with a default)."""
        config = tk.config
        return cls(
            timeout=float(config.get("ckanext.issy.harvest.timeout")),
            max_bytes=int(config.get(max_bytes_option)),
            max_bytes_option=max_bytes_option,
            download_dir=config.get("ckanext.issy.harvest.download_dir") or None,
            retries=int(config.get("ckanext.issy.harvest.retries")),
            backoff=float(config.get("ckanext.issy.harvest.backoff")),
            retry_after_max=float(config.get("ckanext.issy.harvest.retry_after_max")),
            allowed=frozenset(
                entry.lower() for entry in tk.aslist(config.get("ckanext.issy.harvest.allowed_hosts"))
            ),
            user_agent=config.get("ckanext.issy.harvest.user_agent"),
        )


@dataclass(frozen=True)
class Download:
    """What a fetch brought back: the body in a temporary file, which
    ``close()`` (or leaving a ``with`` block) deletes. ``path`` (and the
    hash) is None when the server said 304."""

    url: str
    path: Path | None
    size: int  # bytes of the body
    etag: str | None
    last_modified: str | None
    charset: str | None
    sha256: str | None = None  # hex digest of the body

    @property
    def not_modified(self) -> bool:
        return self.path is None

    def read_bytes(self) -> bytes:
        """The whole body, for files small enough to be read at once."""
        if self.path is None:
            raise ValueError(f"{self.url} was not modified: there is no body to read")
        return self.path.read_bytes()

    def close(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "Download":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def file_name(url: str) -> str:
    """The file name at the end of a URL's path, for messages and resource names."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or url


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


@dataclass(frozen=True)
class Guard:
    """Decides which addresses a harvester may connect to."""

    allowed: frozenset[str]

    def checked_address(self, host: str, port: int) -> str:
        """The address to connect to for ``host:port``, or RefusedAddress."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise FetchError(_("Cannot resolve {host}: {error}").format(host=host, error=error))
        addresses = [info[4][0] for info in infos]
        self._refuse_private(host, port, addresses)
        return addresses[0]

    def check_url(self, url: str) -> None:
        """What can be checked of a URL without the network, as when a source
        is saved: an http(s) URL whose host, when it is an IP address or
        ``localhost``, is public or allow-listed. A host name is checked each
        time it is resolved, at every connection: DNS answers change."""
        check_url(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise RefusedAddress(_("{url} is not a valid URL").format(url=url))
        if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
            self._refuse_private(host, port, ["127.0.0.1"])
        elif _is_address(host):
            self._refuse_private(host, port, [host])

    def _refuse_private(self, host: str, port: int, addresses: list[str]) -> None:
        if f"{host.lower()}:{port}" in self.allowed:
            return
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            raise RefusedAddress(
                _(
                    "Refused to connect to {host}:{port}: {address} is a private, "
                    "loopback, link-local or multicast address (allow it with "
                    "ckanext.issy.harvest.allowed_hosts)"
                ).format(host=host, port=port, address=refused[0])
            )


def _guarded_pool(pool: type[HTTPConnectionPool], connection: type[HTTPConnection], guard: Guard) -> type:
    class GuardedConnection(connection):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            # Connect to the checked address; the host name stays for TLS (SNI, certificate).
            name = self._dns_host
            self._dns_host = guard.checked_address(name, self.port)
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    return type(f"Guarded{pool.__name__}", (pool,), {"ConnectionCls": GuardedConnection})


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        self._guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _guarded_pool(HTTPConnectionPool, HTTPConnection, self._guard),
            "https": _guarded_pool(HTTPSConnectionPool, HTTPSConnection, self._guard),
        }


class CappedRetry(Retry):
    """urllib3's Retry, with Retry-After honoured up to ``retry_after_max`` seconds
    (a server asking for an hour would otherwise block a harvest consumer)."""

    def __init__(self, *args: Any, retry_after_max: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_max = retry_after_max

    def new(self, **kwargs: Any) -> "CappedRetry":
        retry = super().new(**kwargs)
        retry.retry_after_max = self.retry_after_max
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.retry_after_max)


def session(settings: HttpSettings) -> requests.Session:
    """A session whose every connection goes through the guard."""
    http = requests.Session()
    # No proxies from the environment: the guard must see the real destination.
    http.trust_env = False
    http.max_redirects = MAX_REDIRECTS
    http.headers["User-Agent"] = settings.user_agent
    retry = CappedRetry(
        total=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=("GET", "HEAD"),
        respect_retry_after_header=True,
        raise_on_status=False,
        retry_after_max=settings.retry_after_max,
    )
    http.adapters.clear()
    adapter = _GuardedAdapter(Guard(settings.allowed), max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def check_url(url: str) -> None:
    """Only absolute http(s) URLs; raises RefusedAddress otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(_("Only http and https URLs can be harvested: {url}").format(url=url))


def _too_big(url: str, settings: HttpSettings) -> FetchError:
    # The message names the setting to raise: the source kind's own, if it has one.
    return FetchError(_("{url} is larger than the limit of {limit} bytes ({option})").format(
        url=url, limit=settings.max_bytes, option=settings.max_bytes_option))


@contextmanager
def _temporary_file(directory: str | None) -> Iterator[tuple[Path, BinaryIO]]:
    """A new file, open for writing, deleted again if the block fails."""
    descriptor, name = tempfile.mkstemp(prefix="issy-harvest-", suffix=".download", dir=directory)
    path = Path(name)
    try:
        with open(descriptor, "wb") as file:
            yield path, file
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _save_capped(response: requests.Response, settings: HttpSettings) -> tuple[Path, int, str]:
    """The body in a temporary file, its size and SHA-256, hashed chunk by
    chunk while the next one arrives; the size limit is checked first from
    Content-Length, then after every chunk."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise _too_big(response.url, settings)
    digest = hashlib.sha256()
    size = 0
    with _temporary_file(settings.download_dir) as (path, file):
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > settings.max_bytes:
                raise _too_big(response.url, settings)
            digest.update(chunk)
            file.write(chunk)
    return path, size, digest.hexdigest()


def fetch(url: str, settings: HttpSettings, etag: str | None = None,
          last_modified: str | None = None) -> Download:
    """Download ``url`` into a temporary file, which the caller deletes with
    ``Download.close()``; with ``etag``/``last_modified`` from the previous
    run, an unchanged file comes back as a Download without a file."""
    check_url(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with session(settings) as http, http.get(
            url, headers=headers, timeout=settings.timeout, stream=True
        ) as response:
            if response.status_code == 304:
                return Download(response.url, None, 0, etag, last_modified, None)
            if response.status_code != 200:
                raise HttpStatusError(
                    _("{url} answered HTTP {status} {reason}").format(
                        url=url, status=response.status_code, reason=response.reason or ""
                    ).strip(),
                    response.status_code, next(response.iter_content(ERROR_BODY_BYTES), b""),
                )
            path, size, sha256 = _save_capped(response, settings)
            return Download(
                response.url, path, size, response.headers.get("ETag"),
                response.headers.get("Last-Modified"), response.encoding if
                "charset" in response.headers.get("Content-Type", "").lower() else None,
                sha256,
            )
    except requests.Timeout:
        raise FetchError(_("{url} did not answer within {seconds} seconds").format(
            url=url, seconds=settings.timeout))
    except requests.TooManyRedirects:
        raise FetchError(_("{url} redirects more than {count} times").format(url=url, count=MAX_REDIRECTS))
    except requests.exceptions.InvalidSchema:
        raise RefusedAddress(_("{url} redirects to a URL that is not http or https").format(url=url))
    except requests.RequestException as error:
        raise FetchError(_("Download of {url} failed: {error}").format(url=url, error=error))
    except OSError as error:  # after RequestException, which is one too: the disk (full, unwritable)
        raise FetchError(_("Download of {url} could not be saved in {directory}: {error}").format(
            url=url, directory=settings.download_dir or tempfile.gettempdir(), error=error))

