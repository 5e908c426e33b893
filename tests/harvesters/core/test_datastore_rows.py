"""Upsert, append and prune on the DataStore's write engine, each in one
transaction, on the parking tables of conftest.py."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine

from ckanext.issy.harvesters.core import datastore, datastore_rows
from ckanext.issy.harvesters.core.datastore import DataStoreError
from tests.harvesters.core.conftest import GARAGES, HISTORY, PARIS, STATE, full_text_differing, rows, search

AT_0831 = datetime(2025, 6, 14, 8, 31, tzinfo=PARIS)
TROIS_MOULINS_OPEN = ["trois-moulins", "Parking Les Trois Moulins", 14, 380, "ouvert", AT_0831]
CORENTIN_CELTON = ["corentin-celton", "Parking Corentin-Celton", 203, 250, "ouvert", AT_0831]
SECOND_0230 = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=PARIS)  # the clocks went back at 03:00


def test_upsert_updates_the_rows_whose_key_exists_and_inserts_the_others(state: str) -> None:
    changed = datastore_rows.upsert(state, STATE, [TROIS_MOULINS_OPEN, CORENTIN_CELTON], key=["parking"])
    assert changed == 2
    # The updated row keeps its _id, and took none from the sequence: the new row gets the next one.
    assert rows(state, "_id", "parking", "places_libres", "etat", "mesure_le") == [
        (1, "hotel-de-ville", 112, "ouvert", "2025-06-14T08:30:00+02:00"),
        (2, "trois-moulins", 14, "ouvert", "2025-06-14T08:31:00+02:00"),
        (3, "ile-saint-germain", 57, "ouvert", "2025-06-14T08:30:00+02:00"),
        (4, "corentin-celton", 203, "ouvert", "2025-06-14T08:31:00+02:00"),
    ]


def test_upsert_by_a_key_of_several_columns(history: str) -> None:
    changed = datastore_rows.upsert(history, HISTORY, [
        ["hotel-de-ville", 40, "ouvert", SECOND_0230],
        ["trois-moulins", 0, "complet", SECOND_0230],
    ], key=["parking", "mesure_le"])
    assert changed == 2
    assert rows(history, "parking", "places_libres", "mesure_le")[2:] == [
        ("hotel-de-ville", 2, "2025-10-26T02:30:00+02:00"),  # the first 02:30, untouched
        ("hotel-de-ville", 3, "2025-10-26T02:00:00+01:00"),
        ("hotel-de-ville", 40, "2025-10-26T02:30:00+01:00"),
        ("hotel-de-ville", 5, "2025-10-26T03:00:00+01:00"),
        ("trois-moulins", 0, "2025-10-26T02:30:00+01:00"),
    ]


def row_versions(resource_id: str) -> list[str]:
    with get_read_engine().connect() as connection:
        return connection.exec_driver_sql(f'SELECT xmin::text FROM "{resource_id}" ORDER BY _id').scalars().all()


def test_rows_equal_to_the_stored_ones_are_not_rewritten(state: str) -> None:
    before, version = row_versions(state), datastore.table_version(state)
    assert datastore_rows.upsert(state, STATE, reversed(GARAGES), key=["parking"]) == 0
    assert row_versions(state) == before and datastore.table_version(state) == version


def test_append_adds_the_rows_after_the_others_in_their_order(history: str) -> None:
    datastore_rows.append(history, HISTORY, [
        ["hotel-de-ville", 61, "ouvert", datetime(2025, 10, 26, 3, 30, tzinfo=PARIS)],
        ["hotel-de-ville", 58, "ouvert", datetime(2025, 10, 26, 4, 0, tzinfo=PARIS)],
    ])
    assert rows(history, "_id", "places_libres")[-3:] == [(6, 5), (7, 61), (8, 58)]


def test_prune_deletes_only_the_rows_measured_before_the_instant(history: str) -> None:
    second_0200 = datetime(2025, 10, 26, 2, 0, fold=1, tzinfo=PARIS)  # 01:00 UTC
    assert datastore_rows.delete_older_than(history, "mesure_le", second_0200) == 3
    assert rows(history, "mesure_le") == [
        ("2025-10-26T02:00:00+01:00",), ("2025-10-26T02:30:00+01:00",), ("2025-10-26T03:00:00+01:00",)]


def test_prune_with_nothing_older_deletes_nothing_and_keeps_the_version(history: str) -> None:
    version = datastore.table_version(history)
    assert datastore_rows.delete_older_than(history, "mesure_le", datetime(2025, 10, 25, tzinfo=PARIS)) == 0
    assert len(rows(history, "_id")) == 6 and datastore.table_version(history) == version


def test_the_full_text_of_the_written_rows_is_the_datastore_triggers(state: str) -> None:
    closed = ["trois-moulins", "Parking Les Trois Moulins", 0, 380, "fermé", AT_0831]
    datastore_rows.upsert(state, STATE, [closed], key=["parking"])
    datastore_rows.append(state, STATE, [CORENTIN_CELTON])
    assert full_text_differing(state) == 0  # timestamps included
    assert [r["parking"] for r in search(state, q="fermé")] == ["trois-moulins"]
    assert search(state, q="complet") == []
    assert [r["parking"] for r in search(state, q="Celton")] == ["corentin-celton"]


# Each write changes the three car parks of the fixture; what a reader sees after it.
WRITES: dict[str, tuple[Callable[[str], Any], list[tuple[str, int]]]] = {
    "upsert": (lambda table: datastore_rows.upsert(table, STATE, [TROIS_MOULINS_OPEN, CORENTIN_CELTON], ["parking"]),
               [("hotel-de-ville", 112), ("trois-moulins", 14), ("ile-saint-germain", 57), ("corentin-celton", 203)]),
    "append": (lambda table: datastore_rows.append(table, STATE, [CORENTIN_CELTON]),
               [("hotel-de-ville", 112), ("trois-moulins", 0), ("ile-saint-germain", 57), ("corentin-celton", 203)]),
    "prune": (lambda table: datastore_rows.delete_older_than(table, "mesure_le", AT_0831), []),
    "replace_rows": (lambda table: datastore.replace_rows(table, STATE, [TROIS_MOULINS_OPEN, CORENTIN_CELTON]),
                     [("trois-moulins", 14), ("corentin-celton", 203)]),
}


@contextmanager
def writes_held_after_their_first_change(resource_id: str) -> Iterator[Callable[[Future], None]]:
    """Locks the table's version row: a write to the table stops, uncommitted,
    at the end of its first statement that changed rows (its version trigger
    waits for the row). Yields a function that waits until a write is held."""
    blocker = get_write_engine().raw_connection()
    watcher = get_write_engine().raw_connection()
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), version FROM ckanext_issy.table_versions"
                           " WHERE resource_id = %s FOR UPDATE", (resource_id,))
            pid = cursor.fetchone()[0]

        def wait_until_held(write: Future) -> None:
            deadline = time.monotonic() + 60  # only so that a broken write cannot hang the suite
            with watcher.cursor() as cursor:
                while not write.done() and time.monotonic() < deadline:
                    cursor.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted"
                                   " AND %s = ANY(pg_blocking_pids(pid)))", (pid,))
                    if cursor.fetchone()[0]:
                        return
                    watcher.rollback()
                    time.sleep(0.01)
            write.result()  # the write's own error, if it failed
            pytest.fail("the write was never held by the version row")

        yield wait_until_held
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()


@pytest.mark.parametrize("write", WRITES)
def test_a_reader_sees_the_rows_before_or_after_a_write_never_between(state: str, write: str) -> None:
    run, after = WRITES[write]
    before = rows(state, "parking", "places_libres")
    version = datastore.table_version(state)
    with ThreadPoolExecutor(1) as pool, writes_held_after_their_first_change(state) as wait_until_held:
        done = pool.submit(run, state)
        wait_until_held(done)
        # The write has applied its first statement, uncommitted (replace_rows: the delete).
        assert rows(state, "parking", "places_libres") == before
        assert datastore.table_version(state) == version
    done.result()
    assert rows(state, "parking", "places_libres") == after
    assert datastore.table_version(state) != version


FAILURES: dict[str, tuple[Callable[[str], Any], str]] = {
    "a value that is not a number": (lambda table: datastore_rows.upsert(table, STATE, [
        TROIS_MOULINS_OPEN, ["ile-saint-germain", "Parking Île Saint-Germain", "beaucoup", 150, "ouvert", AT_0831],
    ], ["parking"]), "beaucoup"),
    "a key given twice": (lambda table: datastore_rows.upsert(table, STATE, [
        CORENTIN_CELTON, TROIS_MOULINS_OPEN, ["trois-moulins", "Parking Les Trois Moulins", 13, 380, "ouvert", AT_0831],
    ], ["parking"]), "trois-moulins"),
    "a row without its key": (lambda table: datastore_rows.upsert(table, STATE, [
        TROIS_MOULINS_OPEN, ["", "Parking sans nom", 3, 10, "ouvert", AT_0831],
    ], ["parking"]), "parking"),
    "a key without unique index": (lambda table: datastore_rows.upsert(table, STATE, [TROIS_MOULINS_OPEN], ["nom"]), "nom"),
    "a key that is not written": (lambda table: datastore_rows.upsert(table, STATE[1:], [TROIS_MOULINS_OPEN[1:]], ["parking"]),
                                  "parking"),
    "appending a key already there": (lambda table: datastore_rows.append(table, STATE, [CORENTIN_CELTON, GARAGES[0]]),
                                      "hotel-de-ville"),
    "a local time against instants": (lambda table: datastore_rows.delete_older_than(
        table, "mesure_le", datetime(2025, 6, 14, 9, 0)), "mesure_le"),
    "a column that does not exist": (lambda table: datastore_rows.delete_older_than(table, "releve_le", AT_0831), "releve_le"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_write_changes_nothing_and_says_why(state: str, failure: str) -> None:
    run, cause = FAILURES[failure]
    before = rows(state, "_id", "parking", "places_libres", "etat", "mesure_le")
    version = datastore.table_version(state)
    with pytest.raises(DataStoreError, match=cause) as raised:
        run(state)
    assert state in str(raised.value)
    assert rows(state, "_id", "parking", "places_libres", "etat", "mesure_le") == before
    assert datastore.table_version(state) == version


def test_writing_to_a_table_that_does_not_exist_is_refused(with_plugins: None) -> None:
    missing = str(uuid.uuid4())
    for write in (lambda: datastore_rows.upsert(missing, STATE, GARAGES, ["parking"]),
                  lambda: datastore_rows.append(missing, STATE, GARAGES),
                  lambda: datastore_rows.delete_older_than(missing, "mesure_le", AT_0831)):
        with pytest.raises(DataStoreError, match=missing):
            write()
