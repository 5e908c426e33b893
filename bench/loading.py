"""Putting bench/catalogue.py's datasets into a CKAN site, and indexing them.

Two ways to write a dataset, giving the same database rows:

- ``package_create`` (validation, the plugins' hooks, an activity), with
  indexing deferred: ``defer_commit`` + ``return_id_only`` make CKAN 2.12's
  ``package_create`` skip its ``package_show`` and its index write (CKAN 2.11
  still indexes when the batch commits). 4 to 10 datasets/s on the 2-core
  machine of docs/performance.md, half of it the activity's ``package_show``.
- ``write_rows``: the rows ``package_create`` writes (package, extras,
  resources, tags, the organisation and group memberships), written with
  CKAN's model classes in batches, without validation, hooks or activity:
  a few hundred a second. tests/bench/test_search_bench.py checks that
  ``package_show`` gives the same dataset both ways.

Either way the index is built afterwards by CKAN's own
``ckan.lib.search.rebuild`` (what ``ckan search-index rebuild`` runs), which
``index`` times.

Also what the benches of a DataStore table share (bench/aggregate.py,
bench/map.py, bench/views.py): the guard on the site's databases (``check_test_databases``),
a public dataset whose resource's table is loaded the harvesters' way, or
kept from an earlier run (``prepare_table``, ``table_holds``), and the
table's cached results deleted from Redis (``forget``).
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable, Iterable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import ckan.lib.search as search
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

from bench import catalogue

BATCH = 500
INDEX_TABLE = "issy_search_index"


def site_user() -> str:
    """The site user's name (a sysadmin: it may set ``metadata_modified``)."""
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def check_test_database(*urls: Any) -> None:
    """Refuse to touch anything but test databases (issy_test_*) on
    127.0.0.0/8: CKAN's own, or each of ``urls``."""
    for given in urls or (model.Session.get_bind().url,):
        url = make_url(str(given))
        if not (url.host or "").startswith("127.") or not (url.database or "").startswith("issy_test_"):
            raise SystemExit(f"Refusing to run on {url.database!r} on {url.host!r}: "
                             "the bench runs on a test database (issy_test_*) on 127.0.0.0/8 only")


def check_test_databases() -> None:
    """Refuse anything but the test databases (issy_test_*) on 127.0.0.0/8:
    CKAN's and the DataStore's, as each engine reaches them."""
    from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine

    check_test_database(model.meta.engine.url, get_write_engine().url, get_read_engine().url)


def reset_database() -> None:
    """Delete every row of CKAN's tables (the index rows go with the
    datasets: ON DELETE CASCADE)."""
    check_test_database()
    model.repo.delete_all()


def count_datasets() -> int:
    return model.Session.query(model.Package).count()


def holds_prefix(count: int, seed: int) -> bool:
    """Whether the database holds exactly the first ``count`` datasets of
    the catalogue (checked by their first and last names)."""
    if count == 0:
        return count_datasets() == 0
    names = [catalogue.dataset(0, seed)["name"], catalogue.dataset(count - 1, seed)["name"]]
    found = model.Session.query(model.Package.name).filter(model.Package.name.in_(names)).count()
    return found == len(set(names)) and count_datasets() == count


def create_owners(user: str) -> None:
    """The catalogue's organisations and groups, unless they exist."""
    existing = {name for (name,) in model.Session.query(model.Group.name)}
    for action, items in (("organization_create", catalogue.organizations()),
                          ("group_create", catalogue.groups())):
        for item in items:
            if item["name"] not in existing:
                tk.get_action(action)({"user": user}, dict(item))


def create_datasets(datasets: Iterable[dict[str, Any]], user: str) -> int:
    """``package_create`` each dataset, committing every 50, indexing
    deferred; returns how many."""
    count = 0
    for count, dataset in enumerate(datasets, 1):
        context = {"user": user, "defer_commit": True, "return_id_only": True}
        tk.get_action("package_create")(context, dataset)
        if count % 50 == 0:
            model.repo.commit()
    model.repo.commit()
    return count


def write_rows(datasets: Iterable[dict[str, Any]], user: str) -> int:
    """The rows ``package_create`` would write for each dataset, created by
    ``user``, in batches of ``BATCH``; returns how many datasets."""
    user_id = model.User.get(user).id
    owners = {name: id_ for id_, name in model.Session.query(model.Group.id, model.Group.name)}
    tags = {name: id_ for id_, name in model.Session.query(model.Tag.id, model.Tag.name)
            .filter(model.Tag.vocabulary_id.is_(None))}
    batch = _Batch()
    count = 0
    for count, dataset in enumerate(datasets, 1):
        batch.add(dataset, user_id, owners, tags)
        if count % BATCH == 0:
            batch = batch.commit()
    batch.commit()
    return count


