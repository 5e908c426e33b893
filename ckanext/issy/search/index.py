"""Writing CKAN's index documents to ``issy_search_index``.

The document is the one CKAN's ``PackageSearchIndex.index_package`` builds
for Solr, after every plugin's ``before_dataset_index``. Rows are written
with the caller's SQLAlchemy session (``model.Session``), so that they
commit or roll back with the dataset they describe.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import math
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ckanext.issy.search import spatial, text
from ckanext.issy.search.fields import extra_fields, extra_fields_key
from ckanext.issy.search.schema import index_table
from ckanext.issy.search.values import (
    fold, parse_iso_datetime, solr_date_string, to_utc,
)

# Stored in columns of their own rather than in ``doc``.
DATASET_DICTS = ("data_dict", "validated_data_dict")
ARRAY_FIELDS = ("tags", "groups", "res_format", "permission_labels")
SCALAR_FIELDS = (
    "site_id", "name", "title", "notes", "state", "capacity", "dataset_type",
    "owner_org", "organization", "license_id",
)
# What the covering ``facets`` index (migration d3b8e1f6a9c2) holds: the
# filters CKAN always sends, the facets of the dataset page, and its key.
FACET_INDEX_COLUMNS = (
    "capacity", "state", "dataset_type", "site_id", "permission_labels",
    "organization", "license_id", "tags", "groups", "res_format", "extra_terms",
    "extra_fields_key",
)
# Bytes of values a row may have there: a btree entry holds at most 2,704
# bytes, headers and alignment included (counted generously below).
FACET_INDEX_BYTES = 2000
# Bind parameters of the columns PostgreSQL computes in the upsert: the
# values of ``search_vector`` and their weights, the title and name of
# ``suggest_vector``, the corners of ``bbox``.
SEARCH_TEXTS = ("search_texts", "search_weights")
SUGGEST_TEXTS = {"A": "suggest_title", "B": "suggest_name"}
BBOX_CORNERS = ("bbox_min_x", "bbox_min_y", "bbox_max_x", "bbox_max_y")


def save(session: Session, documents: Iterable[Mapping[str, Any]]) -> None:
    """Insert or replace the rows of ``documents``; idempotent."""
    for document in documents:
        session.execute(_upsert(), build_row(document))


@functools.lru_cache(maxsize=None)
def _upsert() -> sa.TextClause:
    """One INSERT ... ON CONFLICT for every document, whose SQL never
    changes: SQLAlchemy caches its compiled form. (It never caches a
    ``postgresql.insert``'s ON CONFLICT clause: compiling that 35-column
    statement again for each document took longer than writing the row.)"""
    quote = postgresql.dialect().identifier_preparer.quote
    computed = {
        "search_vector": text.gapped_vector_sql(*SEARCH_TEXTS),
        "suggest_vector": text.weighted_vector_sql(SUGGEST_TEXTS, configs=(text.EXACT,)),
        # NULL when the corners are (box and point are strict functions).
        "bbox": "box(point(:{}, :{}), point(:{}, :{}))".format(*BBOX_CORNERS),
        "indexed_at": "now()",
    }
    columns = [column.name for column in index_table.columns]
    updates = [f"{quote(name)} = EXCLUDED.{quote(name)}" for name in columns if name != "id"]
    statement = sa.text(
        f"INSERT INTO {quote(index_table.name)} ({', '.join(map(quote, columns))})"
        f" VALUES ({', '.join(computed.get(name, f':{name}') for name in columns)})"
        f" ON CONFLICT ({quote('id')}) DO UPDATE SET {', '.join(updates)}"
    )
    return statement.bindparams(
        *(sa.bindparam(column.name, type_=column.type)
          for column in index_table.columns if column.name not in computed),
        *(sa.bindparam(corner, type_=sa.Float) for corner in BBOX_CORNERS),
        sa.bindparam(SEARCH_TEXTS[0], type_=postgresql.JSONB),
    )


def delete(session: Session, condition: ColumnElement) -> None:
    session.execute(sa.delete(index_table).where(condition))


def build_row(document: Mapping[str, Any]) -> dict[str, Any]:
    """The upsert's parameters: the row's values, and what PostgreSQL
    computes the other columns from."""
    row = _columns(document)
    row["extra_terms"] = {
        name: list(dict.fromkeys(row["terms"][name]))
        for name in extra_fields() if name in row["terms"]
    }
    row["extra_fields_key"] = extra_fields_key()
    row["in_facet_index"] = _facet_index_bytes(row) <= FACET_INDEX_BYTES
    return row


def _facet_index_bytes(row: Mapping[str, Any]) -> int:
    """An upper bound of the bytes of the row's values in the ``facets``
    index: each value with 8 bytes of header and alignment, each array or
    JSON document with 24."""
    size = 0
    for name in FACET_INDEX_COLUMNS:
        value = row[name]
        if isinstance(value, Mapping):
            size += len(json.dumps(value).encode()) + 24
        elif isinstance(value, list):
            size += sum(len(item.encode()) + 8 for item in value) + 24
        else:
            size += len((value or "").encode()) + 8
    return size


def _columns(document: Mapping[str, Any]) -> dict[str, Any]:
    terms = solr_terms(document)
    stored = {k: v for k, v in document.items() if k not in DATASET_DICTS}
    title = _first(terms, "title")
    bounds = spatial.envelope(document)
    texts, weights = text.weighted_values(terms)
    return {
        "id": document["id"],
        **{name: _first(terms, name) for name in SCALAR_FIELDS},
        "title_sort": fold(title or ""),
        # Distinct values (two CSV files, one "CSV"): facets count the
        # datasets of a value with count(*).
        **{name: list(dict.fromkeys(terms.get(name, []))) for name in ARRAY_FIELDS},
        "metadata_created": _datetime(document.get("metadata_created")),
        "metadata_modified": _datetime(document.get("metadata_modified")),
        "views_total": _integer(document.get("views_total")),
        "views_recent": _integer(document.get("views_recent")),
        "search_text": _search_text(terms),
        **dict(zip(SEARCH_TEXTS, (texts, weights))),
        SUGGEST_TEXTS["A"]: title or "",
        SUGGEST_TEXTS["B"]: _first(terms, "name") or "",
        **dict(zip(BBOX_CORNERS, bounds or (None,) * len(BBOX_CORNERS))),
        "terms": terms,
        "doc": _jsonable(stored),
        **{name: _optional_text(document.get(name)) for name in DATASET_DICTS},
    }


def solr_terms(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every field as the list of strings pysolr would send to Solr: None
    and empty strings dropped, booleans as ``true``/``false``, ``*_date``
    fields in Solr's date form."""
    terms = {}
    for key, value in document.items():
        if key in DATASET_DICTS:
            continue
        items = value if isinstance(value, (list, tuple, set)) else [value]
        strings = [_solr_string(key, item) for item in items]
        strings = [s for s in strings if s]
        if strings:
            terms[str(key)] = strings
    return terms


