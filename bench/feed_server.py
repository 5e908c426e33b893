"""The feed server of bench/harvest.py and bench/elections.py, in a process
of its own.

A city's feed server is another machine: serving the 5.6 MB file from a
thread of the harvesting process would charge the server's work (and its
share of the GIL) to the harvest being measured.

    python bench/feed_server.py FILE --name NAME --runs N [--host 127.0.0.2]
    python bench/feed_server.py --election-rows ROWS --name NAME --runs N [--host 127.0.0.2]

prints its base URL on its first line, then serves until it is terminated:

- ``/<run>/NAME``: FILE, without validators (a client
  can only download it again and compare); with ``--election-rows``, the
  national election results file of ROWS polling stations of
  tests/support/election_results.py, generated a megabyte at a time while
  it is sent (never whole in memory; no Content-Length, the connection
  closed at its end), the same bytes at each request;
- ``/<run>/etag/NAME``: FILE with an ETag, and 304 Not
  Modified to a request that sends it back (a static file server); not
  with ``--election-rows``;
- ``/stats``: ``{"not_modified": n}``, the 304s answered so far; with
  ``--election-rows``, ``{"sent": [bytes, ...]}``: the bytes of body sent
  for each request answered so far.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ETAG = '"budget-primitif-2025-v1"'


def main() -> int:
    from tests.support.http_server import Response, serve

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, nargs="?")
    parser.add_argument("--election-rows", type=int, help="serve generated election results instead of FILE")
    parser.add_argument("--name", required=True, help="the file's name in its URLs")
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.2")
    args = parser.parse_args()
    if (args.file is None) == (args.election_rows is None):
        parser.error("give FILE or --election-rows")
    if args.election_rows is not None:
        return _serve_elections(args.election_rows, args.name, args.runs, args.host)
    data = args.file.read_bytes()
    not_modified = 0

    def static_file(_query: dict[str, list[str]]) -> Response:
        nonlocal not_modified
        if server.request_headers[-1].get("If-None-Match") == ETAG:
            not_modified += 1
            return Response(status=304)
        return Response(data, headers={"ETag": ETAG})

    routes = {f"/{run}/{args.name}": lambda _query: Response(data) for run in range(args.runs)}
    routes.update({f"/{run}/etag/{args.name}": static_file for run in range(args.runs)})
    routes["/stats"] = lambda _query: Response(json.dumps({"not_modified": not_modified}).encode())
    with serve(routes, host=args.host) as server:
        _until_terminated(server.url)
    return 0


def _serve_elections(rows: int, name: str, runs: int, host: str) -> int:
    from tests.support import election_results
    from tests.support.http_server import Response, serve

    def generated(_query: dict[str, list[str]]) -> Response:
        return Response(stream=election_results.chunks(rows))

    routes = {f"/{run}/{name}": generated for run in range(runs)}
    routes["/stats"] = lambda _query: Response(json.dumps({"sent": server.sent}).encode())
    with serve(routes, host=host) as server:
        _until_terminated(server.url)
    return 0


def _until_terminated(url: str) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(url, flush=True)
    stop.wait()


if __name__ == "__main__":
    raise SystemExit(main())
