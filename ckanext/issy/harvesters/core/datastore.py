"""Typed DataStore tables: creation, table versions, atomic replacement.

The DataStore's action API cannot replace a table's rows atomically: a
``datastore_delete`` followed by ``datastore_create`` commits twice, so a
reader may see an empty or half-loaded table, and a failed load leaves it
so. This module and ``datastore_rows`` (upsert, append, prune) are the ONLY
ones of the extension that write with the DataStore's write engine directly
(``ckanext.datastore.backend.postgres``); every write is one transaction
(``write_transaction``).

The table itself (columns, types, data dictionary, unique key, full-text
trigger, permissions) is created by ``datastore_create``, the DataStore's own
way. Replacing its rows happens in ONE transaction on the write engine:
``COPY`` the new rows as text into a staging table of the same column types
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

Table versions: ``ensure_table`` gives each table two statement-level
triggers that, after any statement that inserted, updated or deleted at
least one row, or truncated the table, set the table's row of
``ckanext_issy.table_versions`` to a new number of a global sequence.
Triggers catch every writer (these modules, ``datastore_upsert``,
``datastore_delete``, SQL) in the writer's transaction, so a rolled-back
write changes nothing; the number never comes back, even for a table
deleted and created again. Whether a statement changed rows is told by the
session's statistics counters of the table (``pg_stat_get_xact_tuples_*``),
read before and after it: transition tables would tell as well, but they
keep a copy of every row written (about 0.1 s per 20,000 budget lines
replaced, a twentieth of the load). With ``track_counts`` off, every write
statement counts. The side table lives in a schema of its own so that the
DataStore never takes it for a resource's table (CKAN 2.11's ``ckan
datastore purge`` drops every table of ``public`` without a resource).
"""
from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import psycopg2.errors
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, get_write_engine, identifier
from ckanext.issy.language import _


# How long a first load waits for readers of the empty table before keeping its indexes.
INDEX_LOCK_WAIT = "2s"
VERSION_SCHEMA = "ckanext_issy"
# The table's triggers, both FOR EACH STATEMENT: no work per row.
_VERSION_TRIGGERS = {
    "issy_version_before": "BEFORE INSERT OR UPDATE OR DELETE",
    "issy_version_after": "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE",
}
_VERSION_SETUP = f"""
CREATE SCHEMA IF NOT EXISTS {VERSION_SCHEMA};
CREATE SEQUENCE IF NOT EXISTS {VERSION_SCHEMA}.table_version_seq;
CREATE TABLE IF NOT EXISTS {VERSION_SCHEMA}.table_versions (
    resource_id text PRIMARY KEY,
    version bigint NOT NULL
);
-- The rows this session inserted, updated or deleted in the table so far
-- (PostgreSQL's statistics counters, kept as rows change).
CREATE OR REPLACE FUNCTION {VERSION_SCHEMA}.changes(relid oid) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT pg_stat_get_xact_tuples_inserted(relid) + pg_stat_get_xact_tuples_updated(relid)
        + pg_stat_get_xact_tuples_deleted(relid)
$$;
CREATE OR REPLACE FUNCTION {VERSION_SCHEMA}.track_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before_statement text := '{VERSION_SCHEMA}.changes_' || TG_RELID;  -- a setting of the transaction
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM set_config(before_statement, {VERSION_SCHEMA}.changes(TG_RELID)::text, true);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'TRUNCATE' AND current_setting('track_counts')::boolean
            AND {VERSION_SCHEMA}.changes(TG_RELID)::text = current_setting(before_statement, true) THEN
        RETURN NULL;  -- the statement changed no row
    END IF;
    INSERT INTO {VERSION_SCHEMA}.table_versions
        VALUES (TG_TABLE_NAME, nextval('{VERSION_SCHEMA}.table_version_seq'))
        ON CONFLICT (resource_id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
"""


class DataStoreError(Exception):
    """The table cannot be written; its rows are unchanged."""


