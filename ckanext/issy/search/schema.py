"""The ``issy_search_index`` table: one row per indexed dataset.

Created by the plugin's alembic migration (``ckan db upgrade -p
issy_search``, ``ckanext/issy/migration/issy_search``); this definition is
what the queries are built from and must follow the latest migration. The
table lives in its own ``MetaData`` so that CKAN's model (``ckan db
create-from-model``, ``ckan db check``) does not claim it.

Its ``id`` references ``package.id`` with ``ON DELETE CASCADE`` (declared in
the migration only, as ``package`` is not in this ``MetaData``): purging a
dataset, however it is done, removes its row in the same transaction.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TABLE_NAME = "issy_search_index"

metadata = sa.MetaData()


class Box(sa.types.UserDefinedType):
    """PostgreSQL's built-in ``box`` (no PostGIS needed)."""

    cache_ok = True

    def get_col_spec(self, **_kwargs: object) -> str:
        return "box"


# Reflection (CKAN's ``clean_db`` reflects every table) knows the type then,
# instead of warning about it.
postgresql.base.ischema_names.setdefault("box", Box)

index_table = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("site_id", sa.UnicodeText, nullable=False),
    sa.Column("name", sa.UnicodeText, nullable=False),
    sa.Column("title", sa.UnicodeText),
    # Folded title (values.fold): sorting on ``title_string`` ignores case and
    # accents, so "Élections" sorts among the E.
    sa.Column("title_sort", sa.UnicodeText, nullable=False),
    sa.Column("notes", sa.UnicodeText),
    sa.Column("state", sa.UnicodeText),
    sa.Column("capacity", sa.UnicodeText),
    sa.Column("dataset_type", sa.UnicodeText),
    sa.Column("owner_org", sa.UnicodeText),
    sa.Column("organization", sa.UnicodeText),
    sa.Column("license_id", sa.UnicodeText),
    sa.Column("tags", postgresql.ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("groups", postgresql.ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("res_format", postgresql.ARRAY(sa.UnicodeText), nullable=False),
    sa.Column(
        "permission_labels", postgresql.ARRAY(sa.UnicodeText), nullable=False
    ),
    sa.Column("metadata_created", sa.DateTime(timezone=True)),
    sa.Column("metadata_modified", sa.DateTime(timezone=True)),
    sa.Column("views_total", sa.Integer),
    sa.Column("views_recent", sa.Integer),
    # Folded copy of every field Solr's schema copies into its catch-all
    # ``text`` field: what free-text queries search.
    sa.Column("search_text", sa.UnicodeText, nullable=False),
    # The words of the catch-all fields, French-stemmed and whole, weighted
    # by field (text.py): what free text matches and ranks on.
    sa.Column("search_vector", postgresql.TSVECTOR, nullable=False),
    # Whole words of the title (weight A) and name (B): suggestions.
    sa.Column("suggest_vector", postgresql.TSVECTOR, nullable=False),
    # Bounding box of the ``spatial`` extra (spatial.py), for ``ext_bbox``.
    sa.Column("bbox", Box()),
    # Every field of the document as a list of strings, the way pysolr sends
    # them to Solr: what queries on fields without a column of their own
    # (extras_*, vocab_*, harvest_source_id...) match.
    sa.Column("terms", postgresql.JSONB, nullable=False),
    # The values of the fields declared in ``ckanext.issy.search.extra_fields``
    # when the row was written (those the dataset has), each once: short,
    # kept inline (``STORAGE MAIN``) for facets, where ``terms`` is in TOAST.
    sa.Column("extra_terms", postgresql.JSONB),
    # The fields ``extra_terms`` holds (fields.extra_fields_key): facets read
    # it only when that is the current list of declared fields.
    sa.Column("extra_fields_key", sa.UnicodeText),
    # Whether the row's facet and filter columns are small enough for an
    # entry of the covering ``facets`` index (index.py), which holds only
    # such rows: a btree entry has at most 2,704 bytes.
    sa.Column("in_facet_index", sa.Boolean, nullable=False),
    # The document as CKAN built it (without the two dataset dicts): what
    # ``fl`` returns.
    sa.Column("doc", postgresql.JSONB, nullable=False),
    sa.Column("data_dict", sa.UnicodeText),
    sa.Column("validated_data_dict", sa.UnicodeText),
    sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
)

# Per combination of the filter columns CKAN always sends (and of
# ``extra_fields_key``), how many indexed datasets have each facet value
# (``field`` '' counts the datasets): brought up to date by triggers at the
# commit of each transaction writing the index (migration e7c4a1f9b2d6),
# read by facets.py for searches filtered on those columns alone.
TOTALS_SCOPE = ("site_id", "state", "capacity", "dataset_type", "permission_labels")
totals_table = sa.Table(
    "issy_search_facet_totals",
    metadata,
    sa.Column("site_id", sa.UnicodeText, nullable=False),
    sa.Column("state", sa.UnicodeText),
    sa.Column("capacity", sa.UnicodeText),
    sa.Column("dataset_type", sa.UnicodeText),
    sa.Column("permission_labels", postgresql.ARRAY(sa.UnicodeText)),
    sa.Column("extra_fields_key", sa.UnicodeText),
    sa.Column("field", sa.UnicodeText, nullable=False),
    sa.Column("value", sa.UnicodeText, nullable=False),
    sa.Column("n", sa.BigInteger, nullable=False),
)
# The transactions that wrote the index and whose deltas the totals will
# take at their commit.
pending_totals_table = sa.Table(
    "issy_search_facet_pending",
    metadata,
    sa.Column("txid", sa.BigInteger, primary_key=True),
)
