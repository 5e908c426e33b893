"""Reading XML feeds (TOTEM budget documents, DATEX II publications) safely.

One lxml configuration for every feed: entities are never substituted, no
DTD is loaded, nothing is fetched from the network, and libxml2's size and
depth limits stay on (``huge_tree=False``). Before the document is read, its
prolog is parsed up to the root element and a document with a DTD
(``<!DOCTYPE``) is refused: its entities could read the server's files or
expand until memory runs out ("billion laughs"), and none of the feeds has
one (SOAP forbids them). The refusal comes as soon as the parser sees the
``<!DOCTYPE``, before any entity is declared or used.

Elements are matched by namespace URI and local name, never by prefix or
position: ``ns2:parkingRecordStatus``, ``prk:parkingRecordStatus`` and an
unprefixed one under a default namespace are the same element when their
namespace is. A namespace argument is one URI, a tuple or frozenset of URIs
(DATEX II v2 and v3), ``""`` for no namespace, or :data:`ANY`.
"""
from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, Union

from lxml import etree

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.language import _

Element = etree._Element
Source = Union[Path, bytes]
Namespaces = Union[str, tuple[str, ...], frozenset[str], None]
LocalNames = Union[str, tuple[str, ...], frozenset[str]]

ANY: None = None  # any namespace, or none
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CHUNK_BYTES = 64 * 1024
_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False,
    # Comments and processing instructions would split an element's text.
    "remove_comments": True, "remove_pis": True,
}


class UnsafeXmlError(ReadError):
    """The document has a DTD; it was refused before anything in it was used."""


class _Doctype(Exception):
    pass


class _RootReached(Exception):
    pass


class _Prolog:
    """A parser target that stops at the DOCTYPE or at the root element."""

    def doctype(self, name: str | None, _public_id: str | None, _system_url: str | None) -> NoReturn:
        raise _Doctype(name or "")

    def start(self, *_element: Any) -> NoReturn:
        raise _RootReached

    def close(self) -> None:
        return None


def iter_elements(source: Source, namespace: Namespaces, local_name: LocalNames, *,
                  name: str) -> Iterator[Element]:
    """The elements named ``local_name`` in ``namespace``, in document order,
    each one as soon as its end tag is parsed (with all its descendants).

    ``local_name`` may be a tuple of names, to read e.g. a header and the
    lines in one pass. The reader keeps no element it has yielded and
    empties everything outside the matched elements, so a large file is read
    in bounded memory (about one chunk of the file); an element the caller
    keeps stays whole, with its descendants. ``name`` (the URL or the file
    name) names the file in the ReadError raised for a refused, malformed,
    truncated or empty document; the elements before the error have been
    yielded by then."""
    matches = _matcher(namespace, local_name)
    with _open(source) as stream:
        _refuse_doctype(stream, name)
        stream.seek(0)
        parser = etree.XMLPullParser(events=("start", "end"), **_PARSER_OPTIONS)
        open_matches = 0  # matched elements being parsed: their content must stay
        for event, element in _events(parser, stream, name):
            matched = matches(element.tag)
            if event == "start":
                open_matches += matched
                continue
            if matched:
                open_matches -= 1
                yield element
            elif not open_matches:
                element.clear(keep_tail=True)  # outside every match: nobody asks for it
            if not open_matches:
                _drop_previous_siblings(element)


def is_named(element: Element, namespace: Namespaces, local_name: LocalNames) -> bool:
    """Whether ``element`` is named ``local_name`` in ``namespace``."""
    return _matcher(namespace, local_name)(element.tag)


def find_all(element: Element, namespace: Namespaces, local_name: LocalNames) -> list[Element]:
    """The children of ``element`` with that name, in document order."""
    matches = _matcher(namespace, local_name)
    return [child for child in element if matches(child.tag)]


def find(element: Element, namespace: Namespaces, *path: str) -> Element | None:
    """The first child named ``path[0]``, then its first child named
    ``path[1]``...; None when one is missing. Every step is in ``namespace``."""
    found: Element | None = element
    for local_name in path:
        matches = _matcher(namespace, local_name)
        found = next((child for child in found if matches(child.tag)), None)
        if found is None:
            return None
    return found


def find_text(element: Element, namespace: Namespaces, *path: str) -> str | None:
    """The text of ``find(element, namespace, *path)`` without surrounding
    white space ("" when empty), or None when the element is missing."""
    found = find(element, namespace, *path)
    return None if found is None else (found.text or "").strip()