@dataclass(frozen=True)
class Column:
    id: str
    type: str  # a DataStore type: text, numeric, date, timestamp, timestamptz, int4
    label: str
    description: str

    def field(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "info": {"label": self.label, "notes": self.description}}


# Dates and times as Python objects too; an aware datetime for a timestamptz column.
Value = str | Decimal | int | date | None


def _existing_types(resource_id: str) -> dict[str, str] | None:
    try:
        info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource_id})
    except tk.ObjectNotFound:
        return None
    # CKAN 2.11 and 2.12 both list the fields (without _id) under "fields".
    return {field["id"]: field["type"] for field in info["fields"]}


def ensure_table(resource_id: str, columns: Sequence[Column], context: dict[str, Any],
                 primary_key: Sequence[str] = (), indexes: Sequence[str] = ()) -> None:
    """Create the table with its data dictionary, or check that it has these
    columns; with a ``primary_key``, the table has a unique index on those
    columns (``datastore_create``'s ``primary_key``), needed to upsert by
    them; ``indexes``: columns given an index when the table is created.
    Then its version is kept (idempotent, see the module's doc).

    ``context`` names the user: creating a table changes its resource (an activity)."""
    existing = _existing_types(resource_id)
    wanted = {column.id: column.type for column in columns}
    if existing is None:
        data = {"resource_id": resource_id, "force": True, "fields": [c.field() for c in columns]}
        if primary_key:
            data["primary_key"] = list(primary_key)
        if indexes:
            data["indexes"] = list(indexes)
        tk.get_action("datastore_create")(dict(context), data)
    elif existing != wanted:
        raise DataStoreError(
            _("The DataStore table of resource {id} has other columns than expected; "
                 "delete it (datastore_delete) so that the next harvest recreates it").format(id=resource_id)
        )
    failure = _("Preparing the DataStore table of resource {id} failed: {error}")
    try:
        _ensure_version_schema()
    except psycopg2.Error as error:
        raise DataStoreError(failure.format(id=resource_id, error=error)) from error
    with write_transaction(resource_id, failure) as cursor:
        if primary_key and not has_unique_key(cursor, identifier(resource_id), primary_key):
            raise no_unique_key(primary_key)
        _keep_version(cursor, resource_id)


def no_unique_key(key: Sequence[str]) -> DataStoreError:
    return DataStoreError(
        _("it has no unique index on ({key}); delete it (datastore_delete) so that the next "
          "harvest creates it with this key").format(key=", ".join(key)))


def has_unique_key(cursor: Any, table: str, key: Sequence[str]) -> bool:
    """Whether a unique index of ``table`` is on exactly the columns ``key``."""
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique"
        " AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL"
        " AND ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = i.indrelid"
        "           AND attnum = ANY(i.indkey) ORDER BY 1) = %s::text[])", (table, sorted(key)))
    return cursor.fetchone()[0]


def _version_schema_ready(cursor: Any) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regprocedure(%s) IS NOT NULL",
                   (f"{VERSION_SCHEMA}.table_versions", f"{VERSION_SCHEMA}.track_version()"))
    return bool(cursor.fetchone()[0])


def _ensure_version_schema() -> None:
    """Creates the versions' schema (its table, sequence and functions, and
    the read-only user's grants) when it is missing, one process at a time.

    The setup runs in a transaction begun after the lock is granted: a
    PostgreSQL backend refreshes its catalogue caches when a transaction
    begins, not when an advisory lock is granted, so a setup in the
    transaction that waited could miss the schema another process had just
    created, and fail on it (``CREATE SCHEMA IF NOT EXISTS``: duplicate key)."""
    connection = get_write_engine().raw_connection()
    try:
        with connection.cursor() as cursor:
            if _version_schema_ready(cursor):
                connection.commit()
                return
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", (VERSION_SCHEMA,))  # held across transactions
            connection.commit()
            try:
                cursor.execute(_VERSION_SETUP)
                reader = get_read_engine().url.username  # the read-only user (ckan.datastore.read_url)
                if reader and reader != get_write_engine().url.username:
                    cursor.execute(f"GRANT USAGE ON SCHEMA {VERSION_SCHEMA} TO {identifier(reader)};"
                                   f"GRANT SELECT ON {VERSION_SCHEMA}.table_versions TO {identifier(reader)}")
                connection.commit()
            finally:
                connection.rollback()  # nothing left open when the setup failed
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", (VERSION_SCHEMA,))
                connection.commit()
    finally:
        connection.close()


