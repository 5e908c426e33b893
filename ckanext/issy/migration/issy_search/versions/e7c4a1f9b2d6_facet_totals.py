"""Facet totals: the dataset page without a query counts from a few
thousand totals instead of hashing every indexed dataset.

The dataset page and the home page ask, for every visitor, the facets of
all the datasets the visitor may see: at 20,000 datasets, hashing each
row's six facets costs about 40 ms a page. ``issy_search_facet_totals``
holds, for each combination of the columns of the filters CKAN always
sends (site, state, capacity, type, permission labels) and of
``extra_fields_key``, the number of indexed datasets having each facet
value (``field`` and ``value``; ``field`` '' counts the datasets
themselves). A search whose conditions bear on those columns alone sums
them (ckanext/issy/search/facets.py); any other search counts its rows.

Triggers on ``issy_search_index`` keep the totals exact, in the
transaction that writes the index rows: what a reader sees always agrees
with the rows it sees. Each statement adds its rows' values and takes away
the values of the rows it replaces or deletes, in one ``INSERT ... ON
CONFLICT`` taking the totals in key order (two writers of the same totals
wait for each other; the order keeps them from deadlocking within one
statement). ``TRUNCATE`` empties the totals too.

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
SCOPE = "site_id, state, capacity, dataset_type, permission_labels, extra_fields_key"
KEY = f"{SCOPE}, field, value"
FUNCTION = "issy_search_facet_totals_apply"
EMPTY_FUNCTION = "issy_search_facet_totals_empty"

# The facet values of the rows of the transition table ``{rows}``, with
# ``{delta}``: the row itself (field ''), the scalar and array facets, and
# the declared extra fields kept in ``extra_terms`` (each value once; an
# ``extra_terms`` that is not an object of lists, as a row written before it
# existed, has none: such a row has another ``extra_fields_key`` anyway).
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


def _apply(changes: str) -> str:
    return f"""
        INSERT INTO {TOTALS} AS totals ({KEY}, n)
        SELECT {KEY}, sum(delta) FROM ({changes}) AS changes
        GROUP BY {KEY} HAVING sum(delta) <> 0 ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET n = totals.n + excluded.n;
        DELETE FROM {TOTALS} WHERE n = 0;"""


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {TOTALS} (
            site_id text NOT NULL, state text, capacity text, dataset_type text,
            permission_labels text[], extra_fields_key text,
            field text NOT NULL, value text NOT NULL, n bigint NOT NULL,
            CONSTRAINT {TOTALS}_key UNIQUE NULLS NOT DISTINCT ({KEY})
        )""")
    # The rows a statement brought down to zero, found without a scan.
    op.execute(f"CREATE INDEX {TOTALS}_zero ON {TOTALS} (n) WHERE n = 0")
    added = VALUES.format(rows="new_rows", delta=1)
    removed = VALUES.format(rows="old_rows", delta=-1)
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'INSERT' THEN {_apply(added)}
            ELSIF TG_OP = 'UPDATE' THEN {_apply(f"{added} UNION ALL {removed}")}
            ELSE {_apply(removed)}
            END IF;
            RETURN NULL;
        END $body$""")
    for event, tables in (("INSERT", "NEW TABLE AS new_rows"),
                          ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                          ("DELETE", "OLD TABLE AS old_rows")):
        op.execute(f"CREATE TRIGGER {TOTALS}_{event.lower()} AFTER {event} ON {TABLE} "
                   f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {EMPTY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            TRUNCATE {TOTALS};
            RETURN NULL;
        END $body$""")
    op.execute(f"CREATE TRIGGER {TOTALS}_truncate AFTER TRUNCATE ON {TABLE} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {EMPTY_FUNCTION}()")
    op.execute(f"INSERT INTO {TOTALS} ({KEY}, n) SELECT {KEY}, sum(delta) FROM "
               f"({VALUES.format(rows=TABLE, delta=1)}) AS current GROUP BY {KEY}")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TOTALS}_truncate ON {TABLE}")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER {TOTALS}_{event} ON {TABLE}")
    op.execute(f"DROP FUNCTION {EMPTY_FUNCTION}()")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
    op.execute(f"DROP TABLE {TOTALS}")
