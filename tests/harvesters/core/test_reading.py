"""Reading French public files: encodings, delimiters, numbers, codes, broken files;\nthe streaming reader reads and refuses what read_csv reads and refuses."""
from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ckanext.issy.harvesters.core.reading import (
    BATCH_ROWS, READ_BYTES, SAMPLE_BYTES, CsvStream, ReadError, Row, decode, iter_csv, parse_number, read_csv,
)
from devstack import scdl_samples

TEXT = "code;libellé;montant\n011;Charges à caractère général;1 234,56\n0001;Dépenses imprévues;12,5\n"
# 5,000 budget lines, ";", cp1252, decimal commas: larger than the sample the
# streaming reader chooses the encoding from, and than a batch of its rows.
BUDGET = scdl_samples.write(scdl_samples.rows("compte administratif", 2023, lines=5000),
                            delimiter=";", encoding="cp1252", decimal_comma=True)


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


# --- the streaming reader -------------------------------------------------
def streamed(tmp_path: Path, raw: bytes, **options: Any) -> tuple[CsvStream, list[Row]]:
    path = tmp_path / "budget.csv"
    path.write_bytes(raw)
    with iter_csv(path, "budget.csv", **options) as stream:
        return stream, list(stream.rows)


def test_the_budget_sample_is_larger_than_the_encoding_sample_and_a_batch() -> None:
    assert len(BUDGET) > SAMPLE_BYTES
    assert BUDGET.count(b"\n") > 2 * BATCH_ROWS


SAME = {
    "utf-8": (TEXT.encode(), {}),
    "utf-8 with BOM": (codecs.BOM_UTF8 + TEXT.encode(), {}),
    "undeclared cp1252": (TEXT.encode("cp1252"), {}),
    "charset declared by the server": (TEXT.encode("iso-8859-1"), {"declared": "ISO-8859-1"}),
    "encoding set by the site": (TEXT.encode("cp1252"), {"encoding": "cp1252"}),
    "tabs, CRLF, blank lines, a quoted cell on two lines": (
        "code\tlibellé\tmontant\r\n\r\n011\t\"Charges à caractère\r\ngénéral\"\t\"1 234,56\"\r\n   \r\n"
        "0001\tDépenses imprévues\t12,5\r\n".encode(), {}),
    "bare CR line ends (Excel for Mac)": (TEXT.replace("\n", "\r").encode("cp1252"), {}),
    "no line break at the end": (TEXT.rstrip("\n").encode(), {}),
    "a budget of 5,000 lines in cp1252": (BUDGET, {}),
}


@pytest.mark.parametrize("raw, options", SAME.values(), ids=SAME.keys())
def test_the_streaming_reader_reads_what_read_csv_reads(raw: bytes, options: dict[str, str], tmp_path: Path) -> None:
    table = read_csv(raw, "budget.csv", **options)
    stream, rows = streamed(tmp_path, raw, **options)
    assert (stream.header, stream.encoding, stream.delimiter) == (table.header, table.encoding, table.delimiter)
    assert rows == table.rows


def _budget_line(number: int) -> bytes:
    """The bytes of line ``number`` (1: the header) of BUDGET."""
    return BUDGET.split(b"\r\n")[number - 1]


def _inserted(raw: bytes, line: int, column: int, data: bytes) -> bytes:
    """``raw`` with ``data`` inserted in ``line`` before ``column`` (1: the first byte)."""
    lines = raw.split(b"\n")
    lines[line - 1] = lines[line - 1][:column - 1] + data + lines[line - 1][column - 1:]
    return b"\n".join(lines)


UTF8_BUDGET = BUDGET.decode("cp1252").encode()


