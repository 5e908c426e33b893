"""Opendatasoft finance datasets, read through a field mapping.

Each portal names its fields its own way (``exercice``, ``montant_realise``,
``libelle_fonction``...), so a source says which field holds each column of
the table it publishes (``"table"``):

- ``scdl`` (the default): the SCDL budget columns (``BGT_NATDEC``,
  ``BGT_ANNEE``... see ``scdl.py``). The records are split into budget
  documents (stage, year, SIRET) and published as SCDL files are;
- ``aggregated``: a simpler table for datasets already summed up (yearly
  amounts by function, for example): ``annee``, ``libelle`` and ``montant``,
  optionally ``code``, ``sens`` (recette/dépense), ``section``
  (investissement/fonctionnement) and ``document`` (the budget stage).
  One dataset for the whole Opendatasoft dataset.

``mapping`` gives the field of each column; ``values`` the value of a column
that the dataset does not hold (its SIRET, its stage...), the same on
every row. Either export can be read (``"export"``: ``csv``, the default,
or ``json``); both give the same rows.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core import ods as ods_api
from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.mapping import is_field, refuse_invalid
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.finance_formats.scdl import ESSENTIAL, NAMES, SCDL_COLUMNS, plain
from ckanext.issy.language import _

TABLES = ("scdl", "aggregated")
EXPORTS = ("csv", "json")
# The table of an aggregated dataset, with its French data dictionary.
AGGREGATED_COLUMNS = [
    Column("annee", "int4", "Exercice", "Année de l'exercice budgétaire."),
    Column("document", "text", "Étape budgétaire", "Budget primitif, compte administratif…"),
    Column("sens", "text", "Recette ou dépense", "Recette ou dépense."),
    Column("section", "text", "Section", "Investissement ou fonctionnement."),
    Column("code", "text", "Code", "Code de la fonction ou de la nature."),
    Column("libelle", "text", "Libellé", "Libellé de la fonction, de la nature ou du poste."),
    Column("montant", "numeric", "Montant", "Montant en euros."),
]
AGGREGATED_ESSENTIAL = frozenset({"annee", "libelle", "montant"})
COLUMNS = {"scdl": SCDL_COLUMNS, "aggregated": AGGREGATED_COLUMNS}
REQUIRED = {"scdl": ESSENTIAL, "aggregated": AGGREGATED_ESSENTIAL}


# --- the mapping -----------------------------------------------------------
def mapping_problems(table: str, mapping: Any, values: Any) -> list[str]:
    """Every problem of a source's ``mapping`` and ``values`` for ``table``, translated."""
    if not isinstance(mapping, dict):
        return [_("the field mapping must be an object")]
    if not isinstance(values, dict):
        return [_('"values" must be an object giving the value of columns the dataset lacks')]
    if table not in TABLES:
        return [_('"table" must be one of: {tables}').format(tables=", ".join(TABLES))]
    names = [column.id for column in COLUMNS[table]]
    problems = [_('"{key}" is not a column of the table "{table}" ({columns})').format(
                    key=key, table=table, columns=", ".join(names))
                for key in (*mapping, *values) if key not in names]
    problems += [_('"{key}": a field name is required').format(key=key)
                 for key, field in mapping.items() if not is_field(field)]
    problems += [_('"values", "{key}" must be text').format(key=key)
                 for key, value in values.items() if not isinstance(value, str)]
    problems += [_('"{key}" is both mapped to a field and given a value').format(key=key)
                 for key in mapping if key in values]
    problems += [_('"{key}": the field that holds it (mapping) or its value (values) is required').format(key=key)
                 for key in names if key in REQUIRED[table] and key not in mapping and key not in values]
    return problems


# --- the records -----------------------------------------------------------
def json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # 1234.5, never 1.2345e3
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def json_rows(records: Sequence[dict[str, Any]], fields: Sequence[str]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and rows of a JSON export, as the CSV export gives them
    (numbers written with a decimal point); a row's line is its record's rank."""
    header = list(dict.fromkeys([*fields, *(key for record in records for key in record)]))
    rows = ((rank, [json_cell(record.get(name)) for name in header]) for rank, record in enumerate(records, 1))
    return header, rows


def _indexes(header: Sequence[str], mapping: dict[str, str], file: str) -> dict[str, int]:
    found = {name.strip().lstrip("\ufeff"): index for index, name in reversed(list(enumerate(header)))}
    missing = [f"{field} ({column})" for column, field in mapping.items() if field.strip() not in found]
    if missing:
        raise ReadError(_("{file}: the field mapping names fields the dataset does not have: {missing}; "
                          "its fields are: {fields}").format(
            file=file, missing=", ".join(missing), fields=", ".join(name for name in header if name)))
    return {column: found[field.strip()] for column, field in mapping.items()}


def mapped_rows(header: Sequence[str], rows: Iterable[tuple[int, list[str]]], table: str,
                mapping: dict[str, str], values: dict[str, str], file: str) -> list[tuple[Any, ...]]:
    """The records as rows of ``table``: (line, cell, cell...) in its column
    order, cells stripped; ReadError when a mapped field is missing."""
    indexes = _indexes(header, mapping, file)
    names = [column.id for column in COLUMNS[table]]
    getters = [(lambda cells, i=indexes[name]: cells[i].strip()) if name in indexes
               else (lambda cells, v=values.get(name, "").strip(): v) for name in names]
    return [(line, *(get(cells) for get in getters)) for line, cells in rows]


def _documents(rows: list[tuple[Any, ...]], base: dict[str, Any]) -> list[dict[str, Any]]:
    """SCDL rows split into budget documents (stage, year, SIRET), as
    ``scdl.read_documents`` splits a file; ReadError at the first row where
    one of these is empty."""
    documents: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        empty = [name for name, cell in zip(NAMES[:3], row[1:4]) if not cell]
        if empty:
            raise ReadError(_("{file}, line {line}, column {column} ({name}): {problem}").format(
                file=base["file"], line=row[0], column=base["columns"].get(empty[0], "?"), name=empty[0],
                problem=_("empty cell")))
        documents.setdefault((plain(row[1]), row[2], row[3]), []).append(row)
    return [{**base, "rows": document} for document in documents.values()]


def read_documents(dataset: ods_api.Dataset, page_url: str, export: http.Download,
                   config: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents of an Opendatasoft dataset: its budget documents
    (``scdl``), or its one aggregated table."""
    table, mapping, values = config["table"], config["mapping"], config["values"]
    refuse_invalid(mapping_problems(table, mapping, values), dataset.id)
    if config["export"] == "json":
        file = f"{dataset.id}.json"
        header, records = json_rows(ods_api.read_json_export(export), [field.name for field in dataset.fields])
        rows = mapped_rows(header, records, table, mapping, values, file)
    else:
        file = f"{dataset.id}.csv"
        with ods_api.read_export(export) as stream:
            rows = mapped_rows(stream.header, stream.rows, table, mapping, values, file)
    base = {
        "source_url": page_url, "file": file, "format": "ods", "table": table,
        "columns": {**{name: f"« {field} »" for name, field in mapping.items()},
                    **{name: "values" for name in values}},
        "origin": {"id": dataset.id, "title": dataset.title, "url": page_url,
                   "license_id": dataset.license_id, "license_text": dataset.license_text},
    }
    if not rows:
        return []
    return _documents(rows, base) if table == "scdl" else [{**base, "rows": rows}]
