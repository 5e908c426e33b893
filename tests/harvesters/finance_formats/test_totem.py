"""TOTEM budget documents read as SCDL budget lines: Issy's compte
administratif 2023 (M57, ISO-8859-1) with its main budget and an annex
budget, calculated total lines, lines whose elements come in any order, and
annexes naming people that are never read. No database."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ckanext.issy.harvesters.finance_formats import checks
from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.finance_formats.scdl import NAMES
from ckanext.issy.harvesters.finance_formats.totem import read_documents, read_totem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "finance" / "totem-compte-administratif-2023-iso-8859-1.xml"
MAIN, ANNEX = "21920040500011", "21920040500029"


def scdl_document(rows: list[tuple[int, dict[str, str]]], name: str = FIXTURE.name) -> dict[str, Any]:
    """TOTEM rows in the shape of scdl.read_documents."""
    return {"source_url": f"http://127.0.0.2/{name}", "file": name, "encoding": "iso-8859-1", "columns": {},
            "rows": [(line, *(cells.get(column, "") for column in NAMES)) for line, cells in rows]}


def test_each_budget_of_the_file_is_a_document_with_its_nomenclature_and_year() -> None:
    documents = read_totem(FIXTURE, FIXTURE.name)
    assert [(d.rows[0][1]["BGT_SIRET"], d.rows[0][1]["BGT_ANNEE"], d.nomenclature, d.annex, len(d.rows),
             d.totals_left_out) for d in documents] == [
        (MAIN, "2023", "M57-M57", "", 3, 2),
        (ANNEX, "2023", "M57-M57", "ISSY - BUDGET ANNEXE DES ÉQUIPEMENTS SPORTIFS", 1, 0)]
    assert documents[1].rows[0][1]["BGT_NOM"] == "ISSY - BUDGET ANNEXE DES ÉQUIPEMENTS SPORTIFS"


def test_codes_become_the_scdl_words_and_amounts_are_copied() -> None:
    main = read_totem(FIXTURE, FIXTURE.name)[0]
    taxes, works, depreciation = (cells for _line, cells in main.rows)
    assert taxes == {
        "BGT_NATDEC": "compte administratif", "BGT_ANNEE": "2023", "BGT_SIRET": MAIN,
        "BGT_NOM": "COMMUNE D'ISSY-LES-MOULINEAUX", "BGT_CONTNAT": "731", "BGT_NATURE": "73111",
        "BGT_FONCTION": "01", "BGT_OPERATION": "", "BGT_SECTION": "fonctionnement", "BGT_OPBUDG": "réel",
        "BGT_CODRD": "recette", "BGT_ARTSPE": "non spécialisé", "BGT_MTREAL": "52345678.90",
        "BGT_MTBUDGPREC": "51800000.00", "BGT_MTRARPREC": "0.00", "BGT_MTPROPNOUV": "52000000.00",
        "BGT_MTPREV": "52000000.00", "BGT_CREDOUV": "52000000.00", "BGT_MTRAR3112": "0.00",
    }
    # Elements in another order than the schema's, an operation, a specialised article.
    assert (works["BGT_SECTION"], works["BGT_CODRD"], works["BGT_OPERATION"], works["BGT_ARTSPE"],
            works["BGT_MTREAL"], works["BGT_MTBUDGPREC"]) == (
        "investissement", "dépense", "1024", "spécialisé", "1234567.89", "")
    assert depreciation["BGT_OPBUDG"] == "ordre"


def test_each_row_names_its_line_in_the_file() -> None:
    lines = FIXTURE.read_text(encoding="iso-8859-1").splitlines()
    for line, cells in read_totem(FIXTURE, FIXTURE.name)[0].rows:
        assert f'<Nature V="{cells["BGT_NATURE"]}"/>' in "\n".join(lines[line - 1:line + 4])


def test_the_rows_pass_the_scdl_check_with_their_labels_empty() -> None:
    for document in read_documents(FIXTURE, f"http://127.0.0.2/{FIXTURE.name}"):
        rows, warnings = checks.typed_rows(document)
        assert warnings == [] and len(rows) == len(document["rows"])
        assert all(row[NAMES.index("BGT_CONTNAT_LABEL")] == "" for row in rows)


def test_an_unknown_code_is_kept_for_the_scdl_check_to_refuse_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ca.xml"
    path.write_bytes(FIXTURE.read_bytes().replace(b'<CodRD V="R"/>', b'<CodRD V="X"/>', 1))
    (line, cells), *_ = read_totem(path, path.name)[0].rows
    assert cells["BGT_CODRD"] == "X"
    with pytest.raises(checks.DocumentProblems) as refused:
        checks.typed_rows(scdl_document([(line, cells)], path.name))
    assert [found_line for found_line, _message in refused.value.problems] == [line]


@pytest.mark.parametrize("content", [
    b'<?xml version="1.0"?><DocumentBudgetaire><Budget/></DocumentBudgetaire>',  # no namespace
    b'<?xml version="1.0"?><d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0"/>',
])
def test_a_file_that_is_not_a_totem_budget_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "budget.xml"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="budget.xml"):
        read_totem(path, path.name)


def test_a_document_with_a_dtd_is_refused_before_its_entities_are_read(tmp_path: Path) -> None:
    path = tmp_path / "budget.xml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     + FIXTURE.read_bytes().split(b"?>", 1)[1].replace(b'V="01"/>', b'V="&x;"/>', 1))
    with pytest.raises(ReadError, match="DOCTYPE|DTD"):
        read_totem(path, path.name)
