"""The searchable fields: which Solr field of CKAN's schema lives where in
``issy_search_index``, and the SQL primitives to match, facet and sort it.

Names follow CKAN's Solr schema (``ckan/config/solr/schema.xml``) so that
the ``fq`` CKAN core and extensions build keep working. Solr's schema ends
with a catch-all ``*`` string field. Here, in ``q`` and ``fq``, a field is
known only if it is listed below, matches one of the schema's dynamic
patterns (``extras_*``, ``res_extras_*``, ``vocab_*``, ``*_date``) or is
declared in ``ckanext.issy.search.extra_fields``: a typo is an error, not an
empty page. Facets and sorting keep Solr's catch-all, because CKAN relies on
it there: its home page sorts on ``view_recent``, which nobody indexes, and
extensions facet on fields of their own (ckanext-harvest's ``frequency``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

import ckan.plugins.toolkit as tk

from ckanext.issy.search import spatial, text
from ckanext.issy.language import _
from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.schema import index_table
from ckanext.issy.search.text import TextQuery
from ckanext.issy.search.values import (
    LIKE_ESCAPE, fold, like_literal, solr_date_string, sql_fold,
)

EXTRA_FIELDS_OPTION = "ckanext.issy.search.extra_fields"
# Solr's n-gram fields hold every 2- to 10-letter piece of a value; here a
# suggestion matches inside words from three letters, pg_trgm's shortest.
INSIDE_WORDS_MIN = 3


class Kind(enum.Enum):
    """How Solr's schema treats a field's values."""

    STRING = "string"  # exact and case-sensitive (solr.StrField)
    TEXT = "text"  # tokenised: matched case- and accent-insensitively
    DATE = "date"
    INT = "int"
    BBOX = "bbox"  # a bounding box, matched by intersection (spatial.py)


class Storage(enum.Enum):
    COLUMN = "column"  # a scalar column
    ARRAY = "array"  # a text[] column
    TERMS = "terms"  # a key of the ``terms`` JSONB column (list of strings)


Predicate = Callable[[ColumnElement], ColumnElement]


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    storage: Storage
    column: Optional[sa.Column] = None
    # ``text`` is stored already folded (values.fold).
    prefolded: bool = False
    # Column to sort on when it is not ``column`` (title_string).
    sort_column: Optional[sa.Column] = None
    # Text fields: the tsvector column holding the field's words and the
    # weights marking them there; without one, the field's own text is
    # analysed row by row (after the catch-all vector's index has narrowed
    # the rows down when the field is part of it).
    vector: Optional[sa.Column] = None
    weights: str = ""
    # Solr's n-gram fields: every word is a word prefix (suggestions), and
    # the typed text may also be found inside the words of ``infix`` (a
    # folded column with a trigram index, migration f4a8c2d6e1b3).
    prefix_only: bool = False
    infix: Optional[sa.Column] = None

    def equals(self, value: Any) -> ColumnElement:
        if self.storage is Storage.ARRAY:
            return self.column.contains([value])
        if self.storage is Storage.TERMS:
            # ``terms @> {"name": ["value"]}`` uses the jsonb_path_ops index.
            return index_table.c.terms.contains({self.name: [value]})
        return self.column == value

    def matches(self, query: TextQuery) -> ColumnElement:
        """Full-text match of a text field."""
        vector, weights = self.ranking()
        if self.vector is not None:
            found = text.matches(vector, query.restricted(weights))
            inside = self.inside_words(query)
            return found if inside is None else sa.or_(found, inside)
        own_words = text.matches(
            text.own_vector(index_table.c.terms[self.name]), query
        )
        if not weights:
            return own_words
        return sa.and_(text.matches(vector, query.restricted(weights)), own_words)

    def inside_words(self, query: TextQuery) -> Optional[ColumnElement]:
        """Whether the typed text appears anywhere in ``infix``, accents
        and case ignored (``bli`` in "Some public stuff"); None for a field
        without one, or a text too short."""
        typed = fold(" ".join(query.words))
        if self.infix is None or len(typed) < INSIDE_WORDS_MIN:
            return None
        return self.infix.like(f"%{like_literal(typed)}%", escape=LIKE_ESCAPE)

    def ranking(self) -> tuple[sa.Column, str]:
        """The vector and weights that rank the field's matches."""
        if self.vector is not None:
            return self.vector, self.weights
        return index_table.c.search_vector, text.weight_of(self.name) or ""

    def starts_with(self, value: str) -> ColumnElement:
        """Whether the field's folded text starts with ``value``."""
        return sa.func.starts_with(self.sort_key(), fold(value))

    def exists(self) -> ColumnElement:
        if self.storage is Storage.ARRAY:
            return sa.func.cardinality(self.column) > 0
        if self.storage is Storage.TERMS:
            return index_table.c.terms.has_key(self.name)
        return self.column.isnot(None)

    def any_value(self, predicate: Predicate) -> ColumnElement:
        """True when one of the field's values satisfies ``predicate``."""
        if self.storage is Storage.COLUMN:
            return predicate(self.column)
        # render_derived: ``unnest(...) AS v(value)``, else the column of
        # unnest() is named after the alias, not "value".
        values = self.facet_values().table_valued("value").render_derived()
        return sa.select(sa.literal(1)).select_from(values).where(
            predicate(values.c.value)
        ).exists()

    def text(self) -> ColumnElement:
        """The field's text, folded, for substring matching."""
        if self.prefolded:
            return self.column
        if self.storage is Storage.TERMS:
            # The JSON text of the value list: quotes and backslashes come
            # escaped, which substring matching of words can live with.
            return sql_fold(sa.cast(index_table.c.terms[self.name], sa.UnicodeText))
        return sql_fold(self.column)

    def facet_values(self) -> ColumnElement:
        """One row per value of the field (a set-returning function for
        multi-valued fields)."""
        if self.storage is Storage.ARRAY:
            return sa.func.unnest(self.column)
        if self.storage is Storage.TERMS:
            return sa.func.jsonb_array_elements_text(
                index_table.c.terms[self.name]
            )
        return sa.cast(self.column, sa.UnicodeText)

    def distinct_values(self, inline: bool = False) -> ColumnElement:
        """A ``terms`` field's values, each once, as a JSONB list: unpacked
        from ``terms`` (kept out of line in TOAST, slow to read), or with
        ``inline``, from the row's ``extra_terms`` (index.py), which holds
        the fields declared in ``ckanext.issy.search.extra_fields`` when the
        row was written, for the rows whose ``extra_fields_key`` is the
        current one."""
        if inline:
            return index_table.c.extra_terms[self.name]
        element = sa.func.jsonb_array_elements_text(
            index_table.c.terms[self.name]).table_valued("value")
        return sa.select(sa.func.coalesce(
            sa.func.jsonb_agg(sa.distinct(element.c.value)),
            sa.func.jsonb_build_array(),
        )).scalar_subquery()

    def comparable_date(self, moment: dt.datetime) -> Any:
        """``moment`` as this field's values compare: a timestamp for
        columns, Solr's date string for dates kept in ``terms``."""
        if self.storage is Storage.TERMS:
            return solr_date_string(moment)
        return moment

    def sort_key(self) -> ColumnElement:
        if self.sort_column is not None:
            return self.sort_column
        if self.storage is Storage.TERMS:
            return sa.func.jsonb_extract_path_text(
                index_table.c.terms, self.name, "0"
            )
        return self.column

    @property
    def sortable(self) -> bool:
        """Solr sorts on single-valued, untokenised fields only."""
        return (self.kind not in (Kind.TEXT, Kind.BBOX)
                and self.storage is not Storage.ARRAY)

    @property
    def facetable(self) -> bool:
        return self.kind in (Kind.STRING, Kind.INT)


