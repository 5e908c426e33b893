"""Row-level writes to typed DataStore tables: upsert by a key, append, prune,
roll up; and reading a small table's rows as typed values.

For tables refreshed often rather than replaced whole, such as the real-time
parking's (about 1,000 spaces every minute: a current-state table upserted
by space, a history table appended to and pruned). With ``datastore`` (which
creates the tables and replaces their rows), the only modules writing with
the DataStore's write engine. Each write is ONE transaction
(``datastore.write_transaction``): readers in other connections see the rows
as they were before it or after it, never between; a failed write (a bad
value, a key given twice, a missing table) is rolled back whole and raises
``DataStoreError``. Rows arrive as ``replace_rows``' do: ``COPY`` into a
staging table, their full-text vectors computed as the DataStore's trigger
would; every write changes the table's version (``datastore.table_version``)
if, and only if, it changed rows.

An upsert updates the rows whose key exists, then inserts the others, instead
of ``INSERT ... ON CONFLICT``: that takes an ``_id`` from the table's int4
sequence for every row, updated or not, which 1,000 rows a minute would use
up in about four years. Rows equal to the stored ones are not rewritten: an
unchanged feed makes no new row version and no new table version.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ckanext.datastore.backend.postgres import get_read_engine, identifier
from ckanext.issy.harvesters.core.datastore import (
    Column, DataStoreError, Value, column_names, has_unique_key, insert_staged, no_unique_key,
    stage_rows, write_transaction,
)

# What a roll-up may compute for a column (SQL aggregates, by name: never SQL
# from a caller); a mean keeps two decimals, not numeric's sixteen.
AGGREGATES = {"avg": "round(avg({}), 2)", "min": "min({})", "max": "max({})", "any": "bool_or({})"}
from ckanext.issy.language import _


def _failure() -> str:
    return _("Writing to the DataStore table of resource {id} failed, the table is unchanged: {error}")


def upsert(resource_id: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]],
           key: Sequence[str]) -> int:
    """Updates the rows whose ``key`` (one or several columns) is in the
    table, inserts the others, in one transaction; returns how many rows were
    inserted or changed. The table needs a unique index on ``key``:
    ``datastore.ensure_table(..., primary_key=key)``."""
    table = identifier(resource_id)
    with write_transaction(resource_id, _failure()) as cursor:
        _check_key(cursor, table, columns, key)
        stage_rows(cursor, table, columns, rows, ids=False)
        _check_staged_keys(cursor, key)
        same_key = " AND ".join(f"stored.{identifier(k)} = new.{identifier(k)}" for k in key)
        new_cells = ", ".join(f"new.{identifier(c.id)}" for c in columns)
        stored_cells = ", ".join(f"stored.{identifier(c.id)}" for c in columns)
        # As text: json has no equality; the text is what readers get.
        cursor.execute(
            f"UPDATE {table} AS stored SET ({column_names(columns)}, _full_text) = ({new_cells}, new._full_text)"
            f" FROM issy_load AS new WHERE {same_key}"
            f" AND ROW({stored_cells})::text IS DISTINCT FROM ROW({new_cells})::text")
        changed = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} ({column_names(columns)}, _full_text)"
            f" SELECT {new_cells}, new._full_text FROM issy_load AS new"
            f" WHERE NOT EXISTS (SELECT FROM {table} AS stored WHERE {same_key})")
        return changed + cursor.rowcount


def _check_key(cursor: Any, table: str, columns: Sequence[Column], key: Sequence[str]) -> None:
    written = {column.id for column in columns}
    absent = [name for name in key if name not in written]
    if not key or absent:
        raise DataStoreError(_("the key columns ({key}) must be among the columns written").format(key=", ".join(key)))
    if not has_unique_key(cursor, table, key):
        raise no_unique_key(key)


def _check_staged_keys(cursor: Any, key: Sequence[str]) -> None:
    """Refuses rows without a key and keys given twice, which the unique index
    would not: NULLs are never equal, and an update would pick one row."""
    names = ", ".join(identifier(name) for name in key)
    no_key = " OR ".join(f"{identifier(name)} IS NULL" for name in key)
    cursor.execute(f"SELECT count(*) FROM issy_load WHERE {no_key}")
    if cursor.fetchone()[0]:
        raise DataStoreError(_("a row has no value for the key ({key})").format(key=", ".join(key)))
    cursor.execute(f"SELECT {names} FROM issy_load GROUP BY {names} HAVING count(*) > 1 LIMIT 1")
    repeated = cursor.fetchone()
    if repeated:
        raise DataStoreError(_("the key ({key}) = ({values}) is given to more than one row").format(
            key=", ".join(key), values=", ".join(map(str, repeated))))


def append(resource_id: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]]) -> None:
    """Inserts the rows, in one transaction; their _ids follow the rows' order."""
    table = identifier(resource_id)
    with write_transaction(resource_id, _failure()) as cursor:
        stage_rows(cursor, table, columns, rows, ids=True)
        insert_staged(cursor, table, columns)


