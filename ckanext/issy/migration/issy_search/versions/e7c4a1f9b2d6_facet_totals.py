"""Facet totals: the dataset page without a query counts from one total per
facet value and visibility instead of hashing every indexed dataset.

The dataset page and the home page ask, for every visitor, the facets of
all the datasets the visitor may see: at 20,000 datasets, hashing each
row's six facets costs about 40 ms a page. ``issy_search_facet_totals``
holds, for each combination of the columns of the filters CKAN always
sends (site, state, capacity, type, permission labels) and of
``extra_fields_key``, the number of indexed datasets having each facet
value (``field`` and ``value``; ``field`` '' counts the datasets
themselves). A search whose conditions bear on those columns alone sums
them (ckanext/issy/search/facets.py); any other search counts its rows.

Triggers keep the totals exact, in the transaction that writes the index:

- after each statement on ``issy_search_index``, its rows' values (+1) and
  those of the rows it replaced or deleted (-1) are appended to
  ``issy_search_facet_deltas`` under the transaction's id, and the
  transaction is marked in ``issy_search_facet_pending``;
- at the commit, a deferred trigger on that mark adds the transaction's
  deltas to the totals, in one ``INSERT ... ON CONFLICT`` in key order, and
  removes them.

Updating the totals once per transaction rather than per statement keeps a
``search-index rebuild`` (one transaction, a statement per dataset) from
piling up thousands of versions of the same totals rows, and holds their
locks for the commit only. Until its commit, a transaction's own searches
count rows instead (facets.py). ``TRUNCATE`` empties the totals too.

Revision ID: e7c4a1f9b2d6
Revises: d3b8e1f6a9c2
Create Date: 2026-11-29 15:30:00

"""
from __future__ import annotations

from alembic import op

revision = "e7c4a1f9b2d6"
down_revision = "d3b8e1f6a9c2"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
TOTALS = "issy_search_facet_totals"
DELTAS = "issy_search_facet_deltas"
PENDING = "issy_search_facet_pending"
SCOPE = "site_id, state, capacity, dataset_type, permission_labels, extra_fields_key"
KEY = f"{SCOPE}, field, value"
RECORD = "issy_search_facet_totals_record"
APPLY = "issy_search_facet_totals_apply"
EMPTY = "issy_search_facet_totals_empty"

# The facet values of the rows of ``{rows}``, with ``{delta}``: the row
# itself (field ''), the scalar and array facets, and the declared extra
# fields kept in ``extra_terms`` (each value once; an ``extra_terms`` that
# is not an object of lists, as a row written before it existed, has none:
# such a row has another ``extra_fields_key`` anyway).
VALUES = f"""
    SELECT {SCOPE}, v.field, v.value, {{delta}} AS delta
    FROM {{rows}} AS r CROSS JOIN LATERAL (
        SELECT '', ''
        UNION ALL SELECT 'organization', r.organization WHERE r.organization IS NOT NULL
        UNION ALL SELECT 'license_id', r.license_id WHERE r.license_id IS NOT NULL
        UNION ALL SELECT 'tags', t FROM unnest(r.tags) AS t
        UNION ALL SELECT 'groups', g FROM unnest(r.groups) AS g
        UNION ALL SELECT 'res_format', f FROM unnest(r.res_format) AS f
        UNION ALL SELECT e.key, x FROM jsonb_each(
                CASE jsonb_typeof(r.extra_terms) WHEN 'object' THEN r.extra_terms ELSE '{{{{}}}}' END) AS e,
            jsonb_array_elements_text(
                CASE jsonb_typeof(e.value) WHEN 'array' THEN e.value ELSE '[]' END) AS x
    ) AS v (field, value)
    WHERE v.value IS NOT NULL"""


def _record(changes: str) -> str:
    return f"""
        INSERT INTO {DELTAS} (txid, {KEY}, delta)
        SELECT txid_current(), {KEY}, sum(delta) FROM ({changes}) AS changes
        GROUP BY {KEY} HAVING sum(delta) <> 0;
        IF FOUND THEN
            INSERT INTO {PENDING} VALUES (txid_current()) ON CONFLICT DO NOTHING;
        END IF;"""


def _create_functions() -> None:
    added = VALUES.format(rows="new_rows", delta=1)
    removed = VALUES.format(rows="old_rows", delta=-1)
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {RECORD}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'INSERT' THEN {_record(added)}
            ELSIF TG_OP = 'UPDATE' THEN {_record(f"{added} UNION ALL {removed}")}
            ELSE {_record(removed)}
            END IF;
            RETURN NULL;
        END $body$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {APPLY}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            INSERT INTO {TOTALS} AS totals ({KEY}, n)
            SELECT {KEY}, sum(delta) FROM {DELTAS} WHERE txid = NEW.txid
            GROUP BY {KEY} HAVING sum(delta) <> 0 ORDER BY {KEY}
            ON CONFLICT ({KEY}) DO UPDATE SET n = totals.n + excluded.n;
            DELETE FROM {TOTALS} WHERE n = 0;
            DELETE FROM {DELTAS} WHERE txid = NEW.txid;
            DELETE FROM {PENDING} WHERE txid = NEW.txid;
            RETURN NULL;
        END $body$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {EMPTY}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            TRUNCATE {TOTALS}, {DELTAS};
            RETURN NULL;
        END $body$""")


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {TOTALS} (
            site_id text NOT NULL, state text, capacity text, dataset_type text,
            permission_labels text[], extra_fields_key text,
            field text NOT NULL, value text NOT NULL, n bigint NOT NULL,
            CONSTRAINT {TOTALS}_key UNIQUE NULLS NOT DISTINCT ({KEY})
        )""")
    # The totals a commit brought down to zero, found without a scan.
    op.execute(f"CREATE INDEX {TOTALS}_zero ON {TOTALS} (n) WHERE n = 0")
    # Rows that live only inside their transaction: nothing to replay after a crash.
    op.execute(f"""
        CREATE UNLOGGED TABLE {DELTAS} (
            txid bigint NOT NULL, site_id text NOT NULL, state text, capacity text,
            dataset_type text, permission_labels text[], extra_fields_key text,
            field text NOT NULL, value text NOT NULL, delta bigint NOT NULL
        )""")
    op.execute(f"CREATE INDEX {DELTAS}_txid ON {DELTAS} (txid)")
    op.execute(f"CREATE UNLOGGED TABLE {PENDING} (txid bigint PRIMARY KEY)")
    _create_functions()
    for event, tables in (("INSERT", "NEW TABLE AS new_rows"),
                          ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                          ("DELETE", "OLD TABLE AS old_rows")):
        op.execute(f"CREATE TRIGGER {TOTALS}_{event.lower()} AFTER {event} ON {TABLE} "
                   f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {RECORD}()")
    op.execute(f"CREATE CONSTRAINT TRIGGER {TOTALS}_commit AFTER INSERT ON {PENDING} "
               f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {APPLY}()")
    op.execute(f"CREATE TRIGGER {TOTALS}_truncate AFTER TRUNCATE ON {TABLE} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {EMPTY}()")
    op.execute(f"INSERT INTO {TOTALS} ({KEY}, n) SELECT {KEY}, sum(delta) FROM "
               f"({VALUES.format(rows=TABLE, delta=1)}) AS current GROUP BY {KEY}")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TOTALS}_truncate ON {TABLE}")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER {TOTALS}_{event} ON {TABLE}")
    op.execute(f"DROP TABLE {PENDING}, {DELTAS}, {TOTALS}")
    for function in (EMPTY, APPLY, RECORD):
        op.execute(f"DROP FUNCTION {function}()")