def _columns() -> dict[str, Field]:
    c = index_table.c
    fields = [
        Field(name, Kind.STRING, Storage.COLUMN, getattr(c, name))
        for name in (
            "id", "site_id", "name", "state", "capacity", "dataset_type",
            "owner_org", "organization", "license_id",
        )
    ]
    fields += [
        Field(name, Kind.STRING, Storage.ARRAY, getattr(c, name))
        for name in ("tags", "groups", "res_format", "permission_labels")
    ]
    fields += [
        Field("title_string", Kind.STRING, Storage.COLUMN, c.title,
              sort_column=c.title_sort),
        Field("title", Kind.TEXT, Storage.COLUMN, c.title,
              vector=c.search_vector, weights=text.weight_of("title")),
        Field("notes", Kind.TEXT, Storage.COLUMN, c.notes,
              vector=c.search_vector, weights=text.weight_of("notes")),
        Field("text", Kind.TEXT, Storage.COLUMN, c.search_text, prefolded=True,
              vector=c.search_vector),
        # Solr's n-gram copies of name and title, queried by
        # package_autocomplete: word prefixes of the suggestion vector, or
        # the text inside the (lower-case) name and the folded title.
        Field("name_ngram", Kind.TEXT, Storage.COLUMN, c.name,
              vector=c.suggest_vector, weights="B", prefix_only=True, infix=c.name),
        Field("title_ngram", Kind.TEXT, Storage.COLUMN, c.title,
              sort_column=c.title_sort, vector=c.suggest_vector, weights="A",
              prefix_only=True, infix=c.title_sort),
        Field(spatial.BBOX_FIELD, Kind.BBOX, Storage.COLUMN, c.bbox),
        Field("metadata_created", Kind.DATE, Storage.COLUMN, c.metadata_created),
        Field("metadata_modified", Kind.DATE, Storage.COLUMN, c.metadata_modified),
        Field("indexed_ts", Kind.DATE, Storage.COLUMN, c.indexed_at),
        Field("views_total", Kind.INT, Storage.COLUMN, c.views_total),
        Field("views_recent", Kind.INT, Storage.COLUMN, c.views_recent),
    ]
    return {field.name: field for field in fields}


