"""Reading French public files: encodings, delimiters, numbers, codes, broken files."""
from __future__ import annotations

import codecs
from decimal import Decimal

import pytest

from ckanext.issy.harvesters.core.reading import ReadError, decode, parse_number, read_csv

TEXT = "code;libellé;montant\n011;Charges à caractère général;1 234,56\n0001;Dépenses imprévues;12,5\n"


@pytest.mark.parametrize("raw, expected", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("cp1252"), None),
])
def test_utf8_with_or_without_bom_and_undeclared_cp1252_are_recognised(raw: bytes, expected: str | None) -> None:
    text, encoding = decode(raw, "budget.csv")
    assert text == TEXT
    if expected:
        assert encoding == expected


def test_a_charset_declared_by_the_server_is_used_when_it_decodes() -> None:
    text, encoding = decode(TEXT.encode("iso-8859-1"), "budget.csv", declared="ISO-8859-1")
    assert (text, encoding) == (TEXT, "ISO-8859-1")


def test_a_file_not_in_the_configured_encoding_names_line_and_column() -> None:
    with pytest.raises(ReadError, match=r"budget.csv, ligne 1, colonne 12\s:\sl’octet 0xe9 n’est pas valide en utf-8"):
        decode(TEXT.encode("cp1252"), "budget.csv", encoding="utf-8")


def test_bytes_that_are_not_text_are_refused() -> None:
    with pytest.raises(ReadError, match="pas un fichier texte|n’a pas pu être reconnu"):
        decode(TEXT.encode("utf-16-le"), "budget.csv")


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_delimiter_is_detected(delimiter: str) -> None:
    raw = TEXT.replace(";", delimiter).replace("1 234,56", '"1 234,56"').replace("12,5", '"12,5"').encode()
    table = read_csv(raw, "budget.csv")
    assert table.delimiter == delimiter
    assert table.header == ["code", "libellé", "montant"]


def test_codes_keep_their_leading_zeros() -> None:
    table = read_csv(TEXT.encode(), "budget.csv")
    assert [row.cells[0] for row in table.rows] == ["011", "0001"]
    assert [row.line for row in table.rows] == [2, 3]


@pytest.mark.parametrize("text, value", [
    ("1 234,56", Decimal("1234.56")),
    ("1\u00a0234,56", Decimal("1234.56")),
    ("1\u202f234,56", Decimal("1234.56")),
    ("-3,20", Decimal("-3.20")),
    ("12,5 %", Decimal("12.5")),
    ("1234.56", Decimal("1234.56")),
    ("0092", Decimal("92")),
    ("", None),
    ("  ", None),
])
def test_french_and_international_numbers_are_parsed(text: str, value: Decimal | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["12a", "NaN", "1.234,56", "douze", "1,2,3"])
def test_what_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_a_file_cut_in_the_middle_of_a_line_is_reported_as_truncated() -> None:
    raw = TEXT.encode()[:-12]
    with pytest.raises(ReadError, match=r"ligne 3\s:\s2 cellules au lieu de 3 .*tronqué"):
        read_csv(raw, "budget.csv")


def test_a_file_cut_inside_a_quoted_cell_is_reported() -> None:
    raw = b'code;libelle\n011;"Charges a caract'
    with pytest.raises(ReadError, match=r"budget.csv, ligne 2\s:.*tronqué"):
        read_csv(raw, "budget.csv")


def test_an_empty_file_is_reported() -> None:
    with pytest.raises(ReadError, match="vide"):
        read_csv(b"", "budget.csv")