def _keep_version(cursor: Any, resource_id: str) -> None:
    """Creates what is missing of the table's triggers (the versions' schema
    exists: ``_ensure_version_schema``); a table that gets them gets a new
    version."""
    table = identifier(resource_id)
    cursor.execute("SELECT ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = %s::regclass)", (table,))
    triggers = cursor.fetchone()[0]
    missing = [name for name in _VERSION_TRIGGERS if name not in triggers]
    if not missing:
        return
    for name in missing:
        cursor.execute(f"CREATE TRIGGER {name} {_VERSION_TRIGGERS[name]} ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {VERSION_SCHEMA}.track_version()")
    cursor.execute(
        f"INSERT INTO {VERSION_SCHEMA}.table_versions VALUES (%s, nextval('{VERSION_SCHEMA}.table_version_seq'))"
        " ON CONFLICT (resource_id) DO UPDATE SET version = EXCLUDED.version;"
        f"DELETE FROM {VERSION_SCHEMA}.table_versions"  # tables deleted since
        " WHERE to_regclass(quote_ident(resource_id)) IS NULL", (resource_id,))


def table_version(resource_id: str, connection: sa.engine.Connection | None = None) -> int:
    """The table's version: a number that changes with every write that
    changes rows, committed, whoever wrote; a primary-key lookup, and one in
    the catalogue that the table still has its triggers (not deleted and
    created again by other means).

    Read on ``connection`` (e.g. in the REPEATABLE READ transaction that reads
    the rows, so that both agree) or on the read engine, whose read-only user
    may read it. Reading it before the rows in separate transactions is safe
    for a cache: a write in between makes the next request see a newer version."""
    if connection is None:
        with get_read_engine().connect() as own:
            return table_version(resource_id, own)
    try:
        version = connection.exec_driver_sql(
            f"SELECT version FROM {VERSION_SCHEMA}.table_versions WHERE resource_id = %s"
            " AND (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s)"
            "      AND tgname = ANY(%s) AND tgenabled <> 'D') = %s",
            (resource_id, identifier(resource_id), list(_VERSION_TRIGGERS), len(_VERSION_TRIGGERS))).scalar()
    except sa.exc.ProgrammingError as error:  # no version was ever kept in this database
        raise _no_version(resource_id) from error
    if version is None:
        raise _no_version(resource_id)
    return version


def _no_version(resource_id: str) -> DataStoreError:
    return DataStoreError(_("The DataStore table of resource {id} has no version: it does not exist "
                            "or was not prepared by the harvester").format(id=resource_id))


@contextmanager
def write_transaction(resource_id: str, failure: str) -> Iterator[Any]:
    """A cursor in one transaction on the write engine, the table locked
    against other writers (readers go on reading the committed rows). On any
    error the transaction is rolled back and DataStoreError raised with
    ``failure`` (translated, with ``{id}`` and ``{error}``)."""
    connection = get_write_engine().raw_connection()
    try:
        with connection.cursor() as cursor:
            try:
                cursor.execute(f"LOCK TABLE {identifier(resource_id)} IN EXCLUSIVE MODE")
            except psycopg2.errors.UndefinedTable as error:
                raise DataStoreError(_("the table does not exist")) from error
            yield cursor
        connection.commit()
    except Exception as error:
        connection.rollback()
        raise DataStoreError(failure.format(id=resource_id, error=error)) from error
    finally:
        connection.close()


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


def column_names(columns: Sequence[Column]) -> str:
    return ", ".join(identifier(column.id) for column in columns)


