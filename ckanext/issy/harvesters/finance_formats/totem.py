"""TOTEM budget documents (``DocumentBudgetaire``, namespace
``http://www.minefi.gouv.fr/cp/demat/docbudgetaire``), the legal electronic
budget a commune sends to the prefecture, read as SCDL documents.

Every value is in a ``V`` attribute. Codes become the SCDL's words:
``NatDec`` 01/02/03/09 (and 10) the stage, ``CodRD`` R/D recette/dépense,
``CaracSup`` I/F investissement/fonctionnement, ``OpBudg`` 0/1 réel/ordre,
``ArtSpe`` true/false spécialisé/non spécialisé; amounts are copied as
written (a decimal point). Calculated total lines (``calculated="true"``,
or ``OpBudg`` ``T``) are left out. A document carries no labels: the label
columns stay empty, as the SCDL allows. The annexes (which may name
people) are never read. The file is streamed by the core's hardened XML
reader, in the encoding its declaration names (ISO-8859-1 from TotEM).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.core.xmlreader import Element, find_attribute, is_named, iter_elements
from ckanext.issy.harvesters.finance_formats.scdl import NAMES
from ckanext.issy.language import _

NAMESPACE = "http://www.minefi.gouv.fr/cp/demat/docbudgetaire"
STAGES = {"01": "budget primitif", "02": "décision modificative", "03": "budget supplémentaire",
          "09": "compte administratif", "10": "compte administratif"}
SECTIONS = {"I": "investissement", "F": "fonctionnement"}
OPERATIONS = {"0": "réel", "1": "ordre"}
DIRECTIONS = {"R": "recette", "D": "dépense"}
SPECIALISED = {"true": "spécialisé", "false": "non spécialisé", "1": "spécialisé", "0": "non spécialisé"}
TOTALS = ("T",)  # OpBudg of a calculated total line
# The SCDL amounts, from the element that holds each one.
AMOUNTS = (("BGT_MTREAL", "MtReal"), ("BGT_MTBUDGPREC", "MtBudgPrec"), ("BGT_MTRARPREC", "MtRARPrec"),
           ("BGT_MTPROPNOUV", "MtPropNouv"), ("BGT_MTPREV", "MtPrev"), ("BGT_CREDOUV", "CredOuv"),
           ("BGT_MTRAR3112", "MtRAR3112"))
HEADERS = ("EnTeteDocBudgetaire", "EnTeteBudget", "BlocBudget")


@dataclass
class _Budget:
    """What the headers say of the budget whose lines follow."""

    document: dict[str, str] = field(default_factory=dict)  # EnTeteDocBudgetaire's values
    values: dict[str, str] = field(default_factory=dict)  # EnTeteBudget's and BlocBudget's

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def annex(self) -> str:
        """The name of an annex budget (another establishment than the
        collectivity's own), "" for the main budget."""
        own = self.get("IdEtab")
        return self.get("LibelleEtab") if own and own != self.document.get("IdColl", own) else ""


def is_xml(path: Path) -> bool:
    """Whether the file is XML (it opens with a tag), not a CSV file."""
    with path.open("rb") as file:
        return file.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _values(element: Element) -> dict[str, str]:
    return {child.tag.rpartition("}")[2]: (child.get("V") or "").strip() for child in element}


def _v(line: Element, name: str) -> str:
    return (find_attribute(line, NAMESPACE, name, attribute="V") or "").strip()


def _coded(value: str, codes: dict[str, str]) -> str:
    """The SCDL word of a code; an unknown code is kept as written, for the
    SCDL check to refuse with its line."""
    return codes.get(value, value)


Row = tuple[int, dict[str, str]]  # the line of the file, and the SCDL cells it gives


def _row(line: Element, budget: _Budget) -> Row:
    cells = {
        "BGT_NATDEC": _coded(budget.get("NatDec"), STAGES),
        "BGT_ANNEE": budget.get("Exer"),
        "BGT_SIRET": budget.get("IdEtab") or budget.get("IdColl"),
        "BGT_NOM": budget.get("LibelleEtab") or budget.document.get("LibelleColl", ""),
        "BGT_CONTNAT": _v(line, "ContNat"),
        "BGT_NATURE": _v(line, "Nature"),
        "BGT_FONCTION": _v(line, "Fonction"),
        "BGT_OPERATION": _v(line, "Operation"),
        "BGT_SECTION": _coded(_v(line, "CaracSup"), SECTIONS),
        "BGT_OPBUDG": _coded(_v(line, "OpBudg"), OPERATIONS),
        "BGT_CODRD": _coded(_v(line, "CodRD"), DIRECTIONS),
        "BGT_ARTSPE": _coded(_v(line, "ArtSpe").lower(), SPECIALISED),
        **{column: _v(line, element) for column, element in AMOUNTS},
    }
    return line.sourceline or 0, cells


def _is_total(line: Element) -> bool:
    return line.get("calculated", "").strip().lower() == "true" or _v(line, "OpBudg") in TOTALS


def _lines(path: Path, name: str) -> Iterator[tuple[_Budget, Element]]:
    """Each budget line with the headers of its budget."""
    budget = _Budget()
    for element in iter_elements(path, NAMESPACE, (*HEADERS, "LigneBudget"), name=name):
        if is_named(element, NAMESPACE, "EnTeteDocBudgetaire"):
            budget = _Budget(_values(element))
        elif is_named(element, NAMESPACE, "EnTeteBudget"):
            budget = _Budget(budget.document, _values(element))  # a new budget of the document
        elif is_named(element, NAMESPACE, "BlocBudget"):
            budget.values.update(_values(element))
        else:
            yield budget, element


@dataclass(frozen=True)
class Document:
    """One budget of a TOTEM file: its lines as SCDL cells (the columns
    missing from a line, such as the labels, are empty), and what the SCDL
    does not say."""

    nomenclature: str  # "M14-M14_COM_SUP3500", "M57-M57"...
    annex: str  # the name of an annex budget, "" for the main budget
    rows: list[Row]
    totals_left_out: int


def read_totem(path: Path, name: str) -> list[Document]:
    """The budgets of a TOTEM file, one per stage, year and SIRET; ReadError
    when it is not a DocumentBudgetaire or holds no budget line."""
    documents: dict[tuple[str, str, str], tuple[str, str, list[Row], list[int]]] = {}
    for budget, line in _lines(path, name):
        row = _row(line, budget)
        key = (row[1]["BGT_NATDEC"], row[1]["BGT_ANNEE"], row[1]["BGT_SIRET"])
        _nomenclature, _annex, rows, totals = documents.setdefault(
            key, (budget.get("Nomenclature"), budget.annex, [], [0]))
        if _is_total(line):
            totals[0] += 1
        else:
            rows.append(row)
    if not documents:
        raise ReadError(_("{file}: no budget line (LigneBudget) in the namespace {namespace}: not a TOTEM "
                          "budget document").format(file=name, namespace=NAMESPACE))
    return [Document(nomenclature, annex, rows, totals[0]) for nomenclature, annex, rows, totals in documents.values()]


def read_documents(path: Path, url: str) -> list[dict[str, Any]]:
    """The budgets of a TOTEM file as documents of ``scdl.read_documents``'s
    shape, with their nomenclature and, for an annex budget, its name."""
    name = http.file_name(url)
    return [{"source_url": url, "file": name, "format": "totem", "columns": {},
             "nomenclature": document.nomenclature, "annex": document.annex,
             "rows": [(line, *(cells.get(column, "") for column in NAMES)) for line, cells in document.rows]}
            for document in read_totem(path, name)]

