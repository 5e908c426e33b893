"""Typed DataStore tables replaced in one transaction on the write engine, and their versions."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine

from ckanext.issy.harvesters.core import datastore, datastore_rows
from ckanext.issy.harvesters.core.datastore import Column
from tests.harvesters.core.conftest import GARAGES, PARIS, STATE, full_text_differing, new_resource, rows, search

COLUMNS = [
    Column("chapitre", "text", "Chapitre", "Code du chapitre budgétaire."),
    Column("montant", "numeric", "Montant", "Montant en euros."),
    Column("vote_le", "date", "Voté le", "Date du vote."),
]
OLD = [["011", Decimal("28450000.10"), "2024-03-28"], ["012", Decimal("61230000"), None]]


@pytest.fixture
def resource(with_plugins: None, clean_db: None, clean_index: None) -> tuple[str, dict[str, Any]]:
    from ckan.tests import factories

    user = factories.Sysadmin()
    package = factories.Dataset(user=user, owner_org=factories.Organization(user=user)["id"])
    resource = factories.Resource(package_id=package["id"], url="http://example.org/budget.csv")
    context = {"user": user["name"]}
    datastore.load(resource["id"], COLUMNS, OLD, context)
    return resource["id"], context


@pytest.fixture
def empty_table(with_plugins: None, clean_db: None, clean_index: None) -> str:
    """A table just created by datastore_create, before its first load."""
    from ckan.tests import factories

    user = factories.Sysadmin()
    package = factories.Dataset(user=user, owner_org=factories.Organization(user=user)["id"])
    resource = factories.Resource(package_id=package["id"], url="http://example.org/budget.csv")
    datastore.ensure_table(resource["id"], COLUMNS, {"user": user["name"]})
    return resource["id"]


def indexes(resource_id: str) -> set[tuple[str, str]]:
    with get_read_engine().connect() as connection:
        return set(connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (resource_id,)).fetchall())


def count_while_loading(resource_id: str, loads: list[list[list[Any]]]) -> set[int]:
    """The row counts a reader sees while the tables are loaded one after the other."""
    seen: set[int] = set()
    done = threading.Event()
    engine = get_read_engine()

    def read() -> None:  # one short transaction per query, as datastore_search does
        while not done.is_set():
            with engine.connect() as connection:
                seen.add(connection.exec_driver_sql(f'SELECT count(*) FROM "{resource_id}"').scalar())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for rows in loads:
            datastore.replace_rows(resource_id, COLUMNS, rows)
    finally:
        done.set()
        reader.join()
    return seen


def records(resource_id: str) -> list[dict[str, Any]]:
    result = tk.get_action("datastore_search")({"ignore_auth": True}, {"resource_id": resource_id, "sort": "_id"})
    return [{k: v for k, v in r.items() if k != "_id"} for r in result["records"]]


def test_the_table_is_typed_and_carries_the_data_dictionary(resource: tuple[str, dict]) -> None:
    info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource[0]})
    assert [(f["id"], f["type"]) for f in info["fields"]] == [("chapitre", "text"), ("montant", "numeric"), ("vote_le", "date")]
    assert info["fields"][1]["info"] == {"label": "Montant", "notes": "Montant en euros."}
    rows = records(resource[0])
    assert [(r["chapitre"], r["montant"]) for r in rows] == [("011", 28450000.10), ("012", 61230000)]
    assert rows[0]["vote_le"].startswith("2024-03-28") and rows[1]["vote_le"] is None


@pytest.mark.parametrize("label", [
    "Charges à caractère général",  # plain text: COPY's text format
    "Fournitures\tet « petit » équipement",  # a tab: CSV
    "Ligne 1\nligne 2",  # a line break: CSV
    "Ligne 1\r\nligne 2",
    "C:\\budget\\2024 \\N \\.",  # backslashes, COPY's escapes: CSV
    '"entre guillemets", virgule',
])
def test_cells_are_loaded_exactly_as_given_and_empty_cells_as_null(resource: tuple[str, dict], label: str) -> None:
    rows = [[label, "1234.5", "2024-03-28"], ["", "", ""], ["012", "-0.25", ""]]
    datastore.load(resource[0], COLUMNS, rows, resource[1])
    loaded = records(resource[0])
    assert [(r["chapitre"], r["montant"], r["vote_le"]) for r in loaded[1:]] == [(None, None, None), ("012", -0.25, None)]
    assert (loaded[0]["chapitre"], loaded[0]["montant"]) == (label, 1234.5)


def test_replacing_the_rows_swaps_them_all(resource: tuple[str, dict]) -> None:
    datastore.load(resource[0], COLUMNS, [["65", Decimal("-1.5"), None]], resource[1])
    assert records(resource[0]) == [{"chapitre": "65", "montant": -1.5, "vote_le": None}]


def test_a_failed_load_leaves_the_previous_rows_as_they_were(resource: tuple[str, dict]) -> None:
    before = records(resource[0])
    bad = [["65", Decimal("1"), None], ["66", "pas un nombre", None]]
    with pytest.raises(datastore.DataStoreError, match="les lignes précédentes sont conservées"):
        datastore.load(resource[0], COLUMNS, bad, resource[1])
    assert records(resource[0]) == before


def staging_tables() -> list[str]:
    with get_read_engine().connect() as connection:
        return connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE '\\_issy\\_stage\\_%%'").scalars().all()


def test_no_staging_table_outlives_a_load_good_or_bad(resource: tuple[str, dict]) -> None:
    datastore.load(resource[0], COLUMNS, [["65", Decimal("1"), None]], resource[1])
    with pytest.raises(datastore.DataStoreError):
        datastore.load(resource[0], COLUMNS, [["66", "pas un nombre", None]], resource[1])
    assert staging_tables() == []


def test_a_table_with_other_columns_is_not_overwritten(resource: tuple[str, dict]) -> None:
    with pytest.raises(datastore.DataStoreError, match="n’a pas les colonnes attendues"):
        datastore.load(resource[0], COLUMNS[:2], [["65", Decimal("1")]], resource[1])
    assert len(records(resource[0])) == 2


def test_readers_see_the_old_rows_or_the_new_rows_never_a_mix(resource: tuple[str, dict]) -> None:
    old = [[f"{i:03d}", Decimal(i), None] for i in range(3000)]
    new = [[f"{i:03d}", Decimal(i), None] for i in range(5000)]
    datastore.load(resource[0], COLUMNS, old, resource[1])
    assert count_while_loading(resource[0], [new, old, new, old, new]) <= {3000, 5000}


def test_a_reader_holding_the_empty_table_does_not_block_the_first_load(empty_table: str) -> None:
    before = indexes(empty_table)
    with get_read_engine().connect() as reader:  # a transaction left open on the table
        reader.exec_driver_sql(f'SELECT count(*) FROM "{empty_table}"').scalar()
        datastore.replace_rows(empty_table, COLUMNS, OLD)  # keeps the indexes after INDEX_LOCK_WAIT
    assert len(records(empty_table)) == 2 and indexes(empty_table) == before


def test_the_full_text_is_the_datastore_triggers_and_q_finds_the_rows(resource: tuple[str, dict]) -> None:
    assert full_text_differing(resource[0]) == 0
    search = tk.get_action("datastore_search")
    for q, chapitre in (("61230000", "012"), ("011", "011"), ("2024-03-28", "011")):
        found = search({"ignore_auth": True}, {"resource_id": resource[0], "q": q})["records"]
        assert [r["chapitre"] for r in found] == [chapitre]


def test_the_ids_follow_the_order_of_the_rows(resource: tuple[str, dict]) -> None:
    rows = [[f"{i:03d}", Decimal(i), None] for i in range(50, 0, -1)]
    datastore.load(resource[0], COLUMNS, rows, resource[1])
    result = tk.get_action("datastore_search")({"ignore_auth": True}, {"resource_id": resource[0], "sort": "_id", "limit": 100})
    assert [r["chapitre"] for r in result["records"]] == [row[0] for row in rows]


def test_a_first_load_builds_the_same_indexes_again(empty_table: str) -> None:
    before = indexes(empty_table)
    assert any("_full_text" in definition for _name, definition in before)
    datastore.replace_rows(empty_table, COLUMNS, OLD)
    assert indexes(empty_table) == before
    assert len(records(empty_table)) == 2


def test_a_failed_first_load_leaves_the_empty_table_and_its_indexes(empty_table: str) -> None:
    before = indexes(empty_table)
    with pytest.raises(datastore.DataStoreError):
        datastore.replace_rows(empty_table, COLUMNS, [["65", Decimal("1"), None], ["66", "pas un nombre", None]])
    assert records(empty_table) == [] and indexes(empty_table) == before


def test_readers_of_a_first_load_see_no_rows_or_every_row(empty_table: str) -> None:
    rows = [[f"{i:03d}", Decimal(i), None] for i in range(5000)]
    assert count_while_loading(empty_table, [rows]) <= {0, 5000}
    assert len(tk.get_action("datastore_search")({"ignore_auth": True}, {"resource_id": empty_table})["records"]) == 100


# Table versions, on the parking tables of conftest.py.

def versions_after(writes: dict[str, Callable[[], Any]], resource_id: str) -> dict[str, int]:
    versions = {}
    for name, write in writes.items():
        write()
        versions[name] = datastore.table_version(resource_id)
    return versions


def test_the_version_changes_with_every_write_whoever_writes(state: str) -> None:
    ignore_auth = {"ignore_auth": True}
    versions = {"created": datastore.table_version(state)} | versions_after({
        "upsert": lambda: datastore_rows.upsert(state, STATE, [["trois-moulins", "Parking Les Trois Moulins", 9, 380,
                                                                "ouvert", "2025-06-14T08:31:00+02:00"]], ["parking"]),
        "append": lambda: datastore_rows.append(state, STATE, [["corentin-celton", "Parking Corentin-Celton", 203, 250,
                                                                "ouvert", "2025-06-14T08:31:00+02:00"]]),
        "prune": lambda: datastore_rows.delete_older_than(state, "mesure_le", datetime(2025, 6, 14, 8, 31, tzinfo=PARIS)),
        "replace_rows": lambda: datastore.replace_rows(state, STATE, GARAGES),
        "datastore_upsert": lambda: tk.get_action("datastore_upsert")(dict(ignore_auth), {
            "resource_id": state, "method": "upsert", "force": True,
            "records": [{"parking": "hotel-de-ville", "places_libres": 98}]}),
        "datastore_delete": lambda: tk.get_action("datastore_delete")(dict(ignore_auth), {
            "resource_id": state, "force": True, "filters": {"parking": "ile-saint-germain"}}),
        "datastore_create": lambda: tk.get_action("datastore_create")(dict(ignore_auth), {
            "resource_id": state, "force": True, "records": [{"parking": "ile-saint-germain", "places_libres": 60}]}),
    }, state)
    assert len(set(versions.values())) == len(versions), versions
    assert rows(state, "parking", "places_libres") == [("hotel-de-ville", 98), ("trois-moulins", 0), ("ile-saint-germain", 60)]


def test_the_version_stays_on_reads_failed_writes_and_writes_that_change_nothing(state: str) -> None:
    version = datastore.table_version(state)
    ignore_auth = {"ignore_auth": True}
    unchanged = versions_after({
        "datastore_search": lambda: search(state, q="ouvert"),
        "equal rows upserted": lambda: datastore_rows.upsert(state, STATE, GARAGES, ["parking"]),
        "no rows appended": lambda: datastore_rows.append(state, STATE, []),
        "nothing older pruned": lambda: datastore_rows.delete_older_than(state, "mesure_le", datetime(2025, 1, 1, tzinfo=PARIS)),
        "datastore_delete of no row": lambda: tk.get_action("datastore_delete")(dict(ignore_auth), {
            "resource_id": state, "force": True, "filters": {"parking": "parking-disparu"}}),
    }, state)
    assert set(unchanged.values()) == {version}, unchanged
    with pytest.raises(datastore.DataStoreError):
        datastore_rows.upsert(state, STATE, [[*GARAGES[1][:2], "beaucoup", *GARAGES[1][3:]]], ["parking"])
    with pytest.raises(tk.ValidationError):
        tk.get_action("datastore_upsert")(dict(ignore_auth), {
            "resource_id": state, "method": "upsert", "force": True,
            "records": [{"parking": "trois-moulins", "places_libres": 4}, {"parking": "hotel-de-ville", "places_libres": "beaucoup"}]})
    assert datastore.table_version(state) == version
    assert rows(state, "places_libres") == [(112,), (0,), (57,)]


def test_the_read_only_user_reads_the_version_in_the_snapshot_of_the_rows(state: str) -> None:
    assert get_read_engine().url.username != get_write_engine().url.username
    before = datastore.table_version(state)
    with get_read_engine().connect().execution_options(isolation_level="REPEATABLE READ") as reader:
        with reader.begin():
            assert datastore.table_version(state, reader) == before
            datastore_rows.upsert(state, STATE, [[*GARAGES[0][:2], 111, *GARAGES[0][3:]]], ["parking"])
            assert datastore.table_version(state, reader) == before  # the snapshot of the rows read so far
            assert reader.exec_driver_sql(f'SELECT places_libres FROM "{state}" ORDER BY _id').scalars().all() == [112, 0, 57]
    assert datastore.table_version(state) > before
    assert rows(state, "places_libres") == [(111,), (0,), (57,)]


def test_a_table_deleted_then_created_again_never_gets_an_old_version_back(state: str) -> None:
    from ckan.tests import factories

    old = datastore.table_version(state)
    context = {"user": factories.Sysadmin()["name"]}  # deleting and creating the table changes its resource
    tk.get_action("datastore_delete")(dict(context), {"resource_id": state, "force": True})
    with pytest.raises(datastore.DataStoreError, match=state):
        datastore.table_version(state)
    datastore.ensure_table(state, STATE, context, primary_key=["parking"])
    assert datastore.table_version(state) > old


def test_a_table_created_by_the_datastore_alone_gets_a_version_once_prepared(
        with_plugins: None, clean_db: None, clean_index: None) -> None:
    resource_id, context = new_resource("parkings-temps-reel")
    tk.get_action("datastore_create")(dict(context), {
        "resource_id": resource_id, "force": True, "fields": [c.field() for c in STATE], "primary_key": ["parking"],
        "records": [{"parking": "hotel-de-ville", "places_libres": 112}]})
    with pytest.raises(datastore.DataStoreError, match=resource_id):
        datastore.table_version(resource_id)
    datastore.ensure_table(resource_id, STATE, context, primary_key=["parking"])
    version = datastore.table_version(resource_id)
    tk.get_action("datastore_upsert")({"ignore_auth": True}, {
        "resource_id": resource_id, "method": "upsert", "force": True,
        "records": [{"parking": "hotel-de-ville", "places_libres": 110}]})
    assert datastore.table_version(resource_id) > version


def test_a_table_without_the_unique_index_of_its_key_is_refused(with_plugins: None, clean_db: None, clean_index: None) -> None:
    resource_id, context = new_resource("parkings-temps-reel")
    datastore.ensure_table(resource_id, STATE, context)
    with pytest.raises(datastore.DataStoreError, match=r"\(parking\)"):
        datastore.ensure_table(resource_id, STATE, context, primary_key=["parking"])
    with pytest.raises(datastore.DataStoreError, match=r"\(parking\)"):
        datastore_rows.upsert(resource_id, STATE, GARAGES, ["parking"])
    assert rows(resource_id, "parking") == []


def test_the_versions_are_set_up_again_when_missing_by_processes_at_once(
        with_plugins: None, clean_db: None, clean_index: None) -> None:
    tables = [new_resource(name) for name in ("parkings-temps-reel", "parkings-historique", "parkings-velos")]
    for resource_id, context in tables:
        datastore.ensure_table(resource_id, STATE, context, primary_key=["parking"])
    with get_write_engine().begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {datastore.VERSION_SCHEMA} CASCADE")  # its triggers go with it
    with ThreadPoolExecutor(len(tables)) as pool:
        list(pool.map(lambda table: datastore.ensure_table(table[0], STATE, table[1], primary_key=["parking"]), tables))
    for resource_id, _context in tables:
        version = datastore.table_version(resource_id)  # read by the read-only user: granted again
        datastore_rows.append(resource_id, STATE, GARAGES)
        assert datastore.table_version(resource_id) > version


def test_a_write_from_a_session_without_statistics_counters_still_changes_the_version(state: str) -> None:
    import os

    import psycopg2
    from sqlalchemy.engine import make_url

    # Only a superuser may switch the counters off: the test stack's administrator, on loopback.
    admin = make_url(os.environ["ISSY_TEST_PG_ADMIN_URL"]).set(database=get_write_engine().url.database)
    version = datastore.table_version(state)
    with psycopg2.connect(admin.render_as_string(hide_password=False)) as connection, connection.cursor() as cursor:
        cursor.execute("SET track_counts = off")
        cursor.execute(f'UPDATE "{state}" SET places_libres = 111 WHERE parking = %s', ("hotel-de-ville",))
    connection.close()
    assert datastore.table_version(state) > version
    assert rows(state, "places_libres") == [(111,), (0,), (57,)]
