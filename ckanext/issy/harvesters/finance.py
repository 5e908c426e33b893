"""Finance harvester. Source kind ``issy_finance``: budget documents, from
files whose ``format`` is ``scdl`` (SCDL budget CSV files, the default) or
``totem`` (TOTEM XML ``DocumentBudgetaire``); with ``scdl``, an XML file
among the source's files is read as TOTEM all the same.

A file lists the lines of one or more budget documents (budget primitif 2024,
compte administratif 2023...), read into SCDL lines by
``finance_formats/``. Each document becomes one dataset: the normalised CSV
in SCDL column order with its typed DataStore table, and the original file
linked as its source. A document given by two files of a source (as SCDL
and as TOTEM) has one guid: it is published once and the second is
reported.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestObject

from ckanext.issy.harvesters.core import http, publish
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, Item
from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.reading import SPACES, parse_number
from ckanext.issy.harvesters.finance_formats import totem
from ckanext.issy.harvesters.finance_formats.scdl import (
    ENUMS, ESSENTIAL, KNOWN_STAGES, SCDL_COLUMNS, plain, read_documents, slug,
)
from ckanext.issy.language import _

FORMATS = ("scdl", "totem")
ANNUAL = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
DEFAULTS: dict[str, Any] = {
    "format": "scdl",
    "nomenclature": "",  # the chart of accounts of CSV files (M14, M57...); TOTEM documents say it themselves
    "group": "finances",
    "tags": ["budget", "finances", "SCDL"],
    "license_id": "lov2",
    "frequency": ANNUAL,
    "commune": "Issy-les-Moulineaux",
    "insee": "92040",
    "title_suffix": "",
    "notes": "",
}


@dataclass
class DocumentProblems(Exception):
    """Every problem found in one budget document: (line, message)."""

    problems: list[tuple[int, str]]


# --- gather: a file into documents ---------------------------------------
def _guid(document: dict[str, Any]) -> str:
    stage, year, siret = document["rows"][0][1:4]
    return f"{slug(stage)}-{year}-{siret}"


def document_items(documents: list[dict[str, Any]]) -> list[Item]:
    items = []
    for document in documents:
        content = json.dumps(document, ensure_ascii=False)
        items.append(Item(_guid(document), content, hashlib.sha256(content.encode()).hexdigest()))
    return items


# --- import: validate and type a document --------------------------------
# Typed rows hold text in the form PostgreSQL reads for the column's type
# (decimal point, canonical spellings, "" for no value): the DataStore's COPY
# does the casting in C, and the normalised CSV is written as it is.
def _problem(document: dict[str, Any], line: int, column: str, message: str) -> tuple[int, str]:
    return line, _("{file}, line {line}, column {column} ({name}): {problem}").format(
        file=document["file"], line=line, column=document["columns"].get(column, "?"), name=column, problem=message)


def _number(value: str) -> str:
    try:
        number = parse_number(value)
    except ValueError:
        raise ValueError(_('"{value}" is not a number').format(value=value))
    return "" if number is None else format(number, "f")


def _year(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}", value):
        raise ValueError(_('"{value}" is not a year').format(value=value))
    return value


def _siret(value: str) -> str:
    if not re.fullmatch(r"[0-9]{14}", value):
        raise ValueError(_('"{value}" is not a SIRET (14 digits)').format(value=value))
    return value


def _enum(column: str) -> Callable[[str], str]:
    spellings = ENUMS[column]

    def convert(value: str) -> str:
        canonical = spellings.get(value) or spellings.get(plain(value))
        if canonical is None:
            raise ValueError(_('"{value}" is not one of: {allowed}').format(
                value=value, allowed=", ".join(dict.fromkeys(spellings.values()))))
        return canonical

    return convert


# Cells are joined with NUL, which decoding refuses in a file, so that one
# regular expression checks a whole column.
SEPARATOR = "\x00"


# What parse_number ignores in an amount: spaces anywhere, a final "%".
AMOUNT_NOISE = re.compile(f"{SPACES.pattern}|%(?={SEPARATOR}|\\Z)")


def _whole_column(cell: str, optional: bool) -> re.Pattern[str]:
    cell = f"(?:{cell})?" if optional else f"(?:{cell})"
    return re.compile(f"{cell}(?:{SEPARATOR}{cell})*")


@dataclass(frozen=True)
class Check:
    """How the cells of one column are validated and converted."""

    name: str
    convert: Callable[[str], str] | None  # None: free text, kept as it is
    # Cells already in their converted form ("1234.56", "2024"), once
    # ``squeeze`` is removed: a column entirely in that form is accepted at
    # once; the others go cell by cell.
    canonical: re.Pattern[str] | None = None
    squeeze: re.Pattern[str] | None = None

    def column(self, values: Sequence[str]) -> tuple[Sequence[str], dict[str, str]]:
        """The converted cells, and the message of every value that is refused."""
        refused = {"": _("empty cell")} if self.name in ESSENTIAL and "" in values else {}
        if self.convert is None:
            return values, refused
        if self.canonical is not None:
            joined = SEPARATOR.join(values)
            compact = self.squeeze.sub("", joined) if self.squeeze else joined
            if self.canonical.fullmatch(compact):
                if compact == joined and "," not in joined:
                    return values, refused
                return compact.replace(",", ".").split(SEPARATOR), refused
        # Each distinct value is converted once: most columns repeat a handful.
        converted: dict[str, str] = {"": ""}
        for value in set(values) - converted.keys():
            try:
                converted[value] = self.convert(value)
            except ValueError as error:
                refused[value] = str(error)
        if refused:
            return values, refused
        return [converted[value] for value in values], refused


def _check(column: Column) -> Check:
    optional = column.id not in ESSENTIAL
    if column.type == "numeric":
        return Check(column.id, _number, _whole_column(r"-?(?:0|[1-9][0-9]*)(?:[.,][0-9]+)?", optional), AMOUNT_NOISE)
    if column.id == "BGT_ANNEE":
        return Check(column.id, _year, _whole_column("[0-9]{4}", optional))
    if column.id == "BGT_SIRET":
        return Check(column.id, _siret, _whole_column("[0-9]{14}", optional))
    return Check(column.id, _enum(column.id) if column.id in ENUMS else None)


# Built once: a document has tens of thousands of cells to check.
CHECKS = [_check(column) for column in SCDL_COLUMNS]


def _duplicates(document: dict[str, Any], lines: Sequence[int],
                cells: list[tuple[str, ...]]) -> list[tuple[int, int, str]]:
    if len(set(cells)) == len(cells):
        return []
    first_seen: dict[tuple[str, ...], int] = {}
    problems = []
    for index, (line, row) in enumerate(zip(lines, cells)):
        first = first_seen.setdefault(row, line)
        if first != line:
            problems.append((index, -1, _("{file}, line {line}: duplicate of line {first}").format(
                file=document["file"], line=line, first=first)))
    return problems


@collector_paused()
def typed_rows(document: dict[str, Any]) -> tuple[list[tuple[str, ...]], list[tuple[int, str]]]:
    """The document's rows typed in SCDL order and its warnings; raises DocumentProblems
    with every problem, in line then column order.

    Checked column by column, so that most of the work runs in C."""
    lines, *columns = zip(*document["rows"])
    typed: list[Sequence[str]] = []
    problems = _duplicates(document, lines, list(zip(*columns)))
    for position, (check, values) in enumerate(zip(CHECKS, columns)):
        converted, refused = check.column(values)
        typed.append(converted)
        if refused:
            problems += [(index, position, _problem(document, lines[index], check.name, refused[value])[1])
                         for index, value in enumerate(values) if value in refused]
    if problems:
        problems.sort(key=lambda problem: problem[:2])
        raise DocumentProblems([(lines[index], message) for index, _position, message in problems])
    warnings = []
    stage = document["rows"][0][1]
    if plain(stage) not in {plain(known) for known in KNOWN_STAGES}:
        warnings.append(_problem(document, document["rows"][0][0], "BGT_NATDEC", _(
            '"{value}" is not a stage of the SCDL budget schema 0.8; the document is published anyway'
        ).format(value=stage)))
    return list(zip(*typed)), warnings


# --- the dataset ---------------------------------------------------------
def _title(stage: str, year: str, config: dict[str, Any], annex: str = "") -> str:
    budget = f" – {annex}" if annex else ""  # an annex budget of a TOTEM file, named apart from the main one
    return f"{stage[:1].upper()}{stage[1:]} {year}{budget}{config['title_suffix']}"


def package_dict(document: dict[str, Any], rows: Sequence[Sequence[str]], config: dict[str, Any],
                 owner_org: str) -> dict[str, Any]:
    stage, year, siret, name = document["rows"][0][1:5]
    # Dataset content is stored in French, the site's language of record.
    nomenclature = document.get("nomenclature") or config["nomenclature"]
    origin = (f"Données issues du document budgétaire TOTEM « {document['file']} » transmis à la préfecture ; "
              "il n'est pas republié, ses annexes pouvant nommer des personnes."
              if _is_totem(document) else f"Fichier d'origine : {document['file']}.")
    notes = (
        f"{_title(stage, year, {'title_suffix': ''})} de {name} (SIRET {siret}) au format SCDL "
        f"« budget » : {len(rows)} lignes budgétaires, montants en euros.\n\n"
        + (f"Nomenclature comptable : {nomenclature}.\n\n" if nomenclature else "") + origin
    )
    if config["notes"]:
        notes += "\n\n" + config["notes"]
    extras = {
        **publish.coverage_extras(f"{year}-01-01", f"{year}-12-31", config["frequency"], config),
        "scdl_siret": siret,
        "scdl_document": stage,
        **({"budget_nomenclature": nomenclature} if nomenclature else {}),
    }
    return {
        "title": _title(stage, year, config, document.get("annex", "")),
        "owner_org": owner_org,
        "notes": notes,
        "license_id": config["license_id"],
        "tags": [{"name": tag} for tag in (*config["tags"], stage.lower(), year)],
        "groups": [{"name": config["group"]}],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
    }


class ScdlBudgetHarvester(IssyHarvesterBase):
    """Source type ``issy_finance``: SCDL budget CSV files."""

    def info(self) -> dict[str, str]:
        return {
            "name": "issy_finance",
            "title": _("Budget files (SCDL CSV, TOTEM XML)"),
            "description": _("Budget documents of a local authority in the SCDL budget format "
                             "(schema.data.gouv.fr) or as TOTEM budget documents, one dataset per document"),
        }

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        merged, problems = self.with_defaults(config, DEFAULTS)
        if not isinstance(merged["tags"], list) or not all(isinstance(t, str) and t for t in merged["tags"]):
            problems.append(_('"tags" must be a list of words'))
        for key in ("group", "license_id", "frequency", "commune", "insee", "title_suffix", "notes", "nomenclature"):
            if not isinstance(merged[key], str):
                problems.append(_('"{key}" must be a string').format(key=key))
        if merged["format"] not in FORMATS:
            problems.append(_('"format" must be one of {formats}').format(formats=", ".join(FORMATS)))
        if isinstance(merged["insee"], str) and not re.fullmatch(r"\d[\dAB]\d{3}", merged["insee"]):
            problems.append(_('"insee" must be a commune code of 5 characters, e.g. "92040"'))
        return merged, problems

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        # Budget files are small (the shared 50 MiB limit): read whole, by the fast path.
        (download,) = downloads
        assert download.path is not None, "a changed file is read from its body"
        # A source may give TOTEM documents beside SCDL files: XML is TOTEM.
        if config["format"] == "totem" or totem.is_xml(download.path):
            return document_items(totem.read_documents(download.path, download.url))
        return document_items(read_documents(download.read_bytes(), download.url, config.get("encoding"),
                                             download.charset))

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        with collector_paused():
            document = json.loads(obj.content)
        try:
            rows, warnings = typed_rows(document)
        except DocumentProblems as error:
            self.report_problems(obj, error.problems, _("The document is not published: "))
            return None
        self.report_problems(obj, warnings, _("Warning: "))
        owner_org = tk.get_action("package_show")(dict(context), {"id": obj.source.id})["owner_org"]
        publish.ensure_group(config["group"], config["group"].capitalize(), context)
        return publish_document(obj, document, rows, config, owner_org, context)



def publish_document(obj: HarvestObject, document: dict[str, Any],
                     rows: Sequence[Sequence[str]], config: dict[str, Any], owner_org: str,
                     context: dict[str, Any]) -> str:
    """Create or update the dataset of the document of ``obj``."""
    wanted = package_dict(document, rows, config, owner_org)
    table = publish.Table("data", _("Data (normalised CSV, SCDL)"), f"{slug(wanted['title'])}.csv", SCDL_COLUMNS, rows)
    # A TOTEM document is neither copied nor linked: its annexes may name people.
    links = [] if _is_totem(document) else [
        publish.Link("source", _("Original file: {name}").format(name=document["file"]), document["source_url"])]
    return publish.publish(obj, wanted, [table], links, context)


def _is_totem(document: dict[str, Any]) -> bool:
    return document.get("format") == "totem"