BROKEN = {
    "cut in the middle of the last line": (TEXT.encode()[:-12], {}, r"ligne 3\s:\s2 cellules au lieu de 3 .*tronqué"),
    "cut inside a quoted cell": (b'code;libelle\n011;"Charges a caract', {}, r"budget.csv, ligne 2\s:.*tronqué"),
    "a header cut inside a quoted cell": (b'code;"libell', {}, r"budget.csv, ligne 1\s:.*tronqué"),
    "a line too wide": (TEXT.replace("011;", "011;en trop;").encode(), {}, r"ligne 2\s:\s4 cellules au lieu de 3$"),
    "a control character": (TEXT.replace("imprévues", "impr\x00vues").encode(), {},
                            r"ligne 3\s:\sce n’est pas un fichier texte"),
    "empty": (b"", {}, "vide"),
    "not in the encoding set by the site": (
        TEXT.encode("cp1252"), {"encoding": "utf-8"}, r"ligne 1, colonne 12\s:\sl’octet 0xe9 n’est pas valide en utf-8"),
    "an unknown encoding": (TEXT.encode(), {"encoding": "klingon"}, "klingon"),
    "a budget cut in its last line": (BUDGET[:-40], {}, r"ligne 5001\s:\s\d+ cellules au lieu de 22 .*tronqué"),
    "a budget line too narrow far into the file": (
        BUDGET.replace(_budget_line(4321), _budget_line(4321).rsplit(b";", 3)[0]), {},
        r"ligne 4321\s:\s19 cellules au lieu de 22$"),
    "a byte that is not utf-8 far into a budget in utf-8": (
        _inserted(UTF8_BUDGET, 4700, 3, b"\xe9"), {"encoding": "utf-8"},
        r"ligne 4700, colonne 3\s:\sl’octet 0xe9 n’est pas valide en utf-8"),
}


@pytest.mark.parametrize("raw, options, message", BROKEN.values(), ids=BROKEN.keys())
def test_the_streaming_reader_refuses_what_read_csv_refuses_with_the_same_message(
        raw: bytes, options: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=message) as whole:
        read_csv(raw, "budget.csv", **options)
    with pytest.raises(ReadError) as stream:
        streamed(tmp_path, raw, **options)
    assert str(stream.value) == str(whole.value)


def test_a_byte_that_does_not_decode_after_the_sample_names_its_line(tmp_path: Path) -> None:
    """The encoding is chosen from the first megabyte (UTF-8 here); a line
    pasted from a cp1252 file further on is refused, naming its line."""
    raw = _inserted(UTF8_BUDGET, 4990, 1, "Reçu d’un autre logiciel;".encode("cp1252"))
    assert raw.index(b"\xe7") > SAMPLE_BYTES
    with pytest.raises(ReadError, match=r"budget.csv, ligne 4990, colonne 3\s:\sl’octet 0xe7 n’est pas valide en utf-8"):
        streamed(tmp_path, raw)


@pytest.mark.parametrize("straddling, bad", [
    ("é".encode(), 6),  # a character cut in two by a read, the bad byte after it on the same line
    (b"\xc3(", 0),       # the bad sequence itself cut in two
])
def test_a_byte_that_does_not_decode_near_a_read_boundary_is_located_exactly(
        straddling: bytes, bad: int, tmp_path: Path) -> None:
    # The first read ends inside a word once the first line's stage is made longer.
    at = READ_BYTES - 1
    raw = next(shifted for pad in range(100) if (shifted := bytearray(_inserted(UTF8_BUDGET, 2, 1, b"x" * pad)))
               [at - 2:at + 8].isalpha())
    raw[at:at + 2] = straddling
    if bad:
        raw[at + bad] = 0xe9
    with pytest.raises(ReadError, match="n’est pas valide en utf-8") as whole:
        read_csv(bytes(raw), "budget.csv", encoding="utf-8")
    with pytest.raises(ReadError) as stream:
        streamed(tmp_path, bytes(raw), encoding="utf-8")
    assert str(stream.value) == str(whole.value)


def test_a_stream_yields_the_rows_before_a_bad_line_then_refuses_the_file(tmp_path: Path) -> None:
    """What a consumer must expect: rows come until the error (it publishes nothing before the end)."""
    path = tmp_path / "budget.csv"
    path.write_bytes(BUDGET.replace(_budget_line(4321), _budget_line(4321) + b";en trop"))
    lines: list[int] = []
    with pytest.raises(ReadError, match=r"ligne 4321\s:\s23 cellules au lieu de 22"):
        with iter_csv(path, "budget.csv") as stream:
            lines.extend(row.line for row in stream.rows)
    assert lines == list(range(2, 2 + len(lines)))
    assert 0 < len(lines) < 4320
