"""SCDL "budget" files (schema.data.gouv.fr ``scdl/budget`` 0.8.x): the
columns, and a CSV file read into its budget documents (one per stage, year
and SIRET), each with its raw lines in SCDL order. Every other budget format
(``totem.py``) gives documents of the same shape, checked by
``checks.typed_rows``."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ckanext.issy.harvesters.core import http
from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.harvesters.core.datastore import Column
from ckanext.issy.harvesters.core.reading import ReadError, read_csv
from ckanext.issy.language import _

# The SCDL budget columns in schema order, with the French data dictionary
# of the DataStore table (data, not interface: it describes a French standard).
SCDL_COLUMNS = [
    Column("BGT_NATDEC", "text", "Nature de la décision", "Étape budgétaire : budget primitif, budget supplémentaire, décision modificative ou compte administratif."),
    Column("BGT_ANNEE", "int4", "Exercice", "Année de l'exercice budgétaire."),
    Column("BGT_SIRET", "text", "SIRET", "Numéro SIRET de la collectivité (14 chiffres)."),
    Column("BGT_NOM", "text", "Nom de la collectivité", "Nom de la collectivité ou de l'établissement."),
    Column("BGT_CONTNAT", "text", "Chapitre", "Code du chapitre ou de l'article budgétaire."),
    Column("BGT_CONTNAT_LABEL", "text", "Libellé du chapitre", "Libellé du chapitre."),
    Column("BGT_NATURE", "text", "Nature", "Code de la nature de la dépense ou de la recette (le « quoi »)."),
    Column("BGT_NATURE_LABEL", "text", "Libellé de la nature", "Libellé de la nature."),
    Column("BGT_FONCTION", "text", "Fonction", "Code de la fonction (le « pourquoi »)."),
    Column("BGT_FONCTION_LABEL", "text", "Libellé de la fonction", "Libellé de la fonction."),
    Column("BGT_OPERATION", "text", "Opération", "Code ou libellé de l'opération votée."),
    Column("BGT_SECTION", "text", "Section", "Investissement ou fonctionnement."),
    Column("BGT_OPBUDG", "text", "Type d'opération", "Opération réelle ou d'ordre."),
    Column("BGT_CODRD", "text", "Recette ou dépense", "Recette ou dépense."),
    Column("BGT_MTREAL", "numeric", "Montant réalisé", "Montant réellement dépensé ou perçu, en euros (compte administratif)."),
    Column("BGT_MTBUDGPREC", "numeric", "Montant du budget précédent", "Montant voté au budget précédent, en euros."),
    Column("BGT_MTRARPREC", "numeric", "Restes à réaliser N-1", "Restes à réaliser de l'exercice précédent, en euros."),
    Column("BGT_MTPROPNOUV", "numeric", "Propositions nouvelles", "Montant des propositions nouvelles, en euros."),
    Column("BGT_MTPREV", "numeric", "Montant voté", "Montant voté, en euros."),
    Column("BGT_CREDOUV", "numeric", "Crédits ouverts", "Crédits ouverts sur l'article, en euros."),
    Column("BGT_MTRAR3112", "numeric", "Restes à réaliser au 31/12", "Restes à réaliser au 31 décembre, en euros."),
    Column("BGT_ARTSPE", "text", "Article spécialisé", "Spécialisé ou non spécialisé."),
]
NAMES = [column.id for column in SCDL_COLUMNS]
# Required by the schema: a file without one of these columns is refused.
REQUIRED = {"BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
            "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD"}
# Cells without which a line means nothing; the schema's other required cells
# are often empty in converted files and are accepted empty.
ESSENTIAL = frozenset({"BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NATURE", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD"})
KNOWN_STAGES = {"budget primitif", "budget supplémentaire", "décision modificative", "compte administratif"}
# Accepted spellings (without accents, any case) -> the schema's value; the
# one-letter codes of TOTEM and the plurals are those of converted files and
# portals ("D", "Dépenses").
ENUMS = {
    "BGT_SECTION": {"investissement": "investissement", "fonctionnement": "fonctionnement",
                    "i": "investissement", "f": "fonctionnement"},
    "BGT_OPBUDG": {"réel": "réel", "reel": "réel", "ordre": "ordre"},
    "BGT_CODRD": {"recette": "recette", "dépense": "dépense", "depense": "dépense", "recettes": "recette",
                  "depenses": "dépense", "r": "recette", "d": "dépense"},
}
@functools.lru_cache(maxsize=1024)  # a file repeats a handful of values
def plain(text: str) -> str:
    """Lowercase without accents, for lenient comparisons."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(text)).strip("-")


def _column_map(header: list[str], name: str) -> dict[str, int]:
    """SCDL column -> its index in the file, matched case-insensitively."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lstrip("\ufeff").upper()
        if key in found:
            raise ReadError(_("{file}: the column {column} appears twice").format(file=name, column=key))
        if key in NAMES:
            found[key] = index
    missing = [column for column in NAMES if column in REQUIRED and column not in found]
    if missing:
        raise ReadError(_("{file}: required column(s) missing: {columns}").format(
            file=name, columns=", ".join(missing)))
    return found


def _check_identity(name: str, columns: dict[str, int], lines: list[int], cells: list[list[str]]) -> None:
    """Refuses the file at the first line (then column) where a cell that
    identifies the document (stage, year, SIRET) is empty."""
    empty = [(values.index(""), position) for position, values in enumerate(cells[:3]) if "" in values]
    if empty:
        index, position = min(empty)
        column = NAMES[position]
        raise ReadError(_("{file}, line {line}, column {column} ({name}): {problem}").format(
            file=name, line=lines[index], column=columns[column] + 1, name=column, problem=_("empty cell")))


@collector_paused()
def read_documents(raw: bytes, url: str, encoding: str | None = None,
                   declared: str | None = None) -> list[dict[str, Any]]:
    """The budget documents of a SCDL file, each with its raw lines in SCDL
    order: (line, cell, cell...), cells stripped."""
    name = http.file_name(url)
    table = read_csv(raw, name, encoding, declared)
    columns = _column_map(table.header, name)
    if not table.rows:
        return []
    lines = [row.line for row in table.rows]
    in_file = list(zip(*(row.cells for row in table.rows)))  # column by column: the work runs in C
    cells = [list(map(str.strip, in_file[columns[n]])) if n in columns else [""] * len(lines) for n in NAMES]
    _check_identity(name, columns, lines, cells)
    documents: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for key, row in zip(zip(map(plain, cells[0]), cells[1], cells[2]), zip(lines, *cells)):
        documents.setdefault(key, []).append(row)
    return [{"source_url": url, "file": name, "encoding": table.encoding,
             "columns": {n: columns[n] + 1 for n in columns}, "rows": rows} for rows in documents.values()]
