"""Reading French public data files: encoding, delimiter, numbers, codes.

Every value stays a string until a schema says otherwise, so codes keep their
leading zeros (``011``, ``0001``, ``092``, SIRET numbers); only the columns a
schema declares numeric go through :func:`parse_number`.

Two readers share the same checks and messages: :func:`read_csv` reads a
whole file held in memory (budget files, a few megabytes), :func:`iter_csv`
streams a file from disk row by row with bounded memory (election results,
hundreds of megabytes).
"""
from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, Protocol, TextIO

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
_LINE_ENDS = ("\n", "\r")
# A streamed file's encoding is chosen from its first megabyte; a byte that
# does not decode further on is still reported with its line.
SAMPLE_BYTES = 1024 * 1024
READ_BYTES = 1024 * 1024
# Rows parsed and checked together when streaming: the checks run column-wise
# in C, and memory stays at a few megabytes even for rows of 300 cells.
BATCH_ROWS = 256


class ReadError(Exception):
    """A file cannot be read; the message names the file, line and column."""


class _Reader(Protocol):  # what the readers use of csv.reader's objects
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


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


def _invalid_byte(name: str, line: int, column: int, byte: bytes, encoding: str) -> ReadError:
    return ReadError(
        _("{file}, line {line}, column {column}: byte 0x{byte} is not valid {encoding}").format(
            file=name, line=line, column=column, byte=byte.hex(), encoding=encoding))


def _unknown_encoding(name: str, encoding: str) -> ReadError:
    return ReadError(_("{file}: unknown encoding {encoding}").format(file=name, encoding=encoding))


def _not_text(name: str, line: int) -> ReadError:
    return ReadError(
        _("{file}, line {line}: this is not a text file (control character found)").format(file=name, line=line))


