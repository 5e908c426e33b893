"""French full-text search, suggestions and map search columns.

Creates the ``unaccent`` extension (trusted: the database owner may create
it; otherwise an administrator must run ``CREATE EXTENSION unaccent``
first), the text search configurations ``issy_french`` (unaccent + French
stemming) and ``issy_simple`` (unaccent, whole words), the weighted
``search_vector`` and ``suggest_vector`` columns with GIN indexes and the
``bbox`` column with a GiST index, and fills them for the rows already
indexed, so that search keeps working without a reindex.

Revision ID: b7e1d4c9a2f0
Revises: 9a4c2e7b1d3f
Create Date: 2025-02-10 10:00:00

"""
from __future__ import annotations

import json
import math

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b7e1d4c9a2f0"
down_revision = "9a4c2e7b1d3f"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
WORD_TOKENS = (
    "asciiword", "word", "asciihword", "hword", "hword_asciipart", "hword_part",
)
CONFIGURATIONS = {
    "issy_french": ("french", "unaccent, french_stem"),
    "issy_simple": ("simple", "unaccent, simple"),
}
# The fields of Solr's catch-all ``text`` field and their weight, as
# ckanext/issy/search/text.py had them when this revision was written.
WEIGHTS = {"title": "A", "tags": "B", "groups": "B", "notes": "C"}
OTHER_FIELDS = (
    "name", "organization", "license", "res_name", "res_description",
    "maintainer", "author", "url", "ckan_url", "download_url", "res_url",
    "text",
)
OTHER_PREFIXES = ("extras_", "res_extras_", "vocab_")


def _create_configurations() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, (parent, dictionaries) in CONFIGURATIONS.items():
        # Left behind by a database emptied table by table (CKAN's test
        # clean-up) or by an earlier downgrade of the table only.
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {parent})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR "
            f"{', '.join(WORD_TOKENS)} WITH {dictionaries}"
        )


def _weighted(text: str, weight: str, configurations: tuple[str, ...]) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{name}', coalesce({text}, '')), '{weight}')"
        for name in configurations
    )


def _terms_text(condition: str) -> str:
    return (
        "(SELECT string_agg(value, ' ') FROM jsonb_each(terms) AS field(key, "
        "values), jsonb_array_elements_text(field.values) AS value "
        f"WHERE {condition})"
    )


def _one_of(fields: list[str]) -> str:
    return f"key IN ({', '.join(repr(field) for field in fields)})"


def _backfill_vectors() -> None:
    both = tuple(CONFIGURATIONS)
    others = " OR ".join(
        [_one_of(list(OTHER_FIELDS))]
        + [f"key LIKE '{prefix.replace('_', '!_')}%' ESCAPE '!'"
           for prefix in OTHER_PREFIXES]
    )
    parts = [
        _weighted(_terms_text(_one_of(
            [field for field, mark in WEIGHTS.items() if mark == weight]
        )), weight, both)
        for weight in sorted(set(WEIGHTS.values()))
    ]
    parts.append(_weighted(_terms_text(others), "D", both))
    op.execute(
        f"UPDATE {TABLE} SET search_vector = {' || '.join(parts)}, "
        f"suggest_vector = {_weighted('title', 'A', ('issy_simple',))} || "
        f"{_weighted('name', 'B', ('issy_simple',))}"
    )


def _backfill_bbox() -> None:
    # The envelope of the GeoJSON needs Python (shapely); few rows have one.
    import shapely.geometry

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        f"SELECT id, coalesce(terms->'extras_spatial'->>0, terms->'spatial'->>0)"
        f" AS geojson FROM {TABLE} WHERE terms ? 'extras_spatial' "
        "OR terms ? 'spatial'"
    ))
    for row in rows.fetchall():
        try:
            bounds = shapely.geometry.shape(json.loads(row.geojson)).bounds
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        if len(bounds) == 4 and all(map(math.isfinite, bounds)):
            connection.execute(sa.text(
                f"UPDATE {TABLE} SET bbox = box(point(:minx, :miny), "
                "point(:maxx, :maxy)) WHERE id = :id"
            ), dict(zip(("minx", "miny", "maxx", "maxy"), bounds), id=row.id))


def upgrade() -> None:
    _create_configurations()
    for column in ("search_vector", "suggest_vector"):
        op.add_column(TABLE, sa.Column(
            column, postgresql.TSVECTOR, nullable=False,
            server_default="",
        ))
        # Kept inline in the row (compressed if need be) rather than in the
        # TOAST table: every match is rechecked and ranked on its vector,
        # and fetching it from TOAST made that 10 to 15 times slower.
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STORAGE MAIN")
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN bbox box")
    _backfill_vectors()
    _backfill_bbox()
    for column in ("search_vector", "suggest_vector"):
        op.create_index(f"{TABLE}_{column}_gin", TABLE, [column],
                        postgresql_using="gin")
    op.create_index(f"{TABLE}_bbox_gist", TABLE, ["bbox"],
                    postgresql_using="gist")


def downgrade() -> None:
    for column in ("bbox", "suggest_vector", "search_vector"):
        op.drop_column(TABLE, column)
    for name in CONFIGURATIONS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    # unaccent stays: another part of the database may use it.
