"""A local HTTP server for tests: serves canned responses on a loopback address."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from itertools import chain
from urllib.parse import parse_qs, urlsplit

from devstack.loopback import LoopbackHTTPServer


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering (to provoke a client's timeout).
    delay: float = 0.0
    # Sent after ``body``, chunk by chunk, without Content-Length (a large or
    # endless download); the server stops when the client hangs up.
    stream: Iterable[bytes] | None = None
    # Announce this Content-Length instead of the body's (a truncated transfer).
    content_length: int | None = None


# A route answers a request's query parameters with a response.
Route = Callable[[dict[str, list[str]]], Response]


@dataclass
class FixtureServer:
    url: str
    routes: dict[str, Route]
    requests: list[str] = field(default_factory=list)
    # The request headers of each request, in order.
    request_headers: list[dict[str, str]] = field(default_factory=list)
    # Bytes of body written for each request, in order.
    sent: list[int] = field(default_factory=list)


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            server.requests.append(self.path)
            server.request_headers.append(dict(self.headers.items()))
            parts = urlsplit(self.path)
            route = server.routes.get(parts.path)
            response = route(parse_qs(parts.query)) if route else Response(b"not found", 404)
            if response.delay:
                time.sleep(response.delay)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.stream is None:
                length = response.content_length if response.content_length is not None else len(response.body)
                self.send_header("Content-Length", str(length))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            server.sent.append(self._write(response))

        def _write(self, response: Response) -> int:
            written = 0
            try:
                # chain, not a tuple: a stream is generated while it is sent, never held whole.
                for chunk in chain((response.body,), response.stream or ()):
                    self.wfile.write(chunk)
                    written += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up: what a size limit does
            if response.stream is not None:
                self.close_connection = True
            return written

        def log_message(self, *args: object) -> None:
            pass  # keep test output readable

    return Handler


def sequence(*responses: Response) -> Route:
    """A route answering each request with the next response (the last one repeats)."""
    remaining = list(responses)

    def route(_query: dict[str, list[str]]) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return route


@contextmanager
def serve(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[FixtureServer]:
    """Serve ``routes`` on ``host`` (a loopback address) and an ephemeral port."""
    if not host.startswith("127."):
        raise ValueError("test servers only listen on loopback addresses")
    fixture = FixtureServer(url="", routes=routes)
    httpd = LoopbackHTTPServer((host, 0), _handler(fixture))
    httpd.daemon_threads = True
    fixture.url = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        httpd.shutdown()
        httpd.server_close()
