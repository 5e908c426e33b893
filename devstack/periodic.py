"""The periodic tasks of a portal, for the demo (production uses cron: see docs/operations)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack import ckan_cli

# (command, interval in seconds): harvest jobs are started often so that a
# source created in the demo is harvested promptly; page views are summed
# every few minutes for "Les plus consultées".
TASKS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("harvester", "run"), 60),
    (("tracking", "update"), 300),
)


def main(ini: Path) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    due = {command: 0.0 for command, _ in TASKS}
    while True:
        for command, interval in TASKS:
            if time.monotonic() >= due[command]:
                due[command] = time.monotonic() + interval
                result = subprocess.run(
                    [ckan_cli.CKAN, "-c", str(ini), *command], capture_output=True, text=True
                )
                status = "ok" if result.returncode == 0 else f"failed: {result.stderr.strip()[-300:]}"
                print(f"ckan {' '.join(command)}: {status}", flush=True)
        time.sleep(1)
