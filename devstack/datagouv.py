"""data.gouv.fr's own harvesters (udata) run on a portal: the interop tests
use it on their live test portal, ``make datagouv-check`` on the demo.

udata lives in a virtualenv of its own (``.venv-udata``, built by make from
requirements/udata.txt, never mixed with CKAN's); devstack/udata_harvest.py
runs there, harvests once and prints what udata stored as JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from devstack.errors import StackError
from devstack.settings import DEMO_HOST, ROOT, demo_port

UDATA_PYTHON = ROOT / ".venv-udata" / "bin" / "python"
RUNNER = ROOT / "devstack" / "udata_harvest.py"
# The addresses data.gouv.fr is told to harvest: each backend, and for DCAT
# each serialisation (turtle is where the charset trap was).
SOURCES = (("dcat", "catalog.xml"), ("dcat", "catalog.ttl"), ("dcat", "catalog.jsonld"), ("ckan", ""))


def _environment() -> dict[str, str]:
    """This environment without proxies (udata must reach the loopback
    portal directly) nor udata settings of the machine's (UDATA_SETTINGS)."""
    return {key: value for key, value in os.environ.items()
            if "proxy" not in key.lower() and not key.startswith("UDATA_")}


def run_udata(backend: str, url: str) -> dict[str, Any]:
    """Harvest ``url`` with udata's ``backend`` (``dcat`` or ``ckan``); the
    job's status, its items and the datasets udata created."""
    if not UDATA_PYTHON.exists():
        raise StackError(f"{UDATA_PYTHON} is missing: `make .venv-udata/.issy-installed` builds it "
                         "(`make test` does).")
    # In an empty directory: udata also reads a udata.cfg found in its working directory.
    with tempfile.TemporaryDirectory(prefix="udata-") as workdir:
        result = subprocess.run([str(UDATA_PYTHON), str(RUNNER), backend, url], cwd=workdir,
                                env=_environment(), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise StackError(f"udata's {backend} harvester stopped:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def failures(report: dict[str, Any]) -> list[str]:
    """What went wrong in a job: its own errors, then each failed item's."""
    problems = [f"job {report['status']}: {error}" for error in report["errors"]]
    if report["status"] not in ("done", "done-errors") and not problems:
        problems.append(f"job {report['status']}")
    for item in report["items"]:
        if item["status"] == "failed":
            problems.append(f"{item['remote_id']}: {'; '.join(item['errors'])}")
    return problems


def _area(spatial: dict[str, Any]) -> str:
    geometry = spatial["geom"]
    if not geometry:
        return "no area"
    points = sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)
    return f"{geometry['type']} of {len(geometry['coordinates'])} polygon(s), {points} points"


def describe(dataset: dict[str, Any]) -> list[str]:
    """What udata stored for one dataset, as lines for a person to read."""
    start, end = dataset["temporal_coverage"]["start"], dataset["temporal_coverage"]["end"]
    period = f"period {start} to {end}" if start or end else "no period"
    lines = [f"- {dataset['title']}",
             f"    licence {dataset['license']}, frequency {dataset['frequency']}, {period}, "
             f"{_area(dataset['spatial'])}",
             f"    tags: {', '.join(dataset['tags'])}"]
    for res in dataset["resources"]:
        size = f"{res['filesize']} bytes" if res["filesize"] else "size unknown"
        lines.append(f"    resource \"{res['title']}\": {res['format']}, {res['mime']}, {size}, {res['url']}")
    return lines


def check(site: str) -> int:
    """``make datagouv-check``: each backend on ``site``; what udata stored
    for each dataset is printed, and the exit status says whether any item
    failed."""
    status = 0
    for backend, path in SOURCES:
        url = f"{site.rstrip('/')}/{path}"
        report = run_udata(backend, url)
        print(f"== udata {backend} {url}: job {report['status']}, {len(report['datasets'])} dataset(s)")
        for dataset in sorted(report["datasets"], key=lambda found: found["title"]):
            print("\n".join(describe(dataset)))
        for problem in failures(report):
            print(f"FAILED {problem}", file=sys.stderr)
            status = 1
    return status


def main(site: str | None) -> int:
    return check(site or f"http://{DEMO_HOST}:{demo_port()}/")
