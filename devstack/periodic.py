"""The periodic tasks of a portal, for the demo (production uses cron: see docs/operations)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack import ckan_cli
from devstack.featuring import NOT_YET
from devstack.settings import ROOT


@dataclass(frozen=True)
class Task:
    command: tuple[str, ...]
    interval: int  # seconds
    ckan: bool = True  # a `ckan` command; otherwise a `python -m devstack` one
    until_done: bool = False  # run until it exits 0, then no more
    tries: int = 0  # an until_done task stops after so many runs (0: never)

    def argv(self, ini: Path) -> list[str]:
        if self.ckan:
            return [ckan_cli.CKAN, "-c", str(ini), *self.command]
        return [sys.executable, "-m", "devstack", *self.command, str(ini)]

    @property
    def name(self) -> str:
        return f"{'ckan' if self.ckan else 'devstack'} {' '.join(self.command)}"


# Harvest jobs are started often so that a source created in the demo is
# harvested promptly; page views are summed every few minutes for "Les plus
# consultées"; the sample budget's report and the sample election's results
# are featured once harvested (their views exist only then), and never again.
TASKS: tuple[Task, ...] = (
    Task(("harvester", "run"), 60),
    Task(("tracking", "update"), 300),
    # Each run loads CKAN: an hour of tries, should the sample budget never be harvested.
    Task(("feature-views",), 60, ckan=False, until_done=True, tries=60),
)
Run = Callable[..., subprocess.CompletedProcess]


def _status(task: Task, result: subprocess.CompletedProcess) -> str:
    # A devstack command says what it did in its last line (ckan's are verbose).
    said = "" if task.ckan or not result.stdout.strip() else f" ({result.stdout.strip().splitlines()[-1]})"
    if result.returncode == 0:
        return "ok" + said
    if task.until_done and result.returncode == NOT_YET:
        return "not yet" + said
    return f"failed: {result.stderr.strip()[-300:]}"


def run_due(tasks: list[Task], due: dict[Task, float], runs: Counter[Task], ini: Path,
            run: Run = subprocess.run) -> list[Task]:
    """Run the tasks that are due; the tasks to keep running."""
    remaining = []
    for task in tasks:
        if time.monotonic() < due[task]:
            remaining.append(task)
            continue
        due[task] = time.monotonic() + task.interval
        runs[task] += 1
        result = run(task.argv(ini), capture_output=True, text=True, cwd=ROOT)
        print(f"{task.name}: {_status(task, result)}", flush=True)
        if task.until_done and result.returncode == 0:
            continue
        if task.until_done and task.tries and runs[task] >= task.tries:
            print(f"{task.name}: stopped after {runs[task]} runs", flush=True)
            continue
        remaining.append(task)
    return remaining


def main(ini: Path) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tasks = list(TASKS)
    due = {task: 0.0 for task in tasks}
    runs: Counter[Task] = Counter()
    while True:
        tasks = run_due(tasks, due, runs, ini)
        time.sleep(1)