def delete_older_than(resource_id: str, column: str, timestamp: date) -> int:
    """Deletes the rows whose ``column`` is before ``timestamp``, in one
    transaction; returns how many. For a ``timestamptz`` column, give an
    aware datetime (an instant); for a ``timestamp`` column, a naive one in
    the local time the column holds."""
    table = identifier(resource_id)
    with write_transaction(resource_id, _failure()) as cursor:
        _check_time_zone(cursor, table, column, timestamp)
        cursor.execute(f"DELETE FROM {table} WHERE {identifier(column)} < %s", (timestamp,))
        return cursor.rowcount


def _check_time_zone(cursor: Any, table: str, column: str, timestamp: date) -> None:
    """Refuses to compare local times with instants: PostgreSQL would convert
    one to the other in the session's time zone, not the data's."""
    cursor.execute("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s::regclass"
                   " AND attname = %s AND attnum > 0 AND NOT attisdropped", (table, column))
    found = cursor.fetchone()
    if found is None:
        raise DataStoreError(_("it has no column {column}").format(column=column))
    aware = isinstance(timestamp, datetime) and timestamp.utcoffset() is not None
    if found[0] == "timestamp with time zone" and not aware:
        raise DataStoreError(_("column {column} holds instants (timestamptz): give a date and time "
                               "with its time zone").format(column=column))
    if found[0] == "timestamp without time zone" and aware:
        raise DataStoreError(_("column {column} holds local times (timestamp): give a date and time "
                               "without time zone, in the local time of the column").format(column=column))


def delete_except(resource_id: str, column: str, kept: Iterable[str]) -> int:
    """Deletes the rows whose ``column`` is not one of ``kept``, in one
    transaction; returns how many."""
    table = identifier(resource_id)
    with write_transaction(resource_id, _failure()) as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE NOT ({identifier(column)}::text = ANY(%s))", (list(kept),))
        return cursor.rowcount


def read_rows(resource_id: str, columns: Sequence[Column]) -> list[tuple[Any, ...]]:
    """Every row of a small table (a current state, not a history), as
    PostgreSQL's types give them (Decimal, aware datetime, bool), in the
    order of ``columns``; read on the read engine."""
    connection = get_read_engine().raw_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column_names(columns)} FROM {identifier(resource_id)} ORDER BY _id")
            return cursor.fetchall()
    except Exception as error:
        raise DataStoreError(_("Reading the DataStore table of resource {id} failed: {error}").format(
            id=resource_id, error=error)) from error
    finally:
        connection.close()


def roll_up(resource_id: str, columns: Sequence[Column], time_column: str, before: datetime,
            keys: Sequence[str], aggregates: Mapping[str, str], level: tuple[str, str, str]) -> int:
    """Replaces the rows of level ``level[1]`` (in column ``level[0]``) whose
    ``time_column`` (timestamptz) is before ``before`` by one row per hour
    and ``keys`` of level ``level[2]``, each column of ``aggregates``
    computed by its aggregate (a name of AGGREGATES), in one transaction;
    returns how many rows were rolled up. ``columns``: every column of the
    table, each one the time, a key, an aggregate or the level."""
    table = identifier(resource_id)
    level_column, fine, coarse = level
    cells = []
    for column in columns:
        name = identifier(column.id)
        if column.id == time_column:
            cells.append(f"date_trunc('hour', {name})")
        elif column.id in keys:
            cells.append(name)
        elif column.id == level_column:
            cells.append("%(coarse)s")
        else:
            cells.append(AGGREGATES[aggregates[column.id]].format(name))
    group = ", ".join(["1", *(identifier(key) for key in keys)])
    where = f"{identifier(time_column)} < %(before)s AND {identifier(level_column)} = %(fine)s"
    parameters = {"before": before, "fine": fine, "coarse": coarse}
    with write_transaction(resource_id, _failure()) as cursor:
        _check_time_zone(cursor, table, time_column, before)
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")  # hours of an instant, whatever the session's zone
        cursor.execute(f"SELECT {', '.join(cells)} FROM {table} WHERE {where} GROUP BY {group} ORDER BY 1",
                       parameters)
        rows = cursor.fetchall()
        cursor.execute(f"DELETE FROM {table} WHERE {where}", parameters)
        rolled = cursor.rowcount
        stage_rows(cursor, table, columns, rows, ids=True)
        insert_staged(cursor, table, columns)
        return rolled
