"""wrk, the HTTP load generator (Debian's package), as the benches run it:
bench/load.py (the election results view) and bench/lighthouse.py
(the theme's pages at catalogue scale).

``start`` runs it with ``--latency`` and SCRIPT, ``parse`` reads its
summary. Only loopback addresses are ever given to it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
TIMEOUT = 2  # seconds: a request unanswered by then is a timeout

# wrk counts socket errors and non-2xx/3xx answers only: this counts each
# status, each X-Cache-Status of nginx (deploy/nginx/issy-ckan.conf: HIT,
# UPDATING and STALE are its kept copy; "none" for what nginx never keeps)
# and the 2xx answers without the marker, summed over the threads.
SCRIPT = """\
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) marker = args[1]; statuses = {}; caches = {}; wrong = 0 end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local cache = headers["X-Cache-Status"] or "none"
  caches[cache] = (caches[cache] or 0) + 1
  if status >= 200 and status < 300 and not string.find(body, marker, 1, true) then wrong = wrong + 1 end
end
function done(summary, latency, requests)
  local counts, kept, missing = {}, {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
    for cache, n in pairs(thread:get("caches")) do kept[cache] = (kept[cache] or 0) + n end
    missing = missing + thread:get("wrong")
  end
  for status, n in pairs(counts) do io.write(string.format("Status %d: %d\\n", status, n)) end
  for cache, n in pairs(kept) do io.write(string.format("Cache %s: %d\\n", cache, n)) end
  io.write(string.format("Without the marker: %d\\n", missing))
end
"""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    per_second: float
    p50: float  # seconds
    p99: float
    socket: dict[str, int]  # connect, read, write, timeout
    non_2xx_3xx: int
    without_marker: int
    statuses: dict[int, int]
    cache: dict[str, int]  # answers by nginx's X-Cache-Status

    @property
    def timeouts(self) -> int:
        return self.socket["timeout"]

    @property
    def errors(self) -> int:
        return sum(self.socket.values()) + self.non_2xx_3xx + self.without_marker


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> Result:
    """wrk's summary (with ``--latency`` and WRK_SCRIPT's lines)."""
    def found(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.M)
        if match is None:
            raise ValueError(f"wrk's output has no {pattern!r}:\n{output}")
        return match

    requests = found(r"^\s*(\d+) requests in ([\d.]+\w+),")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        requests=int(requests[1]), seconds=_seconds(requests[2]),
        per_second=float(found(r"^Requests/sec:\s+([\d.]+)")[1]),
        p50=_seconds(found(r"^\s+50%\s+([\d.]+\w+)")[1]), p99=_seconds(found(r"^\s+99%\s+([\d.]+\w+)")[1]),
        socket=dict(zip(("connect", "read", "write", "timeout"), map(int, socket.groups() if socket else ("0",) * 4))),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        without_marker=int(found(r"^Without the marker: (\d+)")[1]),
        statuses={int(code): int(n) for code, n in re.findall(r"^Status (\d+): (\d+)", output, re.M)},
        cache={name: int(n) for name, n in re.findall(r"^Cache (\w+): (\d+)", output, re.M)})


def check_installed() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (devstack/system-deps.sh does it as root)")


def version() -> str:
    return subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]


def start(url: str, marker: str, script: Path, *, connections: int, seconds: int,
          cookie: str = "") -> subprocess.Popen[str]:
    """wrk on ``url`` (with the session ``cookie`` if given), counting the
    2xx answers without ``marker``; read its output with ``parse``."""
    return subprocess.Popen(
        ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", f"--timeout={TIMEOUT}s", "--latency",
         *(["-H", f"Cookie: {cookie}"] if cookie else []), "-s", str(script), url, "--", marker],
        stdout=subprocess.PIPE, text=True)


def run(url: str, marker: str, *, connections: int, seconds: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="issy-wrk-") as directory:
        script = Path(directory) / "count.lua"
        script.write_text(SCRIPT)
        return parse(start(url, marker, script, connections=connections, seconds=seconds).communicate()[0])
