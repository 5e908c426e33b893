"""Database meters of the benchmarks (bench/parking.py): the SQL statements
and transactions every connection of some engines sends, counted in the
client (``count_statements``: CKAN's engine and the DataStore's, their
``raw_connection()`` cursors included), and the WAL written by our
databases, read with ``pg_walinspect`` (``wal_meter``)."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench import harvesting

# --- SQL statements and transactions ---------------------------------------------
COUNTS: dict[str, int] = {}  # "statements <database>", "transactions <database>"


def _count(kind: str, connection: Any, number: int = 1) -> None:
    key = f"{kind} {connection.info.dbname}"
    COUNTS[key] = COUNTS.get(key, 0) + number


@functools.cache
def _counting_cursor(base: type) -> type:
    """``base`` (a psycopg2 cursor class) counting what it sends in COUNTS."""
    def counted(name: str) -> Callable[..., Any]:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            _count("statements", self.connection)
            return getattr(base, name)(self, *args, **kwargs)
        return method

    def executemany(self: Any, query: Any, vars_list: Any) -> Any:
        vars_list = list(vars_list)
        _count("statements", self.connection, len(vars_list))
        return base.executemany(self, query, vars_list)

    methods = {name: counted(name) for name in ("execute", "callproc", "copy_expert", "copy_from", "copy_to")}
    return type("CountingCursor", (base,), {**methods, "executemany": executemany})


def count_statements(engines: list[Any]) -> None:
    """Every later connection of ``engines`` counts its statements and transactions in COUNTS."""
    import psycopg2.extensions as ext
    from sqlalchemy import event

    class CountingConnection(ext.connection):
        def cursor(self, *args: Any, **kwargs: Any) -> Any:
            base = kwargs.get("cursor_factory") or self.cursor_factory or ext.cursor
            kwargs["cursor_factory"] = _counting_cursor(base)
            return super().cursor(*args, **kwargs)

        def _ending(self) -> None:
            if self.info.transaction_status != ext.TRANSACTION_STATUS_IDLE:
                _count("transactions", self)

        def commit(self) -> None:
            self._ending()
            super().commit()

        def rollback(self) -> None:
            self._ending()
            super().rollback()

    def connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["connection_factory"] = CountingConnection

    for engine in {id(engine): engine for engine in engines}.values():
        event.listen(engine, "do_connect", connect)
        engine.dispose()


# --- WAL ---------------------------------------------------------------------------
# The records that touch a block of our databases, and every record of their
# transactions (commits); the bytes they take, their full-page images, the
# distinct blocks they touch, the bytes of those that touch only system
# catalogs (relation files numbered below 16384).
WAL_QUERY = r"""
WITH records AS (
    SELECT start_lsn, end_lsn, xid::text AS xid, fpi_length, block_ref FROM pg_get_wal_records_info(%(start)s, %(end)s)
), blocks AS (
    SELECT r.start_lsn, m[3]::oid < 16384 AS catalog, concat_ws(' ', m[1], m[2], m[3], m[4], m[5]) AS block
    FROM records r, regexp_matches(r.block_ref, 'rel ([0-9]+)/([0-9]+)/([0-9]+) fork ([a-z_]+) blk ([0-9]+)', 'g') m
    WHERE m[2]::oid = ANY(%(databases)s::oid[])
), ours AS (
    SELECT start_lsn, bool_and(catalog) AS catalog FROM blocks GROUP BY start_lsn
), our_xids AS (
    SELECT DISTINCT r.xid FROM records r JOIN ours USING (start_lsn) WHERE r.xid <> '0'
)
SELECT coalesce(sum(pg_wal_lsn_diff(r.end_lsn, r.start_lsn)), 0)::bigint, coalesce(sum(r.fpi_length), 0)::bigint,
       count(*) FILTER (WHERE r.fpi_length > 0), (SELECT count(DISTINCT block) FROM blocks),
       coalesce(sum(pg_wal_lsn_diff(r.end_lsn, r.start_lsn)) FILTER (WHERE o.catalog), 0)::bigint
FROM records r LEFT JOIN ours o USING (start_lsn)
WHERE o.start_lsn IS NOT NULL OR r.xid IN (SELECT xid FROM our_xids)
"""


@dataclass
class Wal:
    """WAL of the server, and of our databases' records (pg_walinspect) read every few polls."""

    connection: Any  # a superuser's, in the DataStore database; None: the server's WAL only
    databases: list[int]
    created: bool = False
    start: str = ""
    server_start: str = ""
    ours: list[tuple[int, ...]] = field(default_factory=list)  # bytes, FPI bytes, FPIs, blocks, catalogs' bytes
    failure: str = ""

    def lsn(self) -> str:
        """Where the next WAL record goes (a record's start), what is before it flushed:
        pg_walinspect reads only flushed WAL, from a record's start."""
        from ckanext.datastore.backend.postgres import get_write_engine

        if self.connection is None:
            with get_write_engine().connect() as connection:
                return connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text").scalar()
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            lsn = cursor.fetchone()[0]
            # A transaction that wrote WAL flushes it at its commit, after lsn (a record without
            # blocks, of a transaction of its own: not counted as ours).
            cursor.execute("BEGIN; SELECT pg_logical_emit_message(true, 'issy-bench', ''); COMMIT")
        return lsn

    def begin(self) -> None:
        self.start = self.server_start = self.lsn()

    def read(self) -> None:
        """Our records since the last reading."""
        end = self.lsn()
        if self.connection is not None and not self.failure:
            try:
                with self.connection.cursor() as cursor:
                    cursor.execute(WAL_QUERY, {"start": self.start, "end": end, "databases": self.databases})
                    self.ours.append(cursor.fetchone())
            except Exception as error:  # a segment already recycled: the figure would be wrong
                self.failure = str(error).strip()
        self.start = end

    def server_bytes(self) -> int:
        from ckanext.datastore.backend.postgres import get_write_engine

        with get_write_engine().connect() as connection:
            return int(connection.exec_driver_sql(
                f"SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '{self.server_start}')").scalar())

    def close(self) -> None:
        if self.connection is not None:
            if self.created:
                with self.connection.cursor() as cursor:
                    cursor.execute("DROP EXTENSION pg_walinspect")
            self.connection.close()


def wal_meter(databases: list[int]) -> Wal:
    import psycopg2
    from ckanext.datastore.backend.postgres import get_write_engine

    admin = os.environ.get("ISSY_TEST_PG_ADMIN_URL")
    if not admin or not harvesting.loopback(urlsplit(admin).hostname or ""):
        return Wal(None, databases, failure="ISSY_TEST_PG_ADMIN_URL not set (or not loopback): no pg_walinspect")
    database = get_write_engine().url.database
    connection = psycopg2.connect(admin.rsplit("/", 1)[0] + f"/{database}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_walinspect'")
        exists = cursor.fetchone()[0]
        if not exists:
            cursor.execute("CREATE EXTENSION pg_walinspect")
    return Wal(connection, databases, created=not exists)