def _decode_strictly(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise _invalid_byte(name, line, column, raw[error.start:error.start + 1], encoding)
    except LookupError:
        raise _unknown_encoding(name, encoding)


def _choose(head: bytes, name: str, encoding: str | None, declared: str | None) -> tuple[str, str | None]:
    """The encoding of a file that starts with ``head`` (the whole file, or a
    sample), and the text of ``head`` when guessing had to decode it.

    ``encoding`` (set by the site) is authoritative. Otherwise: a UTF-8 byte
    order mark, then strict UTF-8, then the charset the server declared if it
    decodes, then detection among Western encodings."""
    if encoding:
        return encoding, None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    return _guess(head, name, declared)


def decode(raw: bytes, name: str, encoding: str | None = None, declared: str | None = None) -> tuple[str, str]:
    """The text of ``raw`` and the encoding used (see :func:`_choose`)."""
    encoding, text = _choose(raw, name, encoding, declared)
    if text is None:
        text = _decode_strictly(raw, encoding, name)
    control = None if _without_control_bytes(raw, encoding) else _CONTROL.search(text)
    if control:
        raise _not_text(name, text.count("\n", 0, control.start()) + 1)
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


def _broken(name: str, line: int, error: csv.Error) -> ReadError:
    return ReadError(_("{file}, line {line}: {error} (the file may be truncated)").format(
        file=name, line=line, error=error))


def _header(reader: _Reader, name: str) -> list[str]:
    try:
        return [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ReadError(_("{file}: the file is empty").format(file=name))
    except csv.Error as error:
        raise _broken(name, reader.line_num, error)


def _next_rows(reader: _Reader, name: str, width: int | None, cut_short: Callable[[int], bool],
               limit: int | None = None) -> tuple[list[Row], bool]:
    """The next ``limit`` rows of ``reader`` (all by default) without the blank
    ones, each checked to have ``width`` cells (unless None), and whether more may follow.
    ``cut_short(line)`` tells whether the file ends in the middle of that line."""
    parsed: list[tuple[int, list[str]]] = []
    broken = None
    try:
        parsed.extend((reader.line_num, cells)
                      for cells in (reader if limit is None else islice(reader, limit)))
    except csv.Error as error:  # the rows before it are checked first
        broken = _broken(name, reader.line_num, error)
    contents = map(str.strip, map("".join, map(itemgetter(1), parsed)))
    rows = [Row(line, cells) for (line, cells), content in zip(parsed, contents) if content]  # blank lines carry nothing
    if width is not None and set(map(len, map(itemgetter(1), rows))) - {width}:
        row = next(row for row in rows if len(row.cells) != width)
        raise ReadError(_width_message(name, row.line, len(row.cells), width, cut_short(row.line)))
    if broken:
        raise broken
    return rows, limit is not None and len(parsed) == limit


@collector_paused()
def read_csv(raw: bytes, name: str, encoding: str | None = None, declared: str | None = None) -> Table:
    """Parse a CSV file into rows of strings, checking every row's width."""
    text, used = decode(raw, name, encoding, declared)
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(reader, name)
    rows, _more = _next_rows(reader, name, len(header),
                             lambda line: not text.endswith("\n") and line == text.count("\n") + 1)
    return Table(header, rows, used, delimiter)


def _width_message(name: str, line: int, found: int, expected: int, cut_short: bool) -> str:
    message = _("{file}, line {line}: {found} cells instead of {expected}").format(
        file=name, line=line, found=found, expected=expected)
    if cut_short:
        message += " " + _("(the file ends in the middle of a line: it looks truncated)")
    return message


# --- streaming ----------------------------------------------------------
@dataclass(frozen=True)
class CsvStream:
    """A CSV file read row by row. ``header``, ``encoding`` and ``delimiter``
    are known at once; ``rows`` reads the file as it goes and may raise
    ReadError part way (a consumer publishes nothing before the end). The
    file closes when ``rows`` is exhausted, or with ``close()`` / ``with``.
    ``cut_short(line)``: whether the file ends in the middle of that line
    (for the messages of a reader that checks widths itself)."""

    header: list[str]
    encoding: str
    delimiter: str
    rows: Iterator[Row]
    cut_short: Callable[[int], bool]
    _file: TextIO = field(repr=False)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "CsvStream":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _Lines:
    """The lines of a text file (CR, LF or CRLF, kept), counted, each checked
    for control characters; a byte that does not decode names its line."""

    def __init__(self, text: TextIO, path: Path, name: str) -> None:
        self._text, self._path, self._name = text, path, name
        self.number = 0  # lines read so far
        self.last = ""

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        try:
            line = next(self._text)
        except UnicodeDecodeError as error:
            raise _first_invalid_byte(self._path, self._text.encoding, self._name) or error from None
        self.number += 1
        self.last = line
        # isprintable() clears most lines twice as fast as the expression, which
        # only checks those with a tab, a no-break space or the like.
        if not line.rstrip("\r\n").isprintable() and _CONTROL.search(line):
            raise _not_text(self._name, self.number)
        return line

    def cut_short(self, line: int) -> bool:
        """Whether the file ends in the middle of ``line``: only the last line
        of a file can lack its line break."""
        return line == self.number and not self.last.endswith(_LINE_ENDS)


def _first_invalid_byte(path: Path, encoding: str, name: str) -> ReadError | None:
    """The error naming the line and column of the first byte of ``path``
    that ``encoding`` cannot decode, found by reading the file again chunk
    by chunk (the text layer does not say where its chunk began)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, line_start, offset = 1, 0, 0  # line_start: file offset where the current line begins
    with path.open("rb") as file:
        while True:
            chunk = file.read(READ_BYTES)
            pending = len(decoder.getstate()[0])  # the start of a character cut by the previous chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                at = offset - pending + error.start
                before = chunk[:max(at - offset, 0)]
                if b"\n" in before:
                    line_start = offset + before.rfind(b"\n") + 1
                return _invalid_byte(name, line + before.count(b"\n"), at - line_start + 1,
                                     error.object[error.start:error.start + 1], encoding)
            if not chunk:
                return None
            if b"\n" in chunk:
                line, line_start = line + chunk.count(b"\n"), offset + chunk.rfind(b"\n") + 1
            offset += len(chunk)


def _sample(path: Path) -> bytes:
    """The start of the file to choose its encoding from, cut after a line
    break so that no character is cut in two."""
    with path.open("rb") as file:
        head = file.read(SAMPLE_BYTES)
        if not file.read(1):
            return head
    return head[:head.rfind(b"\n") + 1] or head


def iter_csv(path: Path, name: str, encoding: str | None = None, declared: str | None = None,
             fixed_width: bool = True) -> CsvStream:
    """Read the CSV file at ``path`` row by row with bounded memory: the same
    encodings, checks and messages as :func:`read_csv`, the encoding chosen
    from the first megabyte. Memory is a few batches of rows, whatever the
    size of the file. ``fixed_width=False`` leaves the rows' widths to the
    caller (files whose header names only the first of repeated blocks)."""
    used = _choose(_sample(path), name, encoding, declared)[0]
    try:
        codecs.lookup(used)
    except LookupError:
        raise _unknown_encoding(name, used)
    file = path.open(encoding=used, newline="", buffering=READ_BYTES)
    try:
        lines = _Lines(file, path, name)
        first = next(lines, "")
        delimiter = sniff_delimiter(first)
        reader = csv.reader(chain([first] if first else [], lines), delimiter=delimiter, strict=True)
        header = _header(reader, name)
    except BaseException:
        file.close()
        raise
    width = len(header) if fixed_width else None
    return CsvStream(header, used, delimiter, _stream_rows(reader, lines, width, name, file), lines.cut_short, file)


def _stream_rows(reader: _Reader, lines: _Lines, width: int | None, name: str, file: TextIO) -> Iterator[Row]:
    with file:
        more = True
        while more:
            rows, more = _next_rows(reader, name, width, lines.cut_short, BATCH_ROWS)
            yield from rows


def find_columns(header: Sequence[str], required: Sequence[str], optional: Sequence[str], file: str) -> dict[str, int]:
    """The index of each wanted column present, by the name asked for (case
    and surrounding spaces ignored); ReadError naming every required one missing."""
    indexes: dict[str, int] = {}
    for index, name in enumerate(header):
        indexes.setdefault(name.strip().lower(), index)  # the first of homonyms wins
    missing = [name for name in required if name.strip().lower() not in indexes]
    if missing:
        raise ReadError(_("{file}: missing columns: {columns}").format(file=file, columns=", ".join(missing)))
    return {name: indexes[name.strip().lower()] for name in (*required, *optional) if name.strip().lower() in indexes}


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
