"""Downloads: allow-list and SSRF guard, retries, timeouts, size cap, conditional
requests, the temporary file."""
from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
import urllib3.util.connection
import urllib3.util.retry

from ckanext.issy.harvesters.core import http
from tests.support.http_server import Response, sequence, serve

BODY = "BGT_NATDEC,BGT_ANNEE\nbudget primitif,2024\n".encode()


def settings_for(url: str, **overrides: object) -> http.HttpSettings:
    host_port = url.split("//", 1)[1]
    values = {"timeout": 5.0, "retries": 2, "backoff": 0.0, "allowed": frozenset({host_port})}
    return http.HttpSettings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every address urllib3 opens a socket to (the real connection still happens)."""
    opened: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def record(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        opened.append(address)
        assert address[0].startswith("127."), f"a test tried to connect to {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    yield opened


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names that resolve to chosen addresses; other names resolve as usual."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def test_an_allow_listed_loopback_server_is_downloaded_from() -> None:
    with serve({"/bp.csv": lambda q: Response(BODY, headers={"ETag": '"v1"'})}, host="127.0.0.2") as server:
        with http.fetch(server.url + "/bp.csv", settings_for(server.url)) as download:
            assert download.read_bytes() == BODY
    assert download.size == len(BODY)
    assert download.etag == '"v1"'


def test_a_download_carries_the_sha256_of_its_whole_body() -> None:
    """Hashed chunk by chunk while streaming: a body of several chunks."""
    body = BODY * (3 * http.CHUNK_BYTES // len(BODY) + 1)
    with serve({"/bp.csv": lambda q: Response(body)}, host="127.0.0.2") as server:
        with http.fetch(server.url + "/bp.csv", settings_for(server.url)) as download:
            assert download.read_bytes() == body
    assert download.sha256 == hashlib.sha256(body).hexdigest()


def test_a_loopback_server_not_in_the_allow_list_is_refused_before_any_request(connections: list) -> None:
    with serve({"/bp.csv": lambda q: Response(BODY)}, host="127.0.0.1") as server:
        with pytest.raises(http.RefusedAddress, match="127.0.0.1"):
            http.fetch(server.url + "/bp.csv", http.HttpSettings(allowed=frozenset({"127.0.0.2:80"})))
        assert server.requests == []
    assert connections == []


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1"])
def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
        address: str, resolver: dict[str, str], connections: list) -> None:
    resolver["donnees.exemple.fr"] = address
    with pytest.raises(http.RefusedAddress, match=address.replace(".", r"\.")):
        http.fetch("http://donnees.exemple.fr/budget.csv", http.HttpSettings())
    assert connections == []


def test_a_redirect_to_a_refused_address_is_not_followed(resolver: dict[str, str], connections: list) -> None:
    resolver["metadata.exemple.fr"] = "169.254.169.254"
    moved = Response(status=302, headers={"Location": "http://metadata.exemple.fr/latest/meta-data/"})
    with serve({"/bp.csv": lambda q: moved}, host="127.0.0.2") as server:
        with pytest.raises(http.RefusedAddress, match="169.254.169.254"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url))
    assert [host for host, _port in connections] == ["127.0.0.2"]


def test_a_redirect_to_a_file_url_is_refused() -> None:
    moved = Response(status=302, headers={"Location": "file:///etc/passwd"})
    with serve({"/bp.csv": lambda q: moved}, host="127.0.0.2") as server:
        with pytest.raises(http.RefusedAddress, match="ni http ni https"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url))


@pytest.mark.parametrize("url", ["ftp://exemple.fr/bp.csv", "file:///etc/passwd", "budget.csv"])
def test_only_absolute_http_and_https_urls_are_accepted(url: str) -> None:
    with pytest.raises(http.RefusedAddress, match="Seules les URL http et https"):
        http.fetch(url, http.HttpSettings())


def test_a_429_is_retried_after_the_delay_the_server_asks_for(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    busy = Response(b"busy", status=429, headers={"Retry-After": "2"})
    with serve({"/bp.csv": sequence(busy, Response(BODY))}, host="127.0.0.2") as server:
        with http.fetch(server.url + "/bp.csv", settings_for(server.url)) as download:
            assert download.read_bytes() == BODY
    assert len(server.requests) == 2
    assert slept == [2.0]


def test_a_retry_after_longer_than_the_maximum_is_shortened(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    busy = Response(b"busy", status=503, headers={"Retry-After": "3600"})
    with serve({"/bp.csv": sequence(busy, Response(BODY))}, host="127.0.0.2") as server:
        http.fetch(server.url + "/bp.csv", settings_for(server.url, retry_after_max=5.0)).close()
    assert slept == [5.0]


def test_an_http_500_is_retried_then_reported_with_its_status() -> None:
    with serve({"/bp.csv": lambda q: Response(b"erreur", status=500)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match="HTTP 500"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url, retries=2))
        assert len(server.requests) == 3


def test_a_server_that_does_not_answer_in_time_is_a_timeout_error() -> None:
    with serve({"/bp.csv": lambda q: Response(BODY, delay=1.0)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match=r"n’a pas répondu dans les 0.2\s+secondes|timed out"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url, timeout=0.2, retries=0))


def test_a_server_that_is_down_is_a_readable_error() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.2:{port}"
    with pytest.raises(http.FetchError, match="Connection refused"):
        http.fetch(url + "/bp.csv", settings_for(url, retries=1))


def test_a_download_over_the_size_limit_is_abandoned_while_streaming() -> None:
    endless = (b"x" * 1024 * 1024 for _ in range(512))  # 512 MiB if read to the end
    with serve({"/big.csv": lambda q: Response(stream=endless)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match="dépasse la limite de 262144 octets"):
            http.fetch(server.url + "/big.csv", settings_for(server.url, max_bytes=256 * 1024))
    assert server.sent[0] < 64 * 1024 * 1024


def test_a_download_announcing_a_size_over_the_limit_is_refused_before_reading() -> None:
    with serve({"/big.csv": lambda q: Response(BODY * 100)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match="dépasse la limite"):
            http.fetch(server.url + "/big.csv", settings_for(server.url, max_bytes=len(BODY)))


def test_a_transfer_cut_short_is_an_error() -> None:
    cut = Response(BODY, content_length=len(BODY) * 10)
    with serve({"/bp.csv": lambda q: cut}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match="a échoué"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url, retries=0))


def test_conditional_requests_send_the_validators_and_304_means_unchanged() -> None:
    not_modified = Response(status=304)
    with serve({"/bp.csv": lambda q: not_modified}, host="127.0.0.2") as server:
        download = http.fetch(server.url + "/bp.csv", settings_for(server.url), etag='"v1"',
                              last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert download.not_modified
    assert download.path is None
    assert download.sha256 is None
    with pytest.raises(ValueError):
        download.read_bytes()
    assert server.request_headers[0]["If-None-Match"] == '"v1"'
    assert server.request_headers[0]["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


# --- the temporary file -------------------------------------------------
def test_the_body_is_in_a_temporary_file_deleted_when_the_download_is_closed(tmp_path: Path) -> None:
    with serve({"/bp.csv": lambda q: Response(BODY)}, host="127.0.0.2") as server:
        with http.fetch(server.url + "/bp.csv", settings_for(server.url, download_dir=str(tmp_path))) as download:
            assert download.path is not None and download.path.parent == tmp_path
            assert download.path.read_bytes() == BODY
    assert list(tmp_path.iterdir()) == []


def test_close_deletes_the_file_without_a_with_block(tmp_path: Path) -> None:
    with serve({"/bp.csv": lambda q: Response(BODY)}, host="127.0.0.2") as server:
        download = http.fetch(server.url + "/bp.csv", settings_for(server.url, download_dir=str(tmp_path)))
    assert [download.path] == list(tmp_path.iterdir())
    download.close()
    assert list(tmp_path.iterdir()) == []


def test_a_download_abandoned_over_the_size_limit_leaves_no_file(tmp_path: Path) -> None:
    endless = (b"x" * 1024 * 1024 for _ in range(512))
    with serve({"/big.csv": lambda q: Response(stream=endless)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match="dépasse la limite"):
            http.fetch(server.url + "/big.csv",
                       settings_for(server.url, max_bytes=3 * 1024 * 1024, download_dir=str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("response, error", [
    (Response(b"erreur", status=500), "HTTP 500"),
    (Response(b"introuvable", status=404), "HTTP 404"),
    (Response(BODY, content_length=len(BODY) * 10), "a échoué"),  # cut short while writing
])
def test_a_failed_download_leaves_no_file(response: Response, error: str, tmp_path: Path) -> None:
    with serve({"/bp.csv": lambda q: response}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match=error):
            http.fetch(server.url + "/bp.csv", settings_for(server.url, retries=0, download_dir=str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_a_download_directory_that_cannot_be_written_is_a_readable_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    with serve({"/bp.csv": lambda q: Response(BODY)}, host="127.0.0.2") as server:
        with pytest.raises(http.FetchError, match=f"(could not be saved in|n’a pas pu être enregistré dans) {missing}"):
            http.fetch(server.url + "/bp.csv", settings_for(server.url, download_dir=str(missing)))


# --- the size limit of a source kind ------------------------------------
def test_the_size_limit_comes_from_the_setting_a_source_kind_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.issy.harvest.elections.max_bytes", "500000000")
    assert http.HttpSettings.from_config().max_bytes == 50 * 1024 * 1024
    assert http.HttpSettings.from_config("ckanext.issy.harvest.elections.max_bytes").max_bytes == 500_000_000


def test_a_file_over_a_source_kinds_limit_names_that_limits_setting() -> None:
    with serve({"/resultats.csv": lambda q: Response(BODY * 100)}, host="127.0.0.2") as server:
        settings = settings_for(server.url, max_bytes=len(BODY),
                                max_bytes_option="ckanext.issy.harvest.elections.max_bytes")
        with pytest.raises(http.FetchError, match=rf"dépasse la limite de {len(BODY)} octets "
                                                  r"\(ckanext\.issy\.harvest\.elections\.max_bytes\)"):
            http.fetch(server.url + "/resultats.csv", settings)
