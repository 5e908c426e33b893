"""The home page's "newest" and "most viewed" listings from covering indexes.

The portal's home page lists the newest datasets (``metadata_created
desc``) and the most viewed ones (``views_recent desc, metadata_modified
desc``). The indexes of the first revision are ascending, with NULLs last:
read backwards they give ``DESC NULLS FIRST``, not the ``DESC NULLS LAST``
the search sorts by (Solr's order of missing values), so PostgreSQL read
and sorted the whole catalogue for five datasets (25 ms at 20,000
datasets). These indexes have the sort's own order, with ``id`` (the tie
breaker) and the filter columns CKAN sends for every visitor, as the
listing index of revision c5a2f7e3d8b1 has for ``metadata_modified``.

Revision ID: a8d3f5c1e7b9
Revises: f4a8c2d6e1b3
Create Date: 2026-12-07 23:30:00

"""
from __future__ import annotations

from alembic import op

revision = "a8d3f5c1e7b9"
down_revision = "f4a8c2d6e1b3"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
FILTERS = "capacity, state, dataset_type, site_id, permission_labels"
INDEXES = {
    f"{TABLE}_newest": "metadata_created DESC NULLS LAST, id",
    f"{TABLE}_most_viewed": "views_recent DESC NULLS LAST, metadata_modified DESC NULLS LAST, id",
}


def upgrade() -> None:
    for name, keys in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {TABLE} ({keys}) INCLUDE ({FILTERS})")


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name=TABLE)
