"""Reading French public data files: encoding, delimiter, numbers, codes.

Every value stays a string until a schema says otherwise, so codes keep their
leading zeros (``011``, ``0001``, ``092``, SIRET numbers); only the columns a
schema declares numeric go through :func:`parse_number`.
"""
from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from babel.numbers import NumberFormatError, parse_decimal
from charset_normalizer import from_bytes

from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.language import _

DELIMITERS = (";", ",", "\t", "|")
# The encodings French public files come in when they are not UTF-8; limiting
# detection to them avoids exotic guesses (mac_roman, cp1250...) on short files.
WESTERN_ENCODINGS = ["utf_8", "cp1252", "latin_1", "iso8859_15"]
SPACES = re.compile(r"[\s\u00a0\u202f]")
# Most amounts are plain ("1234.56", "1234,56"): read them without Babel,
# whose locale lookups cost more than the rest of a harvest.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
# Control characters other than tab, CR and LF mean the bytes are not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
_ASCII = bytes(range(128))


class ReadError(Exception):
    """A file cannot be read; the message names the file, line and column."""


class Row(NamedTuple):  # a tuple: files have tens of thousands of rows
    line: int  # physical line of the file where the row ends (1 = header)
    cells: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]
    encoding: str
    delimiter: str


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _decode_strictly(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise ReadError(
            _("{file}, line {line}, column {column}: byte 0x{byte} is not valid {encoding}").format(
                file=name, line=line, column=column, byte=raw[error.start:error.start + 1].hex(),
                encoding=encoding,
            )
        )
    except LookupError:
        raise ReadError(_("{file}: unknown encoding {encoding}").format(file=name, encoding=encoding))


def decode(raw: bytes, name: str, encoding: str | None = None, declared: str | None = None) -> tuple[str, str]:
    """The text of ``raw`` and the encoding used.

    ``encoding`` (set by the site) is authoritative. Otherwise: a UTF-8 byte
    order mark, then strict UTF-8, then the charset the server declared if it
    decodes, then detection among Western encodings."""
    if encoding:
        text = _decode_strictly(raw, encoding, name)
    elif raw.startswith(codecs.BOM_UTF8):
        encoding, text = "utf-8-sig", _decode_strictly(raw, "utf-8-sig", name)
    else:
        encoding, text = _guess(raw, name, declared)
    control = None if _without_control_bytes(raw, encoding) else _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise ReadError(
            _("{file}, line {line}: this is not a text file (control character found)").format(
                file=name, line=line)
        )
    return text, encoding


@functools.lru_cache(maxsize=32)
def _ascii_compatible(encoding: str) -> bool:
    return _ASCII.decode(encoding, errors="replace") == _ASCII.decode("ascii")


def _without_control_bytes(raw: bytes, encoding: str) -> bool:
    """True when the raw bytes prove the text has no control character: in an
    encoding that writes ASCII as ASCII, bytes.translate checks them ten times
    faster than a regular expression on the text."""
    return _ascii_compatible(encoding) and len(raw.translate(None, _CONTROL_BYTES)) == len(raw)


def _guess(raw: bytes, name: str, declared: str | None) -> tuple[str, str]:
    for candidate in ("utf-8", declared):
        if candidate:
            try:
                return candidate, raw.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                pass
    best = from_bytes(raw, cp_isolation=WESTERN_ENCODINGS).best()
    if best is None:
        raise ReadError(_("{file}: the encoding of the file cannot be recognised").format(file=name))
    return best.encoding, str(best)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line in the most columns."""
    return max(DELIMITERS, key=header_line.count)


@collector_paused()
def read_csv(raw: bytes, name: str, encoding: str | None = None, declared: str | None = None) -> Table:
    """Parse a CSV file into rows of strings, checking every row's width."""
    text, used = decode(raw, name, encoding, declared)
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ReadError(_("{file}: the file is empty").format(file=name))
    parsed: list[tuple[int, list[str]]] = []
    broken = None
    try:
        parsed.extend((reader.line_num, cells) for cells in reader)
    except csv.Error as error:  # the rows before it are checked first
        broken = _("{file}, line {line}: {error} (the file may be truncated)").format(
            file=name, line=reader.line_num, error=error)
    contents = map(str.strip, map("".join, map(itemgetter(1), parsed)))
    rows = [Row(line, cells) for (line, cells), content in zip(parsed, contents) if content]  # blank lines carry nothing
    if set(map(len, map(itemgetter(1), rows))) - {len(header)}:
        row = next(row for row in rows if len(row.cells) != len(header))
        raise ReadError(_width_message(name, row.line, len(row.cells), len(header), text))
    if broken:
        raise ReadError(broken)
    return Table(header, rows, used, delimiter)


def _width_message(name: str, line: int, found: int, expected: int, text: str) -> str:
    message = _("{file}, line {line}: {found} cells instead of {expected}").format(
        file=name, line=line, found=found, expected=expected)
    if not text.endswith("\n") and line == text.count("\n") + 1:
        message += " " + _("(the file ends in the middle of a line: it looks truncated)")
    return message


def parse_number(text: str) -> Decimal | None:
    """A French or international number: ``1 234,56``, ``1234.56``, ``12,5 %``.

    Empty means no value (None); anything else that is not a finite number
    raises ValueError. A ``%`` suffix is dropped: the value stays in percent."""
    compact = SPACES.sub("", text).removesuffix("%")
    if not compact:
        return None
    if _PLAIN_NUMBER.fullmatch(compact):
        return Decimal(compact.replace(",", "."))
    try:
        # fr_FR reads the decimal comma; a decimal point still parses as one.
        value = parse_decimal(compact, locale="fr_FR", strict=False)
    except NumberFormatError:
        raise ValueError(text)
    if not value.is_finite():
        raise ValueError(text)
    return value