COLUMN_FIELDS = _columns()

# The other fields of CKAN's Solr schema and of CKAN's index document.
TERMS_FIELDS: dict[str, Kind] = {
    **{name: Kind.STRING for name in (
        "entity_type", "index_id", "revision_id", "version", "url",
        "ckan_url", "download_url", "license", "res_url", "res_type",
        "creator_user_id", "type", "private", "num_resources", "num_tags",
        "resources_accessed_total", "resources_accessed_recent",
    )},
    **{name: Kind.TEXT for name in (
        "author", "author_email", "maintainer", "maintainer_email",
        "res_name", "res_description", "depends_on", "dependency_of",
        "derives_from", "has_derivation", "links_to", "linked_from",
        "child_of", "parent_of",
    )},
}

# Solr's dynamic fields: (prefix, suffix, kind).
DYNAMIC_FIELDS = (
    ("extras_", "", Kind.TEXT),
    ("res_extras_", "", Kind.TEXT),
    ("vocab_", "", Kind.STRING),
    ("", "_date", Kind.DATE),
)


def _dynamic_kind(name: str) -> Optional[Kind]:
    for prefix, suffix, kind in DYNAMIC_FIELDS:
        stem = len(name) - len(prefix) - len(suffix)
        if stem > 0 and name.startswith(prefix) and name.endswith(suffix):
            return kind
    return None


def extra_fields() -> list[str]:
    return tk.aslist(tk.config.get(EXTRA_FIELDS_OPTION))


def extra_fields_key() -> str:
    """Which fields a row's ``extra_terms`` holds: a digest of the declared
    extra fields (short: it is the key of the ``facets`` index)."""
    names = json.dumps(sorted(set(extra_fields())))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def inline(field: Field) -> bool:
    """Whether ``field``'s values are kept in ``extra_terms``."""
    return field.storage is Storage.TERMS and field.name in extra_fields()


def resolve(name: str, catch_all: bool = False) -> Field:
    """The field named ``name``; an unknown name is InvalidQuery, or Solr's
    catch-all string field when ``catch_all`` is true."""
    if name in COLUMN_FIELDS:
        return COLUMN_FIELDS[name]
    kind = TERMS_FIELDS.get(name) or _dynamic_kind(name)
    if kind is None and (catch_all or name in extra_fields()):
        kind = Kind.STRING
    if kind is None:
        raise InvalidQuery(
            _('Unknown search field "{name}". Known fields are those of '
              "CKAN's Solr schema, extras_*, res_extras_*, vocab_*, *_date and "
              "the fields listed in {option}.").format(name=name, option=EXTRA_FIELDS_OPTION)
        )
    return Field(name, kind, Storage.TERMS)
