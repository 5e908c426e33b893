"""Facets on the declared extra fields without reading TOAST; listings and
map searches from covering indexes.

Facets on a field kept in the JSONB ``terms`` (ckanext-harvest's
``frequency``...) read ``terms`` for every matching row, and ``terms``, a
copy of the whole document, lives in TOAST: about 300 of the 500 ms of the
dataset page's six facets at 20,000 datasets. The new ``extra_terms``
column holds only the fields declared in ``ckanext.issy.search.extra_fields``
(those the dataset has, each value once),
inline in the row (``STORAGE MAIN``). Indexing fills it; here it is filled
for the rows already indexed, with the fields the site declares when it
runs the migration, and ``extra_fields_key`` records which fields these
are. A row indexed while other fields were declared is still counted from
``terms``: the column makes facets faster, never different.

Two indexes now cover what the listings read, so that they are answered by
index-only scans instead of reading the table (3 KB a row, mostly the
inline ``search_vector``; a sequential scan of a table larger than a
quarter of ``shared_buffers`` goes through a small ring buffer, so it is
read again from the operating system each time):

- the listing index includes ``permission_labels`` (CKAN filters on it for
  every visitor): the ``count(*)`` of a listing and the ids of a deep page
  (``start=5000``: 5,020 entries) come from the index alone;
- the ``bbox`` GiST index includes the same filter columns, ``id`` and
  ``metadata_modified``: the count and the page of a map search read the
  index alone, whatever the planner's estimate (it has no statistics for
  ``box``: it expects 100 rows where a quartier matches half the catalogue);
- a new ``facets`` index holds the filter columns and the facets of the
  dataset page (organization, license_id, tags, groups, res_format,
  extra_terms), for the rows where they fit in an index entry (at most
  2,704 bytes): ``in_facet_index``, computed when a row is written; the few
  other rows are found through a small partial index and read from the
  table. Its key, ``extra_fields_key``, finds the rows indexed with other
  declared fields.

Revision ID: d3b8e1f6a9c2
Revises: c5a2f7e3d8b1
Create Date: 2026-11-29 12:00:00

"""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "d3b8e1f6a9c2"
down_revision = "c5a2f7e3d8b1"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
EXTRA_FIELDS_OPTION = "ckanext.issy.search.extra_fields"
LISTING_INDEX = f"{TABLE}_listing"
BBOX_INDEX = f"{TABLE}_bbox_gist"
FILTERS = "capacity, state, dataset_type, site_id"
FACETS_INDEX = f"{TABLE}_facets"
BEYOND_FACETS_INDEX = f"{TABLE}_beyond_facets"
FACET_COLUMNS = (f"{FILTERS}, permission_labels, organization, license_id, "
                 "tags, groups, res_format, extra_terms")
FACET_INDEX_BYTES = 2000


def _replace_indexes(listing_include: str, bbox_include: str) -> None:
    op.execute(f"DROP INDEX {LISTING_INDEX}")
    op.execute(f"CREATE INDEX {LISTING_INDEX} ON {TABLE} "
               f"(metadata_modified DESC NULLS LAST, id) INCLUDE ({listing_include})")
    op.execute(f"DROP INDEX {BBOX_INDEX}")
    op.execute(f"CREATE INDEX {BBOX_INDEX} ON {TABLE} USING gist (bbox)"
               + (f" INCLUDE ({bbox_include})" if bbox_include else ""))


def _declared_fields() -> list[str]:
    """The site's declared extra fields (``ckan db upgrade`` loads the
    configuration); none when it is not loaded: rows then read ``terms``
    until they are indexed again."""
    import ckan.plugins.toolkit as tk

    return tk.aslist(tk.config.get(EXTRA_FIELDS_OPTION))


def _fields_key(fields: list[str]) -> str:
    """ckanext/issy/search/fields.py's ``extra_fields_key``."""
    names = json.dumps(sorted(set(fields)))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def _fill_extra_terms() -> None:
    fields = _declared_fields()
    # The distinct values of each field the row has, and which fields
    # these are.
    op.get_bind().execute(sa.text(
        f"UPDATE {TABLE} SET extra_fields_key = :key, extra_terms = "
        "coalesce((SELECT jsonb_object_agg(field, (SELECT jsonb_agg(DISTINCT value) "
        "FROM jsonb_array_elements_text(terms -> field) AS value)) "
        "FROM unnest(CAST(:fields AS text[])) AS field WHERE terms ? field), '{}'::jsonb)"
    ), {"fields": fields, "key": _fields_key(fields)})


def upgrade() -> None:
    _replace_indexes(f"{FILTERS}, permission_labels",
                     f"id, metadata_modified, {FILTERS}, permission_labels")
    op.add_column(TABLE, sa.Column("extra_terms", postgresql.JSONB))
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN extra_terms SET STORAGE MAIN")
    op.add_column(TABLE, sa.Column("extra_fields_key", sa.UnicodeText))
    op.add_column(TABLE, sa.Column("in_facet_index", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    _fill_extra_terms()
    # The size of the values as a composite datum: about that of an index
    # entry; ckanext/issy/search/index.py's bound, in SQL.
    op.execute(f"UPDATE {TABLE} SET in_facet_index = "
               f"pg_column_size(ROW(extra_fields_key, {FACET_COLUMNS})) <= {FACET_INDEX_BYTES}")
    op.execute(f"CREATE INDEX {FACETS_INDEX} ON {TABLE} (extra_fields_key) "
               f"INCLUDE ({FACET_COLUMNS}) WHERE in_facet_index")
    op.execute(f"CREATE INDEX {BEYOND_FACETS_INDEX} ON {TABLE} (id) "
               "WHERE NOT in_facet_index")


def downgrade() -> None:
    op.drop_index(BEYOND_FACETS_INDEX, table_name=TABLE)
    op.drop_index(FACETS_INDEX, table_name=TABLE)
    op.drop_column(TABLE, "in_facet_index")
    op.drop_column(TABLE, "extra_fields_key")
    op.drop_column(TABLE, "extra_terms")
    _replace_indexes(FILTERS, "")
