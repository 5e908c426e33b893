"""A local HTTP server for tests: serves canned responses on a loopback address."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


# A route answers a request's query parameters with a response.
Route = Callable[[dict[str, list[str]]], Response]


@dataclass
class FixtureServer:
    url: str
    routes: dict[str, Route]
    requests: list[str] = field(default_factory=list)


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            server.requests.append(self.path)
            parts = urlsplit(self.path)
            route = server.routes.get(parts.path)
            response = route(parse_qs(parts.query)) if route else Response(b"not found", 404)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, *args: object) -> None:
            pass  # keep test output readable

    return Handler


@contextmanager
def serve(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[FixtureServer]:
    """Serve ``routes`` on ``host`` (a loopback address) and an ephemeral port."""
    if not host.startswith("127."):
        raise ValueError("test servers only listen on loopback addresses")
    fixture = FixtureServer(url="", routes=routes)
    httpd = ThreadingHTTPServer((host, 0), _handler(fixture))
    fixture.url = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        httpd.shutdown()
        httpd.server_close()