def _solr_string(key: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return solr_date_string(value)
    if isinstance(value, (dict, list)):
        return _clean(json.dumps(value, default=str))
    text = _clean(str(value))
    if key.endswith("_date"):
        moment = parse_iso_datetime(text)
        return solr_date_string(moment) if moment else None
    return text


def _search_text(terms: Mapping[str, list[str]]) -> str:
    sources = [
        value
        for key, values in terms.items()
        if text.weight_of(key) is not None
        for value in values
    ]
    # Single spaces: phrase queries match across line breaks.
    return " ".join(fold(" ".join(sources)).split())


def _first(terms: Mapping[str, list[str]], name: str) -> Optional[str]:
    values = terms.get(name)
    return values[0] if values else None


def _datetime(value: Any) -> Optional[dt.datetime]:
    if isinstance(value, dt.datetime):
        return to_utc(value)
    return parse_iso_datetime(value) if isinstance(value, str) else None


def _integer(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _optional_text(value: Any) -> Optional[str]:
    return None if value is None else _clean(str(value))


def _clean(text: str) -> str:
    # PostgreSQL text and JSONB cannot hold NUL characters.
    return text.replace("\x00", "")


def _jsonable(value: Any) -> Any:
    """``value`` with only what JSONB accepts."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(item) for item in value]
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _clean(str(value))