class _Batch:
    """Packages and resources as model objects (their columns differ
    between CKAN versions: extras), tags, tag links and memberships as plain
    rows: model objects linked by relationships would load every dataset of
    a tag or group through their backrefs."""

    def __init__(self) -> None:
        self.tags: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []

    def add(self, dataset: dict[str, Any], user_id: str, owners: dict[str, str],
            tags: dict[str, str]) -> None:
        now = dt.datetime.utcnow()
        # Ids set here rather than at INSERT: no flush per dataset (CKAN's
        # before-flush hook walks every object of the session, each time).
        package = model.Package(
            id=make_uuid(), name=dataset["name"], title=dataset["title"], notes=dataset["notes"],
            license_id=dataset["license_id"], owner_org=owners[dataset["owner_org"]],
            type="dataset", state="active", private=False, creator_user_id=user_id,
            metadata_created=now, metadata_modified=dt.datetime.fromisoformat(dataset["metadata_modified"]),
        )
        model.Session.add(package)
        package.extras = {extra["key"]: extra["value"] for extra in dataset["extras"]}
        for position, resource in enumerate(dataset["resources"]):
            row = model.Resource(package_id=package.id, created=now, metadata_modified=now, **resource)
            row.position, row.state = position, "active"
            model.Session.add(row)
        for name in (tag["name"] for tag in dataset["tags"]):
            if name not in tags:
                tags[name] = make_uuid()
                self.tags.append({"id": tags[name], "name": name, "vocabulary_id": None})
            self.links.append({"id": make_uuid(), "package_id": package.id, "tag_id": tags[name],
                               "state": "active"})
        memberships = [(dataset["owner_org"], "organization")] + [(g["name"], "public") for g in dataset["groups"]]
        self.members += [{"id": make_uuid(), "group_id": owners[group], "table_id": package.id,
                          "table_name": "package", "capacity": capacity, "state": "active"}
                         for group, capacity in memberships]

    def commit(self) -> "_Batch":
        model.Session.flush()
        for table, rows in ((model.tag_table, self.tags), (model.package_tag_table, self.links),
                            (model.member_table, self.members)):
            if rows:
                model.Session.execute(table.insert(), rows)
        model.repo.commit()
        return _Batch()


def load(size: int, seed: int, api_limit: int, reuse: bool,
         progress: Callable[[str], None] = print) -> dict[str, float]:
    """Make the database hold the first ``size`` datasets of the catalogue:
    keep what is there with ``reuse`` when it is a prefix of it (otherwise
    reset), then add the missing ones, those numbered below ``api_limit``
    with ``package_create``, the others with ``write_rows``. Returns the
    seconds spent on each way."""
    present = count_datasets()
    if not (reuse and present <= size and holds_prefix(present, seed)):
        reset_database()
        present = 0
    user = site_user()
    create_owners(user)
    timings = {"package_create": 0.0, "rows": 0.0}
    api_stop = max(present, min(size, api_limit))
    if api_stop > present:
        progress(f"package_create: datasets {present}-{api_stop - 1}")
        timings["package_create"] = _timed(lambda: create_datasets(
            catalogue.datasets(present, api_stop, seed), user))
    if size > api_stop:
        progress(f"rows: datasets {api_stop}-{size - 1}")
        timings["rows"] = _timed(lambda: write_rows(catalogue.datasets(api_stop, size, seed), user))
    return timings


def index() -> float:
    """Empty the index, then time CKAN's full rebuild (``ckan search-index
    rebuild``: ``package_show`` of each dataset, every plugin's
    ``before_dataset_index``, one row each, one commit at the end)."""
    search.clear_all()
    model.repo.commit()
    # Compact the emptied table and its indexes: the size measured is that
    # of a fresh index, not of the index of an earlier, larger run.
    vacuum("FULL")
    seconds = _timed(lambda: search.rebuild(defer_commit=True, quiet=True))
    vacuum("ANALYZE")
    return seconds


def index_is_current() -> bool:
    """Whether the index holds one row per active dataset, none written
    before its dataset's last change (``--keep-index``)."""
    stale = model.Session.execute(sa.text(
        f"SELECT (SELECT count(*) FROM package WHERE state = 'active') <> "
        f"(SELECT count(*) FROM {INDEX_TABLE}) OR EXISTS (SELECT 1 FROM package p "
        f"LEFT JOIN {INDEX_TABLE} i ON i.id = p.id WHERE p.state = 'active' "
        "AND (i.id IS NULL OR i.indexed_at < p.metadata_modified))"
    )).scalar_one()
    return not stale


