"""Typed DataStore tables, replaced atomically.

The DataStore's action API cannot replace a table's rows atomically: a
``datastore_delete`` followed by ``datastore_create`` commits twice, so a
reader may see an empty or half-loaded table, and a failed load leaves it
so. This module is the ONLY one of the extension that writes with the
DataStore's write engine directly (``ckanext.datastore.backend.postgres``).

The table itself (columns, types, data dictionary, full-text trigger,
permissions) is created by ``datastore_create``, the DataStore's own way.
Replacing its rows happens in ONE transaction on the write engine: ``COPY``
the new rows as text into a staging table of the same column types
(PostgreSQL casts them), compute their full-text vectors, delete every row,
insert the new ones. PostgreSQL's MVCC does the rest: until the commit,
readers see every old row; after it, every new row; if anything fails, the
rollback leaves the old rows exactly as they were.

The vectors cost more than the rest of the load (``to_tsvector`` over every
cell: about half a second for 20,000 budget lines), so they are computed by
a parallel query (``CREATE TABLE AS`` may use parallel workers, ``INSERT``
may not): the staging table is a real, unlogged one, which workers can read
(they cannot read temporary tables). Created and dropped inside the
transaction, no other session ever sees it. Without free workers
(``max_parallel_workers_per_gather`` 0, or all busy) the same statement runs
in one process.

When the table is empty (its first load), its non-unique indexes (the
full-text GiST index, and on CKAN 2.11 one per text column) are dropped and
built again after the insert, in the same transaction: building an index
once costs less than updating it row by row. Readers of the empty table
wait for the commit instead of seeing it empty; a table with rows is never
locked against readers.
"""
from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import psycopg2.errors
from ckanext.datastore.backend.postgres import get_write_engine, identifier
from ckanext.issy.language import _


# How long a first load waits for readers of the empty table before keeping its indexes.
INDEX_LOCK_WAIT = "2s"


class DataStoreError(Exception):
    """The table cannot be loaded; the previous rows are unchanged."""


@dataclass(frozen=True)
class Column:
    id: str
    type: str  # a DataStore type: text, numeric, date, timestamp, int
    label: str
    description: str

    def field(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "info": {"label": self.label, "notes": self.description}}


Value = str | Decimal | int | None


def _existing_types(resource_id: str) -> dict[str, str] | None:
    try:
        info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource_id})
    except tk.ObjectNotFound:
        return None
    # CKAN 2.11 and 2.12 both list the fields (without _id) under "fields".
    return {field["id"]: field["type"] for field in info["fields"]}


def ensure_table(resource_id: str, columns: Sequence[Column], context: dict[str, Any]) -> None:
    """Create the table with its data dictionary, or check that it has these columns.

    ``context`` names the user: creating a table changes its resource (an activity)."""
    existing = _existing_types(resource_id)
    wanted = {column.id: column.type for column in columns}
    if existing is None:
        tk.get_action("datastore_create")(
            dict(context),
            {"resource_id": resource_id, "force": True, "fields": [c.field() for c in columns]},
        )
    elif existing != wanted:
        raise DataStoreError(
            _("The DataStore table of resource {id} has other columns than expected; "
                 "delete it (datastore_delete) so that the next harvest recreates it").format(id=resource_id)
        )


def _copy_data(rows: Sequence[Sequence[Value]], width: int) -> tuple[str, io.StringIO]:
    """The rows as COPY reads them, and the format options to read them with.
    Either way an empty cell is read as NULL.

    Cells are usually plain text - no tab, line break or backslash - and
    then the rows are joined as COPY's text format, about seven times faster
    than the csv module writes them; otherwise (or for cells that are not
    strings) they are written as CSV, which quotes what needs quoting."""
    try:
        text = "\n".join(map("\t".join, rows))  # type: ignore[arg-type]  # TypeError: not all str
    except TypeError:
        text = None
    if text is not None and _plain_cells(text, len(rows), width):
        return "FORMAT text, NULL ''", io.StringIO(text + "\n" if rows else "")
    buffer = io.StringIO()
    # COPY's csv format reads an unquoted empty field as NULL.
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    return "FORMAT csv", buffer


def _plain_cells(text: str, count: int, width: int) -> bool:
    """Whether ``count`` rows of ``width`` cells joined with tabs and line
    breaks have no cell with a character COPY's text format would read as
    syntax: exactly as many tabs and line breaks as the joins put there, no
    backslash (an escape), no carriage return (a line break too)."""
    return (text.count("\t") == count * (width - 1) and text.count("\n") == max(count - 1, 0)
            and "\\" not in text and "\r" not in text)


def _names(columns: Sequence[Column]) -> str:
    return ", ".join(identifier(column.id) for column in columns)


