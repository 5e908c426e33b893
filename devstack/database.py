"""Roles and databases of a CKAN site, created idempotently with an admin connection."""
from __future__ import annotations

import os
import subprocess
from urllib.parse import quote, urlsplit, urlunsplit

from devstack.errors import StackError
from devstack.settings import Databases

CKAN_ROLE = "issy_ckan"
DATASTORE_RO_ROLE = "issy_datastore_ro"
# The key of the advisory lock around the creation of roles and databases.
ROLES_LOCK = 920_400_001


def _connect(admin_url: str):
    import psycopg2

    connection = psycopg2.connect(admin_url, connect_timeout=5)
    connection.autocommit = True
    return connection


def _ensure_role(cursor, name: str, password: str) -> None:
    from psycopg2 import sql

    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    cursor.execute(
        sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)), (password,)
    )


def _ensure_database(cursor, name: str, owner: str) -> None:
    from psycopg2 import sql

    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if not cursor.fetchone():
        cursor.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )


def with_database(url: str, database: str, user: str = "", password: str = "") -> str:
    """The same server as ``url``, another database and optionally another role."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if user:
        host = netloc.rsplit("@", 1)[-1]
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, "/" + database, "", ""))


def ensure_site_databases(admin_url: str, databases: Databases, secrets: dict[str, str]) -> dict[str, str]:
    """Create the CKAN and read-only roles and both databases; return CKAN's URLs."""
    import psycopg2

    try:
        connection = _connect(admin_url)
    except psycopg2.Error as error:
        raise StackError(f"Cannot connect to PostgreSQL as administrator: {error}") from None
    try:
        with connection.cursor() as cursor:
            # Runs started together (test slots, a demo) share the roles, and
            # PostgreSQL refuses the second of two concurrent updates of a role:
            # one at a time, until this connection closes.
            cursor.execute("SELECT pg_advisory_lock(%s)", (ROLES_LOCK,))
            _ensure_role(cursor, CKAN_ROLE, secrets["ckan_db"])
            _ensure_role(cursor, DATASTORE_RO_ROLE, secrets["datastore_ro"])
            for name in (databases.main, databases.datastore):
                _ensure_database(cursor, name, CKAN_ROLE)
    finally:
        connection.close()
    return {
        "sqlalchemy.url": with_database(admin_url, databases.main, CKAN_ROLE, secrets["ckan_db"]),
        "ckan.datastore.write_url": with_database(
            admin_url, databases.datastore, CKAN_ROLE, secrets["ckan_db"]
        ),
        "ckan.datastore.read_url": with_database(
            admin_url, databases.datastore, DATASTORE_RO_ROLE, secrets["datastore_ro"]
        ),
    }


def database_exists(admin_url: str, name: str) -> bool:
    connection = _connect(admin_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cursor.fetchone() is not None
    finally:
        connection.close()


def copy_database(admin_url: str, source: str, target: str) -> None:
    """``target`` made again as a copy of ``source`` (which nobody may be
    connected to), owned by CKAN's role."""
    connection = _connect(admin_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
            cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" OWNER "{CKAN_ROLE}"')
    finally:
        connection.close()


def run_psql_script(admin_url: str, script: str) -> None:
    """Run SQL that uses psql meta-commands (the DataStore's \\connect) as administrator."""
    parts = urlsplit(admin_url)
    env = dict(os.environ, PGPASSWORD=parts.password or "", PGCONNECT_TIMEOUT="5")
    command = [
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
        "-h", parts.hostname or "localhost", "-p", str(parts.port or 5432),
        "-U", parts.username or "postgres", "-d", parts.path.lstrip("/") or "postgres",
    ]
    result = subprocess.run(command, input=script, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise StackError(f"psql failed: {result.stderr.strip()}")
