"""A running test portal: the test configuration's CKAN application served
over real HTTP on a loopback address, in threads of the test process.

For the clients that must fetch the portal as they fetch a site in
production (data.gouv.fr's harvesters, run in a process of their own):
``ckan.site_url`` and ``ckanext.dcat.base_uri`` are the server's own address,
so that every absolute URL the portal writes (resource downloads, the
catalogue's paging links) leads back to it. Each request runs in a thread of
its own with its own database session (CKAN's scoped session, removed after
every request); the test's thread writes the data the server then reads.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from werkzeug.serving import ThreadedWSGIServer

from devstack.loopback import NoReverseLookup

HOST = "127.0.0.3"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@dataclass
class LivePortal:
    url: str  # http://127.0.0.3:<port>, without a trailing slash
    # The path and query of each request received, in order.
    requests: list[str] = field(default_factory=list)

    def at(self, path: str) -> str:
        return f"{self.url}/{path.lstrip('/')}"

    def recording(self, app: WSGIApp) -> WSGIApp:
        """``app``, noting each request in ``requests`` first."""
        def recorded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            query = environ.get("QUERY_STRING")
            self.requests.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
            return app(environ, start_response)

        return recorded


def _not_started(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Stands in for CKAN's application between binding and starting."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class _LoopbackServer(NoReverseLookup, ThreadedWSGIServer):
    """werkzeug's threaded server, without the reverse lookup of its address."""


def _serve(server: ThreadedWSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    return thread


@pytest.fixture
def live_portal(with_plugins: None, make_app: Callable[[], Any],
                monkeypatch: pytest.MonkeyPatch) -> Iterator[LivePortal]:
    """The portal at http://127.0.0.3:<ephemeral port>, until the test ends.

    The port is only known once the socket is bound, and the site URL must
    be set before CKAN builds its application: the socket is bound with a
    placeholder application, replaced by CKAN's before serving starts."""
    server = _LoopbackServer(HOST, 0, _not_started)
    portal = LivePortal(f"http://{HOST}:{server.server_port}")
    monkeypatch.setitem(tk.config, "ckan.site_url", portal.url)
    monkeypatch.setitem(tk.config, "ckanext.dcat.base_uri", portal.url)
    server.app = portal.recording(make_app().app)
    thread = _serve(server)
    try:
        yield portal
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
