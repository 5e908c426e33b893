"""The production configuration of deploy/ (docs/production.md): gunicorn's
settings load, nginx accepts the rendered site, and a real nginx + gunicorn
pair on 127.0.0.1 serves the test site compressed, with cache headers."""
from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import production
from devstack.errors import StackError
from devstack.settings import ROOT
from devstack.testrun import ckan_series, run_name

TEST_INI = ROOT / "test.ini"


def _server() -> production.WebServer:
    return production.WebServer(
        f"test-{run_name(ckan_series())}", TEST_INI, production.free_port(), production.free_port()
    )


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served() -> Iterator[production.WebServer]:
    """The test site under gunicorn (one worker) behind nginx."""
    with production.running(_server(), workers=1) as server:
        yield server


def test_gunicorn_settings_load_with_the_application() -> None:
    # --print-config loads wsgi.py, hence CKAN with the test site's ini.
    result = subprocess.run(
        [production.GUNICORN, "-c", str(production.GUNICORN_CONF), "--print-config"],
        capture_output=True, text=True, cwd="/", env={**os.environ, "CKAN_INI": str(TEST_INI)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
    assert settings["wsgi_app"] == "wsgi:application"
    assert settings["bind"] == "['127.0.0.1:8080']"
    assert settings["preload_app"] == "False"
    assert Path(settings["chdir"]) == production.GUNICORN_CONF.parent


def test_the_rendered_nginx_site_passes_nginx_t() -> None:
    server = _server()
    conf = production.prepare(server)  # runs `nginx -t`
    site = (server.directory / "site.conf").read_text()
    assert not re.search(r"\$\{ISSY_[A-Z_]+\}", site)
    assert f"listen 127.0.0.1:{server.port};" in site
    assert conf.exists()


def test_a_missing_value_is_named() -> None:
    with pytest.raises(StackError, match="ISSY_WEBASSETS"):
        production.render_site({"ISSY_LISTEN": "80"})


def test_pages_are_compressed(served: production.WebServer) -> None:
    for encoding in ("gzip", "br"):
        status, headers, _ = _get(served.url + "/", **{"Accept-Encoding": encoding})
        assert status == 200
        assert headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in headers["Vary"]


def test_fingerprinted_bundles_are_cached_for_a_year(served: production.WebServer) -> None:
    _, _, page = _get(served.url + "/")
    bundle = re.search(rb'href="(/webassets/[^"]+\.css)"', page).group(1).decode()
    status, headers, _ = _get(served.url + bundle, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert "ETag" in headers and "Last-Modified" in headers


def test_ckan_static_files_are_cached_and_revalidated(served: production.WebServer) -> None:
    url = served.url + "/base/images/ckan-logo.png"
    status, headers, _ = _get(url)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=604800"
    assert _get(url, **{"If-None-Match": headers["ETag"]})[0] == 304
    assert _get(url, **{"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_other_static_paths_reach_ckan(served: production.WebServer) -> None:
    # /base/ files that CKAN's public directory lacks fall through to CKAN.
    assert _get(served.url + "/base/no-such-file.css")[0] == 404
    assert _get(served.url + "/robots.txt")[0] == 200
