"""Phrases never span two fields or two values; suggestions match inside words.

``search_vector`` held each weight's values joined into one text, in two
copies (French stems, then whole words) placed end to end: a phrase could
run from one field, value or copy into the next ("2024 résultats" found a
title ending in 2024 whose next words, in the other copy, began with
"résultats"). Solr keeps 100 positions between the values of a field and
between fields. ``issy_search_vector(texts, weights, configurations, gap)``
builds the vector value by value, ``gap`` positions apart (more than the
farthest proximity a query may ask), every value in the first
configuration, then every value in the next. PostgreSQL keeps positions
up to 16,383 only: a value that could reach past 16,383 minus the gap is
put there with the others that do not fit, where all words share one
position (found as words, never in a phrase), and far from every other.

The migration creates the function, recomputes ``search_vector`` for the
rows already indexed (values in field-name order within a weight, where
indexing keeps the document's order: the same matches, ranks within a
hair), creates ``pg_trgm`` (a trusted extension: the database owner may
create it) and trigram indexes on the folded title and the name, which
suggestions search for the typed text inside words.

Revision ID: f4a8c2d6e1b3
Revises: e7c4a1f9b2d6
Create Date: 2026-12-06 10:00:00

"""
from __future__ import annotations

from alembic import op

revision = "f4a8c2d6e1b3"
down_revision = "e7c4a1f9b2d6"
branch_labels = None
depends_on = None

TABLE = "issy_search_index"
FUNCTION = "issy_search_vector"
TRIGRAM_COLUMNS = ("title_sort", "name")
# As ckanext/issy/search/text.py had them when this revision was written.
GAP = 12
MAX_TEXT_LENGTH = 200_000
WEIGHTS = {"title": "A", "tags": "B", "groups": "B", "notes": "C"}
OTHER_FIELDS = (
    "name", "organization", "license", "res_name", "res_description",
    "maintainer", "author", "url", "ckan_url", "download_url", "res_url",
    "text",
)
OTHER_PREFIXES = ("extras_", "res_extras_", "vocab_")

VECTOR_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(
    texts jsonb, weights text, configurations regconfig[], gap integer)
RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    -- PostgreSQL's last position: later words are all put there.
    last_position CONSTANT integer := 16383;
    -- Placed after each value, removed at the end: the next value starts
    -- ``gap`` positions further (tsvector || shifts by the last position).
    spacer CONSTANT tsvector := format('%L:%s', ' ', gap)::tsvector;
    placed tsvector := '';
    overflow tsvector := '';
    -- The last position of ``placed``: an upper bound (a value has no
    -- more positions than characters) until texts are long, then exact.
    used integer := 0;
    exact boolean := false;
    configuration regconfig;
    part tsvector;
    value text;
    part_end integer;
BEGIN
    FOREACH configuration IN ARRAY configurations LOOP
        FOR i IN 0 .. coalesce(jsonb_array_length(texts), 0) - 1 LOOP
            value := coalesce(texts ->> i, '');
            part := setweight(to_tsvector(configuration, value),
                              coalesce(nullif(substr(weights, i + 1, 1), ''), 'D')::"char");
            CONTINUE WHEN part = ''::tsvector;
            IF NOT exact AND used + length(value) + gap >= last_position THEN
                SELECT coalesce(max(p), 0) INTO used
                FROM unnest(placed) AS u, unnest(u.positions) AS p;
                exact := true;
            END IF;
            IF exact THEN
                SELECT max(p) INTO part_end FROM unnest(part) AS u, unnest(u.positions) AS p;
            ELSE
                part_end := length(value);
            END IF;
            IF used + part_end + gap < last_position THEN
                placed := placed || part || spacer;
                used := used + part_end + gap;
            ELSE
                overflow := overflow || part;
            END IF;
        END LOOP;
    END LOOP;
    IF overflow <> ''::tsvector THEN
        placed := placed || format('%L:%s', ' ', last_position)::tsvector || overflow;
    END IF;
    RETURN ts_delete(placed, ' ');
END
$$"""


def _weight_case() -> str:
    """The weight of a field of ``terms`` (``key``), NULL outside the
    catch-all field."""
    others = " OR ".join(
        [f"key IN ({', '.join(repr(field) for field in OTHER_FIELDS)})"]
        + [f"key LIKE '{prefix.replace('_', '!_')}%' ESCAPE '!'" for prefix in OTHER_PREFIXES]
    )
    named = " ".join(f"WHEN '{field}' THEN '{weight}'" for field, weight in WEIGHTS.items())
    return f"CASE key {named} ELSE CASE WHEN {others} THEN 'D' END END"


def _recompute_vectors() -> None:
    """Each row's values by weight (then field name, then order), each
    weight's text cut at ``MAX_TEXT_LENGTH`` characters as indexing does."""
    op.execute(f"""
        WITH value AS (
            SELECT id, weight, key, position, text, coalesce(sum(length(text)) OVER (
                PARTITION BY id, weight ORDER BY key, position
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::integer AS before
            FROM {TABLE}, jsonb_each(terms) AS field(key, texts),
                jsonb_array_elements_text(field.texts) WITH ORDINALITY AS item(text, position),
                LATERAL (SELECT {_weight_case()} AS weight) AS marked
            WHERE weight IS NOT NULL
        ), row_texts AS (
            SELECT id,
                jsonb_agg(left(text, {MAX_TEXT_LENGTH} - before) ORDER BY weight, key, position) AS texts,
                string_agg(weight, '' ORDER BY weight, key, position) AS weights
            FROM value WHERE before < {MAX_TEXT_LENGTH}
            GROUP BY id
        )
        UPDATE {TABLE} SET search_vector = {FUNCTION}(
            row_texts.texts, row_texts.weights,
            ARRAY['issy_french', 'issy_simple']::regconfig[], {GAP})
        FROM row_texts WHERE row_texts.id = {TABLE}.id""")


def upgrade() -> None:
    op.execute(VECTOR_FUNCTION)
    _recompute_vectors()
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRIGRAM_COLUMNS:
        op.execute(f"CREATE INDEX {TABLE}_{column}_trgm ON {TABLE} "
                   f"USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    # The vectors stay: the previous code searches them as they are.
    for column in TRIGRAM_COLUMNS:
        op.execute(f"DROP INDEX {TABLE}_{column}_trgm")
    op.execute(f"DROP FUNCTION {FUNCTION}(jsonb, text, regconfig[], integer)")
    # pg_trgm stays: another part of the database may use it.