def _full_text(columns: Sequence[Column]) -> str:
    # The text the DataStore's zfulltext trigger indexes (every column but
    # _id and _full_text, NULLs skipped, separated by spaces), computed for the
    # whole table at once: the trigger's per-row JSON round trip costs more
    # than the rest of the load. A row that arrives with its _full_text set is
    # left alone by the trigger.
    cells = ", ".join(f"{identifier(column.id)}::text" for column in columns)
    return f"to_tsvector(concat_ws(' ', {cells}))"


def _stage(cursor: Any, table: str, columns: Sequence[Column], rows: Sequence[Sequence[Value]]) -> None:
    """The rows and their full-text vectors in the temporary table
    ``issy_load``. The rows are copied (``COPY``) into a staging table typed like
    ``table``: a bad value fails here, before the table is touched. Each row
    takes its _id from the table's sequence as it arrives, so the _ids
    follow the file's order."""
    names = _names(columns)
    stage = identifier(f"_issy_stage_{uuid.uuid4().hex}")
    cursor.execute(f"CREATE UNLOGGED TABLE {stage} AS SELECT _id, {names} FROM {table} WITH NO DATA")
    cursor.execute("SELECT pg_get_serial_sequence(%s, '_id')", (table,))
    cursor.execute(f"ALTER TABLE {stage} ALTER COLUMN _id SET DEFAULT nextval(%s::regclass)", cursor.fetchone())
    options, data = _copy_data(rows, len(columns))
    cursor.copy_expert(f"COPY {stage} ({names}) FROM STDIN WITH ({options})", data)
    # The planner, without statistics on the new table, would not split a
    # few megabytes between workers; to_tsvector's cost per row pays for them.
    cursor.execute("SET LOCAL min_parallel_table_scan_size = 0")
    cursor.execute("SET LOCAL parallel_setup_cost = 100")
    cursor.execute(f"CREATE TEMPORARY TABLE issy_load ON COMMIT DROP AS "
                   f"SELECT _id, {names}, {_full_text(columns)} AS _full_text FROM {stage}")
    cursor.execute("SET LOCAL min_parallel_table_scan_size = DEFAULT")
    cursor.execute("SET LOCAL parallel_setup_cost = DEFAULT")
    cursor.execute(f"DROP TABLE {stage}")


def _is_empty(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT NOT EXISTS (SELECT FROM {table})")
    return cursor.fetchone()[0]


def _drop_indexes(cursor: Any, table: str) -> list[str]:
    """Drops the indexes that back no constraint; returns the statements that
    build them again. If a reader keeps the table (an open transaction) for
    longer than INDEX_LOCK_WAIT, nothing is dropped: the insert maintains them."""
    cursor.execute(
        "SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid) FROM pg_index index"
        " WHERE index.indrelid = %s::regclass AND NOT index.indisunique"
        " AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = index.indexrelid)", (table,))
    indexes = cursor.fetchall()
    cursor.execute("SAVEPOINT issy_indexes")
    cursor.execute("SET LOCAL lock_timeout = %s", (INDEX_LOCK_WAIT,))
    try:
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    except psycopg2.errors.LockNotAvailable:
        cursor.execute("ROLLBACK TO SAVEPOINT issy_indexes")  # also restores lock_timeout
        return []
    cursor.execute("RELEASE SAVEPOINT issy_indexes")
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    return [definition for _name, definition in indexes]


def replace_rows(resource_id: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]]) -> None:
    """Replace every row of the table in one transaction (see the module's doc)."""
    table = identifier(resource_id)
    names = _names(columns)
    connection = get_write_engine().raw_connection()
    try:
        with connection.cursor() as cursor:
            # Other writers wait; readers go on reading the old rows until the commit.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            _stage(cursor, table, columns, rows if isinstance(rows, Sequence) else list(rows))
            if _is_empty(cursor, table):
                indexes = _drop_indexes(cursor, table)  # readers wait for the commit, not for rows
            else:
                indexes = []
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} (_id, {names}, _full_text) "
                           f"SELECT _id, {names}, _full_text FROM issy_load")
            for definition in indexes:
                cursor.execute(definition)
        connection.commit()
    except Exception as error:
        connection.rollback()
        raise DataStoreError(
            _("Loading the DataStore table of resource {id} failed, the previous rows are kept: {error}")
            .format(id=resource_id, error=error)
        ) from error
    finally:
        connection.close()


def load(resource_id: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]],
         context: dict[str, Any]) -> None:
    """Create the table if needed, then replace its rows atomically."""
    ensure_table(resource_id, columns, context)
    replace_rows(resource_id, columns, rows)