def vacuum(option: str) -> None:
    """VACUUM the index table; ANALYZE as autovacuum would after a bulk
    change, so that the planner has statistics."""
    with model.Session.get_bind().connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(sa.text(f"VACUUM {option} {INDEX_TABLE}"))


def index_size() -> dict[str, int]:
    """Bytes of the index table (with its TOAST) and of its indexes."""
    row = model.Session.execute(sa.text(
        "SELECT pg_table_size(:t), pg_indexes_size(:t), pg_total_relation_size(:t)"
    ), {"t": INDEX_TABLE}).one()
    return {"table": row[0], "indexes": row[1], "total": row[2]}


def _timed(work: Callable[[], Optional[object]]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


# --- a DataStore table of the benches ----------------------------------------------------
def table_holds(resource_id: str, count: int, column: str, total: Any) -> bool:
    """Whether the resource has a table of the extension (a versioned one)
    holding ``count`` rows whose ``column`` sums to ``total``."""
    from ckanext.datastore.backend.postgres import get_read_engine
    from ckanext.issy.harvesters.core.datastore import DataStoreError, table_version

    try:
        table_version(resource_id)
    except DataStoreError:
        return False
    with get_read_engine().connect() as connection:
        found, summed = connection.exec_driver_sql(f'SELECT count(*), sum("{column}") FROM "{resource_id}"').one()
    return found == count and summed == total


def prepare_table(name: str, *, organization: str, organization_title: str, title: str, resource_name: str,
                  resource_url: str, columns: Sequence[tuple[str, str, str, str]],
                  text: Callable[[], Iterable[Sequence[Optional[str]]]], holds: Callable[[str], bool],
                  reuse: bool, extras: Optional[dict[str, str]] = None,
                  resource_fields: Optional[dict[str, Any]] = None) -> tuple[str, Optional[float]]:
    """The resource of the public dataset ``name`` (``title``, of the
    organisation ``organization``, created with ``organization_title`` if
    missing, with ``extras``), one CSV resource (``resource_name``,
    ``resource_url``, and ``resource_fields``: an ``issy_role``, say)
    whose DataStore table has ``columns`` ((id, DataStore type, label,
    description) each) and the rows ``text`` makes (COPY's text cells), as
    ``ckanext.issy.harvesters.core.datastore.load`` loads a harvest; and the
    seconds the load took, making the text included (None when ``reuse``
    kept an earlier run's table: ``holds(resource_id)`` said it holds these
    rows). Otherwise an earlier dataset of that name is purged, its tables
    deleted, and made again."""
    from ckanext.issy.harvesters.core import datastore

    user = site_user()
    context = lambda: {"user": user, "ignore_auth": True}  # noqa: E731
    try:
        existing = tk.get_action("package_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        existing = None
    if existing is not None:
        resource_id = existing["resources"][0]["id"] if existing["resources"] else ""
        if reuse and resource_id and holds(resource_id):
            return resource_id, None
        for resource in existing["resources"]:
            try:
                tk.get_action("datastore_delete")(context(), {"resource_id": resource["id"], "force": True})
            except tk.ObjectNotFound:
                pass
        tk.get_action("dataset_purge")(context(), {"id": name})
    try:
        tk.get_action("organization_show")(context(), {"id": organization})
    except tk.ObjectNotFound:
        tk.get_action("organization_create")(context(), {"name": organization, "title": organization_title})
    package = tk.get_action("package_create")(context(), {
        "name": name, "owner_org": organization, "private": False, "title": title,
        "extras": [{"key": key, "value": value} for key, value in (extras or {}).items()],
        "resources": [{"name": resource_name, "url": resource_url, "format": "CSV", **(resource_fields or {})}]})
    resource_id = package["resources"][0]["id"]
    specs = [datastore.Column(*spec) for spec in columns]
    return resource_id, _timed(lambda: datastore.load(resource_id, specs, text(), {"user": user}))


def forget(kind: str, resource_id: str) -> None:
    """The resource's cached results of ``kind`` ("aggregate", "points",
    "budget": the keys of ``ckanext.issy.aggregate.cache.key``) deleted from
    Redis."""
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    keys = list(redis.scan_iter(match=f"issy:{kind}:result:{resource_id}:*", count=1000))
    if keys:
        redis.delete(*keys)
