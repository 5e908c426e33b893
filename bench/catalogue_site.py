"""The demo's portal at catalogue scale, for ``bench/lighthouse.py
--datasets N`` (docs/performance.md, "Theme").

A copy of the demo's CKAN database (``CREATE DATABASE … TEMPLATE``: its
sample datasets, harvests and views) to which bench/loading.py writes the
first N datasets of bench/catalogue.py, the search benchmark's generator,
then rebuilds the search index. The DataStore database is the demo's (the
pages only read it); CKAN's Redis database is one of its own, so that
nothing cached for the demo's ten datasets is served for the copy's
thousands.

The copy is kept between runs and used again while it holds the same N
datasets of the same seed: making it takes about 7 minutes for 20,000, most
of them the index (``--fresh`` makes it again, from the demo as it is then).
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import catalogue, loading  # noqa: E402
from devstack import ckan_cli, database, demo, sample_data, siteconfig  # noqa: E402
from devstack.settings import DEMO_DATABASES, DEV  # noqa: E402

DATABASE = "issy_bench_catalogue"
# Neither the demo's (0) nor a test slot's (1-14); bench/load.py's harvest
# queues use it too, under keys of their own.
REDIS_DB = 15
INI = DEV / "bench-catalogue.ini"
STAMP = DEV / "bench-catalogue.json"


def prepare(admin_url: str, datasets: int, seed: int = 1, fresh: bool = False) -> Path:
    """The ini of the demo's site holding ``datasets`` more datasets of the
    catalogue: the copy kept from an earlier run if it holds those, else a
    new one. The demo must be prepared (``demo.prepare``) and not running:
    PostgreSQL copies a database that nobody is connected to."""
    wanted = {"datasets": datasets, "seed": seed}
    kept = STAMP.exists() and json.loads(STAMP.read_text()) == wanted
    if kept and not fresh and database.database_exists(admin_url, DATABASE):
        ckan_cli.run("db", "upgrade", ini=INI)  # the extension's migrations since it was made
        return INI
    STAMP.unlink(missing_ok=True)
    database.copy_database(admin_url, DEMO_DATABASES.main, DATABASE)
    _write_ini()
    print(f"Loading {datasets:,} datasets of bench/catalogue.py into {DATABASE} and indexing them "
          "(about 7 minutes for 20,000)…", flush=True)
    sample_data.in_ckan(INI, lambda: _load(datasets, seed))
    STAMP.write_text(json.dumps(wanted))
    return INI


def _write_ini() -> None:
    """The demo's ini, with the copy for CKAN's database and a Redis
    database of its own."""
    shutil.copyfile(demo.INI, INI)
    settings = siteconfig.current(INI)
    siteconfig.apply(INI, {
        "sqlalchemy.url": database.with_database(settings["sqlalchemy.url"], DATABASE),
        "ckan.redis.url": siteconfig.redis_url(settings["ckan.redis.url"], REDIS_DB),
    })


def _load(datasets: int, seed: int) -> None:
    import ckan.plugins.toolkit as tk  # once in_ckan has loaded the site's configuration

    redis.Redis.from_url(tk.config["ckan.redis.url"]).flushdb()  # what an earlier copy cached
    user = loading.site_user()
    loading.create_owners(user)
    loading.write_rows(catalogue.datasets(0, datasets, seed), user)
    seconds = loading.index()
    print(f"Indexed in {seconds:.0f} s.", flush=True)