# Types whose text is the text of their JSON, the form the zfulltext trigger reads.
_TEXT_AS_JSON = frozenset({"text", "numeric", "int2", "int4", "int8", "float4", "float8", "bool"})


def _full_text(columns: Sequence[Column]) -> str:
    # The text the DataStore's zfulltext trigger indexes (every column but
    # _id and _full_text as in row_to_json, NULLs skipped, separated by
    # spaces), computed for the whole table at once: the trigger's per-row
    # JSON round trip costs more than the rest of the load. A row that
    # arrives with its _full_text set is left alone by the trigger. JSON
    # writes dates and times in ISO 8601 ("T"), whatever the DateStyle.
    cells = ", ".join(f"{identifier(c.id)}::text" if c.type in _TEXT_AS_JSON
                      else f"to_json({identifier(c.id)}) #>> '{{}}'" for c in columns)
    return f"to_tsvector(concat_ws(' ', {cells}))"


def stage_rows(cursor: Any, table: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]],
               *, ids: bool) -> None:
    """The rows and their full-text vectors in the temporary table
    ``issy_load`` (``_id`` if ``ids``, the columns, ``_full_text``). The rows
    are copied (``COPY``) into a staging table typed like ``table``: a bad
    value fails here, before the table is touched. With ``ids``, each row
    takes its _id from the table's sequence as it arrives, so the _ids follow
    the rows' order."""
    listed = rows if isinstance(rows, Sequence) else list(rows)
    names = column_names(columns)
    kept = f"_id, {names}" if ids else names
    stage = identifier(f"_issy_stage_{uuid.uuid4().hex}")
    cursor.execute(f"CREATE UNLOGGED TABLE {stage} AS SELECT {kept} FROM {table} WITH NO DATA")
    if ids:
        cursor.execute("SELECT pg_get_serial_sequence(%s, '_id')", (table,))
        cursor.execute(f"ALTER TABLE {stage} ALTER COLUMN _id SET DEFAULT nextval(%s::regclass)", cursor.fetchone())
    options, data = _copy_data(listed, len(columns))
    cursor.copy_expert(f"COPY {stage} ({names}) FROM STDIN WITH ({options})", data)
    # The planner, without statistics on the new table, would not split a
    # few megabytes between workers; to_tsvector's cost per row pays for them.
    cursor.execute("SET LOCAL min_parallel_table_scan_size = 0")
    cursor.execute("SET LOCAL parallel_setup_cost = 100")
    cursor.execute(f"CREATE TEMPORARY TABLE issy_load ON COMMIT DROP AS "
                   f"SELECT {kept}, {_full_text(columns)} AS _full_text FROM {stage}")
    cursor.execute("SET LOCAL min_parallel_table_scan_size = DEFAULT")
    cursor.execute("SET LOCAL parallel_setup_cost = DEFAULT")
    cursor.execute(f"DROP TABLE {stage}")


def insert_staged(cursor: Any, table: str, columns: Sequence[Column]) -> None:
    """Inserts the rows of ``issy_load``, staged with their ids."""
    names = column_names(columns)
    cursor.execute(f"INSERT INTO {table} (_id, {names}, _full_text) SELECT _id, {names}, _full_text FROM issy_load")


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
    failure = _("Loading the DataStore table of resource {id} failed, the previous rows are kept: {error}")
    with write_transaction(resource_id, failure) as cursor:
        stage_rows(cursor, table, columns, rows, ids=True)
        if _is_empty(cursor, table):
            indexes = _drop_indexes(cursor, table)  # readers wait for the commit, not for rows
        else:
            indexes = []
            cursor.execute(f"DELETE FROM {table}")
        insert_staged(cursor, table, columns)
        for definition in indexes:
            cursor.execute(definition)


def load(resource_id: str, columns: Sequence[Column], rows: Iterable[Sequence[Value]],
         context: dict[str, Any]) -> None:
    """Create the table if needed, then replace its rows atomically."""
    ensure_table(resource_id, columns, context)
    replace_rows(resource_id, columns, rows)
