"""Validating and typing the rows of a finance table, whatever the format
they were read from: the SCDL lines of a budget document, the lines of an
aggregated table, the capital expenditure projects.

A document is ``{"file", "columns": {column: where it was read}, "rows":
[(line, cell, cell...)]}`` with its cells in the table's column order.
Typed rows hold text in the form PostgreSQL reads for the column's type
(decimal point, canonical spellings, "" for no value): the DataStore's COPY
does the casting in C, and the normalised CSV is written as it is.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.reading import SPACES, parse_number
from ckanext.issy.harvesters.finance_formats.scdl import ENUMS, ESSENTIAL, KNOWN_STAGES, SCDL_COLUMNS, plain
from ckanext.issy.language import _

YEARS = {"BGT_ANNEE", "annee"}
COORDINATES = {"latitude": 90, "longitude": 180}  # WGS 84 degrees, and their bound
# The columns of the other tables that take the SCDL's spellings.
SPELLINGS = {**ENUMS, "sens": ENUMS["BGT_CODRD"], "section": ENUMS["BGT_SECTION"]}


@dataclass
class DocumentProblems(Exception):
    """Every problem found in one document: (line, message)."""

    problems: list[tuple[int, str]]


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


def _coordinate(limit: int) -> Callable[[str], str]:
    def convert(value: str) -> str:
        number = _number(value)
        if number and not -limit <= float(number) <= limit:
            raise ValueError(_('"{value}" is not between -{limit} and {limit}').format(value=value, limit=limit))
        return number

    return convert


def _enum(column: str) -> Callable[[str], str]:
    spellings = SPELLINGS[column]

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
    essential: bool = False  # an empty cell is refused
    # Cells already in their converted form ("1234.56", "2024"), once
    # ``squeeze`` is removed: a column entirely in that form is accepted at
    # once; the others go cell by cell.
    canonical: re.Pattern[str] | None = None
    squeeze: re.Pattern[str] | None = None

    def column(self, values: Sequence[str]) -> tuple[Sequence[str], dict[str, str]]:
        """The converted cells, and the message of every value that is refused."""
        refused = {"": _("empty cell")} if self.essential and "" in values else {}
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


def _check(column: Column, essential: bool) -> Check:
    if column.id in COORDINATES:
        return Check(column.id, _coordinate(COORDINATES[column.id]), essential)
    if column.type == "numeric":
        number = r"-?(?:0|[1-9][0-9]*)(?:[.,][0-9]+)?"
        return Check(column.id, _number, essential, _whole_column(number, not essential), AMOUNT_NOISE)
    if column.id in YEARS:
        return Check(column.id, _year, essential, _whole_column("[0-9]{4}", not essential))
    if column.id == "BGT_SIRET":
        return Check(column.id, _siret, essential, _whole_column("[0-9]{14}", not essential))
    return Check(column.id, _enum(column.id) if column.id in SPELLINGS else None, essential)


def checks(columns: Sequence[Column], essential: Collection[str]) -> list[Check]:
    """The checks of a table's columns; ``essential``: those that may not be empty."""
    return [_check(column, column.id in essential) for column in columns]


# Built once: a document has tens of thousands of cells to check.
SCDL_CHECKS = checks(SCDL_COLUMNS, ESSENTIAL)


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
def typed(document: dict[str, Any], table_checks: Sequence[Check]) -> list[tuple[str, ...]]:
    """The document's rows typed; raises DocumentProblems with every problem,
    in line then column order. Checked column by column, so that most of
    the work runs in C."""
    lines, *columns = zip(*document["rows"])
    converted_columns: list[Sequence[str]] = []
    problems = _duplicates(document, lines, list(zip(*columns)))
    for position, (check, values) in enumerate(zip(table_checks, columns)):
        converted, refused = check.column(values)
        converted_columns.append(converted)
        if refused:
            problems += [(index, position, _problem(document, lines[index], check.name, refused[value])[1])
                         for index, value in enumerate(values) if value in refused]
    if problems:
        problems.sort(key=lambda problem: problem[:2])
        raise DocumentProblems([(lines[index], message) for index, _position, message in problems])
    return list(zip(*converted_columns))


def typed_rows(document: dict[str, Any]) -> tuple[list[tuple[str, ...]], list[tuple[int, str]]]:
    """A budget document's rows typed in SCDL order, and its warnings;
    raises DocumentProblems."""
    rows = typed(document, SCDL_CHECKS)
    warnings = []
    stage = document["rows"][0][1]
    if plain(stage) not in {plain(known) for known in KNOWN_STAGES}:
        warnings.append(_problem(document, document["rows"][0][0], "BGT_NATDEC", _(
            '"{value}" is not a stage of the SCDL budget schema 0.8; the document is published anyway'
        ).format(value=stage)))
    return rows, warnings
