"""Harvests a portal with data.gouv.fr's own harvester and prints what it stored.

    .venv-udata/bin/python devstack/udata_harvest.py {dcat,ckan} URL

Runs in udata's virtualenv (`.venv-udata`, built by make), never in CKAN's:
it imports only udata, mongomock and the standard library (devstack/datagouv.py
runs it). udata boots with an in-memory MongoDB (mongomock), the licence
list of data.gouv.fr (datagouv_licences.json) and loopback addresses allowed; a harvest
source of the given backend is created on URL and harvested once, as
data.gouv.fr's scheduler does. The job, its items and every dataset udata
created are printed on stdout as one JSON document; udata's own log goes to
stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import mongomock

LICENCES = Path(__file__).resolve().parent / "datagouv_licences.json"


class Settings:
    """What udata needs to boot, and no server: no MongoDB, Redis or search."""

    SECRET_KEY = "udata-interop-tests"
    SECURITY_PASSWORD_SALT = "udata-interop-tests"
    API_TOKEN_SECRET = "udata-interop-tests"
    MONGODB_SETTINGS = {"host": "mongodb://localhost/udata", "mongo_client_class": mongomock.MongoClient}
    HARVESTER_BACKENDS = ["ckan", "dcat"]
    # The test portal listens on 127.0.0.x: data.gouv.fr refuses local
    # addresses, a test must allow them.
    URLS_ALLOW_LOCAL = True
    # Resource URLs of real hosts are checked as written, never looked up in DNS.
    URLS_RESOLVE_HOSTNAME = False
    # Tasks run in the process instead of going to a Celery broker, and no mail is sent.
    CELERY_TASK_ALWAYS_EAGER = True
    SEND_MAIL = False


def boot() -> Any:
    from udata.app import create_app, standalone

    return standalone(create_app("udata.settings.Defaults", override=Settings))


def load_licences() -> None:
    """data.gouv.fr's licences into udata's License collection, by udata's
    own `udata licenses FILE` command (its report goes to stderr)."""
    import click
    from udata.core.dataset.commands import licenses

    with click.Context(licenses), contextlib.redirect_stdout(sys.stderr):
        licenses.callback(str(LICENCES))


def harvest(backend: str, url: str) -> Any:
    from udata.harvest.backends import get_backend
    from udata.harvest.models import HarvestSource

    source = HarvestSource.objects.create(name="Portail d'Issy-les-Moulineaux", url=url, backend=backend)
    return get_backend(backend)(source).harvest()


def resource(res: Any) -> dict[str, Any]:
    return {"title": res.title, "url": res.url, "format": res.format, "mime": res.mime,
            "filesize": res.filesize, "type": res.type}


def coverage(dataset: Any) -> dict[str, Any]:
    spatial, temporal = dataset.spatial, dataset.temporal_coverage
    return {
        "temporal_coverage": {"start": temporal.start.isoformat() if temporal and temporal.start else None,
                              "end": temporal.end.isoformat() if temporal and temporal.end else None},
        "spatial": {"geom": spatial.geom if spatial else None,
                    "zones": [str(zone.id) for zone in spatial.zones] if spatial else [],
                    "granularity": spatial.granularity if spatial else None},
    }


def dataset(item: Any) -> dict[str, Any]:
    found = item.dataset
    return {
        "remote_id": item.remote_id,
        "title": found.title,
        "description": found.description,
        "license": found.license.id if found.license else None,
        "frequency": found.frequency.value if found.frequency else None,
        **coverage(found),
        "tags": sorted(found.tags),
        "resources": [resource(res) for res in found.resources],
        "extras": found.extras,
    }


def report(job: Any) -> dict[str, Any]:
    return {
        "status": job.status,
        "errors": [error.message for error in job.errors],
        "items": [{"remote_id": item.remote_id, "status": item.status,
                   "errors": [error.message for error in item.errors]} for item in job.items],
        "datasets": [dataset(item) for item in job.items if item.dataset],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backend", choices=("dcat", "ckan"))
    parser.add_argument("url")
    args = parser.parse_args(argv)
    app = boot()
    with app.app_context():
        load_licences()
        job = harvest(args.backend, args.url)
        json.dump(report(job), sys.stdout, ensure_ascii=False, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