def find_attribute(element: Element, namespace: Namespaces, *path: str, attribute: str) -> str | None:
    """An attribute of ``find(element, namespace, *path)``, or None.

    ``attribute`` is a local name (``"V"``: attributes without a prefix have
    no namespace, whatever the default namespace) or ``"{uri}local"``."""
    found = find(element, namespace, *path)
    return None if found is None else found.get(attribute)


def xsi_type(element: Element) -> tuple[str, str] | None:
    """The ``xsi:type`` of ``element`` as (namespace, local name), its prefix
    resolved where it is declared; None without an ``xsi:type``.

    Call it when :func:`iter_elements` yields the element: lxml drops the
    namespace declarations that only attribute values use from an element
    detached from its document, which the reader does once it has passed it."""
    value = element.get(f"{{{XSI}}}type")
    if value is None:
        return None
    prefix, _colon, local_name = value.strip().rpartition(":")
    return element.nsmap.get(prefix or None, ""), local_name


@functools.lru_cache(maxsize=256)
def _matcher(namespace: Namespaces, local_name: LocalNames) -> Callable[[object], bool]:
    local_names = {local_name} if isinstance(local_name, str) else set(local_name)
    if namespace is ANY:
        return lambda tag: isinstance(tag, str) and tag.rpartition("}")[2] in local_names
    namespaces = {namespace} if isinstance(namespace, str) else set(namespace)
    # lxml writes a name in a namespace "{uri}local", one without a namespace "local".
    tags = {f"{{{uri}}}{local}" if uri else local for uri in namespaces for local in local_names}
    return tags.__contains__


def _open(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def _refuse_doctype(stream: BinaryIO, name: str) -> None:
    """Parse the prolog: raise UnsafeXmlError at a DOCTYPE, return at the root element."""
    try:
        for _event in _events(etree.XMLPullParser(target=_Prolog(), **_PARSER_OPTIONS), stream, name):
            pass
    except _Doctype as doctype:
        # The DOCTYPE's name says when the server sent an HTML page instead.
        raise UnsafeXmlError(_(
            "{file}: documents with a DTD (<!DOCTYPE {doctype}>) are refused: its entities "
            "could read files of the server or expand until memory runs out"
        ).format(file=name, doctype=doctype)) from None
    except _RootReached:
        return


def _events(parser: etree.XMLPullParser, stream: BinaryIO, name: str) -> Iterator[tuple[str, Element]]:
    """Feed ``stream`` to ``parser`` chunk by chunk and yield its events."""
    size = 0
    try:
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            parser.feed(chunk)
            yield from parser.read_events()
    except etree.XMLSyntaxError as error:
        _raise_malformed(name, parser, error)
    # Errors found so far that lxml reports only when the parser is closed.
    earlier = parser.feed_error_log.filter_from_errors()
    try:
        parser.close()
    except etree.XMLSyntaxError as error:
        if earlier:
            _raise_malformed(name, parser, error)
        if not size:
            raise ReadError(_("{file}: the file is empty").format(file=name)) from None
        line, column, message, _code = _first_error(parser, error)
        raise ReadError(_(
            "{file}, line {line}, column {column}: the document ends before it is "
            "complete ({error}); the file looks truncated"
        ).format(file=name, line=line, column=column, error=message)) from None
    yield from parser.read_events()


def _first_error(parser: etree.XMLPullParser, error: etree.XMLSyntaxError) -> tuple[int, int, str, int]:
    """Line, column, libxml2's message and code of the first error: the
    exception may describe a later one (lxml raises "no element found" at
    the end for an undeclared entity logged earlier)."""
    logged = parser.feed_error_log.filter_from_errors()
    if logged:
        first = logged[0]
        return first.line, first.column, first.message, first.type
    line, column = error.position
    return line, column, error.msg, error.code


def _raise_malformed(name: str, parser: etree.XMLPullParser, error: etree.XMLSyntaxError) -> NoReturn:
    line, column, message, code = _first_error(parser, error)
    if code == etree.ErrorTypes.ERR_INVALID_ENCODING:
        template = _("{file}, line {line}, column {column}: the file is not in the encoding "
                     "it declares ({error})")
    else:
        template = _("{file}, line {line}, column {column}: malformed XML ({error})")
    raise ReadError(template.format(file=name, line=line, column=column, error=message)) from None


def _drop_previous_siblings(element: Element) -> None:
    """Detach the siblings parsed before ``element`` (lxml's iterparse idiom:
    the parser may still hold ``element`` itself). A detached element the
    caller keeps stays whole; one it does not is freed."""
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
