"""Cheaper listings and facets: an index in the order of CKAN's default
sort, and the short fields kept inside the row.

- ``ORDER BY metadata_modified DESC NULLS LAST, id`` (the dataset list
  without text, and its deep pages) cannot use the ascending index on
  ``metadata_modified``: a backward scan gives ``NULLS FIRST``. The new
  index has that order and includes the columns of the filters CKAN always
  sends (capacity, state, dataset_type, site_id), so that the page reads the
  index in order and the ``count(*)`` of a listing is an index-only scan.
- A row holds the dataset several times (``data_dict``, ``doc``...) and its
  ``search_vector`` stays inline (``STORAGE MAIN``): to fit the row in a
  page, PostgreSQL moved every other field out to TOAST, even ``tags``,
  ``title`` or ``organization``, so that faceting on ``tags`` read TOAST for
  each row, 10 to 50 times slower than inline. The short fields (every
  field but the dataset's texts and copies) become ``STORAGE MAIN`` too:
  compressed inline, moved out only as a last resort, after the long ones.
  The rows already indexed are rewritten so that the change applies to them,
  and their arrays keep each value once, as indexing now writes them.

Revision ID: c5a2f7e3d8b1
Revises: b7e1d4c9a2f0
Create Date: 2026-11-29 10:00:00

"""
from __future__ import annotations

from alembic import op

revision = "c5a2f7e3d8b1"
down_revision = "b7e1d4c9a2f0"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
LISTING_INDEX = f"{TABLE}_listing"
ARRAYS = ("tags", "groups", "res_format", "permission_labels")
TEXTS = (
    "id", "site_id", "name", "title", "title_sort", "state", "capacity",
    "dataset_type", "owner_org", "organization", "license_id",
)


def _set_storage(columns: tuple[str, ...], storage: str) -> None:
    op.execute(f"ALTER TABLE {TABLE} " + ", ".join(
        f"ALTER COLUMN {column} SET STORAGE {storage}" for column in columns
    ))


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX {LISTING_INDEX} ON {TABLE} "
        "(metadata_modified DESC NULLS LAST, id) "
        "INCLUDE (capacity, state, dataset_type, site_id)"
    )
    _set_storage(ARRAYS + TEXTS, "MAIN")
    # A new value (not the stored pointer) makes PostgreSQL store it again,
    # inline now. The arrays keep each value once, in order, as the
    # indexing now writes them (facets count datasets with count(*)).
    op.execute(f"UPDATE {TABLE} SET " + ", ".join(
        [f"{column} = ARRAY(SELECT value FROM unnest({column}) WITH ORDINALITY"
         " AS element(value, position) GROUP BY value ORDER BY min(position))"
         for column in ARRAYS]
        + [f"{column} = {column} || ''" for column in TEXTS]
    ))


def downgrade() -> None:
    _set_storage(ARRAYS + TEXTS, "EXTENDED")
    op.drop_index(LISTING_INDEX, table_name=TABLE)
