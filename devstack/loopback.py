"""Servers of the demo and the tests that send nothing beyond loopback.

``http.server.HTTPServer.server_bind`` (under every server of the standard
library and of werkzeug) looks its own address up in reverse
(``socket.getfqdn``): for 127.0.0.2 or 127.0.0.3, which /etc/hosts does not
name, that is a DNS query to the machine's resolver, off loopback. The
servers here skip it; they are only reached by address.
"""
from __future__ import annotations

import socketserver
from http.server import ThreadingHTTPServer


class NoReverseLookup:
    """Mixin, before an ``http.server.HTTPServer`` subclass."""

    server_address: tuple[str, int]

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # type: ignore[arg-type]
        self.server_name, self.server_port = self.server_address[:2]


class LoopbackHTTPServer(NoReverseLookup, ThreadingHTTPServer):
    """``ThreadingHTTPServer`` without the reverse lookup."""
