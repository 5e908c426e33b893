"""Create the issy_search_index table.

Revision ID: 9a4c2e7b1d3f
Revises:
Create Date: 2025-01-15 10:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9a4c2e7b1d3f"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
# Facet and permission fields: `@>` filters and unnest() facets use these.
GIN_ARRAYS = ("tags", "groups", "res_format", "permission_labels")
# Filters and sort keys of CKAN's pages and of `sort=`.
BTREE = (
    "name", "owner_org", "organization", "metadata_created",
    "metadata_modified", "title_sort", "views_recent", "views_total",
)


def _text_array(name: str) -> sa.Column:
    return sa.Column(
        name, postgresql.ARRAY(sa.UnicodeText), nullable=False,
        server_default="{}",
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        # A purged dataset takes its index row with it, in its transaction.
        sa.Column(
            "id", sa.UnicodeText,
            sa.ForeignKey("package.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("site_id", sa.UnicodeText, nullable=False),
        sa.Column("name", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText),
        sa.Column("title_sort", sa.UnicodeText, nullable=False,
                  server_default=""),
        sa.Column("notes", sa.UnicodeText),
        sa.Column("state", sa.UnicodeText),
        sa.Column("capacity", sa.UnicodeText),
        sa.Column("dataset_type", sa.UnicodeText),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("organization", sa.UnicodeText),
        sa.Column("license_id", sa.UnicodeText),
        *(_text_array(name) for name in GIN_ARRAYS),
        sa.Column("metadata_created", sa.DateTime(timezone=True)),
        sa.Column("metadata_modified", sa.DateTime(timezone=True)),
        sa.Column("views_total", sa.Integer),
        sa.Column("views_recent", sa.Integer),
        sa.Column("search_text", sa.UnicodeText, nullable=False,
                  server_default=""),
        sa.Column("terms", postgresql.JSONB, nullable=False,
                  server_default="{}"),
        sa.Column("doc", postgresql.JSONB, nullable=False,
                  server_default="{}"),
        sa.Column("data_dict", sa.UnicodeText),
        sa.Column("validated_data_dict", sa.UnicodeText),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    for column in GIN_ARRAYS:
        op.create_index(f"{TABLE}_{column}_gin", TABLE, [column],
                        postgresql_using="gin")
    op.create_index(f"{TABLE}_terms_gin", TABLE, ["terms"],
                    postgresql_using="gin",
                    postgresql_ops={"terms": "jsonb_path_ops"})
    for column in BTREE:
        op.create_index(f"{TABLE}_{column}", TABLE, [column])


def downgrade() -> None:
    op.drop_table(TABLE)
