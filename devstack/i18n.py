"""Translation catalogues of ckanext-issy: ``python -m devstack.i18n update|check``.

``update`` (what ``make i18n`` runs) extracts the messages of ``ckanext/``
into ``ckanext/issy/i18n/ckanext-issy.pot``, merges them into every
``<locale>/LC_MESSAGES/ckanext-issy.po`` (``fr`` and ``en`` at least, plus any
locale directory that exists), fills the English catalogue from the msgids and
compiles the ``.mo`` files. A file is rewritten only when its messages
changed, so running it twice, or with another Babel version, changes nothing.

``check`` (run by the test suite) lists what is wrong and exits 1: a stale
``.pot``, a ``.po`` whose msgids differ from the ``.pot``, untranslated or
fuzzy entries or other complaints of GNU ``msgfmt --check --statistics``, a
``.mo`` that does not match its ``.po``, an ordinary space where French
typography wants a non-breaking one, and template literals not wrapped for
translation. See docs/translations.md.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from ckanext.issy import I18N_DOMAIN

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO_ROOT / "ckanext"
# The repository's copy, not ckanext.issy.I18N_DIR: that one is
# wherever the package is installed, which need not be this work tree.
I18N_DIR = SOURCE_DIR / "issy" / "i18n"

# msgids are English (CKAN's convention), so the English catalogue is the
# identity and only the other locales are translated by hand.
SOURCE_LOCALE = "en"
REQUIRED_LOCALES = ("en", "fr")

# First match wins: templates go to CKAN's extractor (Jinja2 with CKAN's
# tags), named by its import path because CKAN 2.11 registers no ``ckan``
# entry point for Babel; the rest by language. The vendored libraries
# (ckanext/issy/vendor/, minified third-party code) hold no message of ours.
METHOD_MAP = [
    ("**/vendor/**", "ignore"),
    ("**/templates/**.html", "ckan.lib.extract:extract_ckan"),
    ("**.py", "python"),
    ("**.js", "javascript"),
]
# Babel's Python extractor matches the name after a dot, so these also cover
# ``tk._``, ``toolkit._`` and ``tk.ungettext``.
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "ungettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ["TRANSLATORS:"]
HEADER_COMMENT = (
    "# Translations of ckanext-issy, open data portal of Issy-les-Moulineaux.\n"
    "# Same license as ckanext-issy: AGPL-3.0-or-later.\n"
    "# Updated by `make i18n`, see docs/translations.md."
)
TRANSLATORS = "ckanext-issy developers"

IGNORE_COMMENT = "i18n: ignore"
# Stands for every Jinja2 construct once templates are flattened to HTML: it
# is not a letter, so an expression or a tag never counts as a literal.
PLACEHOLDER = "\N{OBJECT REPLACEMENT CHARACTER}"
TEXT_ATTRIBUTES = frozenset({
    "alt", "title", "placeholder", "aria-label", "aria-description",
    "aria-roledescription", "label",
})
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
INVISIBLE_ELEMENTS = frozenset({"script", "style"})
# French wants a non-breaking space before : ; ! ? » and after «.
FRENCH_ORDINARY_SPACE = re.compile(r" [:;!?»]|« ")


@dataclass(frozen=True)
class Catalogues:
    """The files of the ``ckanext-issy`` domain under one i18n directory."""

    directory: Path

    @property
    def template(self) -> Path:
        return self.directory / f"{I18N_DOMAIN}.pot"

    def po(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / f"{I18N_DOMAIN}.po"

    def mo(self, locale: str) -> Path:
        return self.po(locale).with_suffix(".mo")

    def locales(self) -> list[str]:
        present = (d.name for d in self.directory.iterdir() if d.is_dir())
        return sorted({*REQUIRED_LOCALES, *present})


# --- extraction and catalogue contents --------------------------------------

def _project_metadata() -> dict[str, Any]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as f:
        project: dict[str, Any] = tomllib.load(f)["project"]
    return project


def _new_catalog(locale: str | None) -> Catalog:
    project = _project_metadata()
    language_team = (
        f"{Locale.parse(locale).english_name} ({TRANSLATORS})" if locale else None
    )
    return Catalog(
        locale=locale,
        domain=I18N_DOMAIN,
        header_comment=HEADER_COMMENT,
        project=project["name"],
        version=project["version"],
        msgid_bugs_address=f"{project['urls']['Homepage']}/issues",
        last_translator=TRANSLATORS,
        language_team=language_team,
        # A template has no revision; Babel writes the usual placeholder.
        revision_date=datetime.now(timezone.utc) if locale else None,
        fuzzy=locale is None,  # a template's header is fuzzy by convention
    )


def extract(source_dir: Path = SOURCE_DIR) -> Catalog:
    """A fresh template catalogue of the messages found under ``source_dir``."""
    catalog = _new_catalog(None)
    for filename, lineno, message, comments, context in extract_from_dir(
        source_dir, METHOD_MAP, {}, KEYWORDS, COMMENT_TAGS
    ):
        location = Path(source_dir.name, filename).as_posix()
        catalog.add(message, "", [(location, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _freeze(value: Any) -> Any:
    """Plural ids and strings come as lists or tuples depending on the reader."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _fingerprint(catalog: Catalog) -> tuple[Any, ...]:
    """What a catalogue file says about its messages, header left out.

    Only file names of locations count (files are written without line
    numbers, so moving code does not churn them), and of the flags only
    ``fuzzy``: Babel versions differ in the format flags they infer."""
    return tuple(
        (
            m.context,
            _freeze(m.id),
            _freeze(m.string),
            tuple(sorted({filename for filename, _ in m.locations})),
            tuple(m.auto_comments),
            m.fuzzy,
        )
        for m in catalog
        if m.id
    )


def _keys(catalog: Catalog) -> set[tuple[str | None, Any]]:
    return {(m.context, _freeze(m.id)) for m in catalog if m.id}


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=I18N_DOMAIN)


def _render_po(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def _compile(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _mo_content(mo: bytes) -> tuple[str, frozenset[tuple[Any, ...]]]:
    catalog = read_mo(BytesIO(mo))
    return catalog.plural_forms, frozenset(
        (m.context, _freeze(m.id), _freeze(m.string)) for m in catalog if m.id
    )


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- update -----------------------------------------------------------------

def _fill_identity(catalog: Catalog, revision_date: datetime | str) -> None:
    """The English catalogue says what the msgids say, plural forms included."""
    for message in catalog:
        if message.id:
            message.string = _freeze(message.id)
            message.flags.discard("fuzzy")
    # Derived from the template, so dated by it: the output stays reproducible.
    catalog.revision_date = revision_date


def _sync_template(fresh: Catalog, path: Path) -> list[Path]:
    """Keep the committed template, and so its date, when its messages hold."""
    if path.exists() and _fingerprint(_read_po(path)) == _fingerprint(fresh):
        return []
    return [_write(path, _render_po(fresh))]


def _sync_locale(catalogues: Catalogues, locale: str) -> list[Path]:
    # Read afresh for each locale: Babel adds the template's own Message
    # objects for new msgids, and the English identity fill must not leak
    # into the other locales through them.
    template = _read_po(catalogues.template)
    po_path = catalogues.po(locale)
    catalog = _read_po(po_path, locale) if po_path.exists() else _new_catalog(locale)
    before = _fingerprint(catalog) if po_path.exists() else None
    catalog.update(template, no_fuzzy_matching=True)
    if locale == SOURCE_LOCALE:
        _fill_identity(catalog, template.creation_date)
    written = []
    if _fingerprint(catalog) != before:
        written.append(_write(po_path, _render_po(catalog)))
    compiled = _compile(catalog)
    mo_path = catalogues.mo(locale)
    if not mo_path.exists() or _mo_content(mo_path.read_bytes()) != _mo_content(compiled):
        written.append(_write(mo_path, compiled))
    return written


def update(source_dir: Path = SOURCE_DIR, i18n_dir: Path = I18N_DIR) -> list[Path]:
    """Bring the template, the catalogues and their ``.mo`` up to date; returns
    the files written."""
    catalogues = Catalogues(i18n_dir)
    written = _sync_template(extract(source_dir), catalogues.template)
    for locale in catalogues.locales():
        written += _sync_locale(catalogues, locale)
    return written


# --- template literals ------------------------------------------------------

@dataclass(frozen=True)
class Literal:
    """Visible text, or a user-facing attribute, not wrapped for translation."""

    path: Path
    line: int
    text: str
    attribute: str | None = None

    def __str__(self) -> str:
        what = f"attribute {self.attribute}=" if self.attribute else "text "
        shown = " ".join(self.text.split()).replace(PLACEHOLDER, "{…}")
        return f"{_display(self.path)}:{self.line}: untranslated {what}{shown!r}"


def _neutralise(source: str, name: str) -> tuple[str, frozenset[int]]:
    """The template's HTML with every Jinja2 construct and every ``{% trans %}``
    block replaced by PLACEHOLDER, line numbers kept; and the lines that carry
    an ``{# i18n: ignore #}`` comment."""
    parts: list[str] = []
    line = 1
    ignored: set[int] = set()
    trans_depth = 0
    expect_tag_name = False
    # The raw token stream, unlike the parser, knows no tag names, so CKAN's
    # own tags (ckan_extends, snippet, asset, link_for...) lex like any other.
    for lineno, kind, value in jinja2.Environment().lex(source, name):
        if lineno > line:  # whitespace control may have eaten newlines
            parts.append("\n" * (lineno - line))
            line = lineno
        if kind == "data":
            if trans_depth == 0:
                parts.append(value)
                line += value.count("\n")
        elif kind.endswith("_begin"):
            parts.append(PLACEHOLDER)
            expect_tag_name = kind == "block_begin"
        elif kind == "name" and expect_tag_name:
            trans_depth += {"trans": 1, "endtrans": -1}.get(value, 0)
            expect_tag_name = False
        elif kind == "comment" and value.strip() == IGNORE_COMMENT:
            ignored.add(lineno)
    return "".join(parts), frozenset(ignored)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def user_facing_attributes(tag: str, attrs: dict[str, str]) -> frozenset[str]:
    """The attributes of this tag that a visitor reads or hears (also used
    by the page crawl test, tests/support/page_language.py)."""
    names = set(TEXT_ATTRIBUTES)
    if tag == "input" and attrs.get("type", "").lower() in BUTTON_INPUT_TYPES:
        names.add("value")
    if tag == "meta" and attrs.get("name", "").lower() == "description":
        names.add("content")
    return frozenset(names)


class _LiteralFinder(HTMLParser):
    """Collects (line, text, attribute) of untranslated literals."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str | None]] = []
        self._invisible = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._invisible = tag in INVISIBLE_ELEMENTS
        values = {name: value or "" for name, value in attrs}
        for name in sorted(user_facing_attributes(tag, values) & values.keys()):
            if _has_letters(values[name]):
                self.found.append((self._attribute_line(name), values[name], name))

    def handle_endtag(self, tag: str) -> None:
        if tag in INVISIBLE_ELEMENTS:
            self._invisible = False

    def handle_data(self, data: str) -> None:
        if self._invisible or not _has_letters(data):
            return
        first_letter = next(i for i, ch in enumerate(data) if ch.isalpha())
        self.found.append((self.getpos()[0] + data.count("\n", 0, first_letter), data, None))

    def _attribute_line(self, name: str) -> int:
        """The line of the attribute itself, in a tag written over several lines."""
        tag_text = self.get_starttag_text() or ""
        match = re.search(rf"(?<![\w-]){re.escape(name)}\s*=", tag_text, re.IGNORECASE)
        return self.getpos()[0] + tag_text.count("\n", 0, match.start() if match else 0)


def template_literals(path: Path) -> list[Literal]:
    """The literals of one template; raises jinja2.TemplateSyntaxError when it
    does not lex."""
    html, ignored = _neutralise(path.read_text(encoding="utf-8"), str(path))
    finder = _LiteralFinder()
    finder.feed(html)
    finder.close()
    return [Literal(path, line, text, attribute)
            for line, text, attribute in finder.found if line not in ignored]


def _templates(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.html")):
        if "templates" in path.relative_to(root).parts[:-1]:
            yield path


def find_untranslated_literals(root: Path) -> list[Literal]:
    """The literals of every ``**/templates/**/*.html`` under ``root``."""
    return [literal for path in _templates(root) for literal in template_literals(path)]


# --- check ------------------------------------------------------------------

def _display(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _describe(keys: set[tuple[str | None, Any]]) -> str:
    return ", ".join(sorted(repr(msgid) for _, msgid in keys))


def _template_problems(fresh: Catalog, catalogues: Catalogues) -> list[str]:
    path = catalogues.template
    if not path.exists():
        return [f"{_display(path)} is missing: run `make i18n`"]
    committed = _read_po(path)
    if _fingerprint(committed) == _fingerprint(fresh):
        return []
    added, gone = _keys(fresh) - _keys(committed), _keys(committed) - _keys(fresh)
    details = [f"new msgids: {_describe(added)}"] if added else []
    details += [f"msgids no longer in the code: {_describe(gone)}"] if gone else []
    reason = "; ".join(details) or "source files or translator comments changed"
    return [f"{_display(path)} is stale ({reason}): run `make i18n`"]


def _msgfmt_problems(path: Path) -> list[str]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return [f"{_display(path)}: msgfmt not found (install Debian's gettext package)"]
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "--output-file=/dev/null", str(path)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "LC_ALL": "C"},  # its statistics are translated otherwise
    )
    lines = result.stderr.strip().splitlines()
    statistics = lines.pop() if lines and "translated message" in lines[-1] else ""
    problems = [f"msgfmt: {line}" for line in lines]
    if result.returncode != 0 or re.search(r"fuzzy|untranslated", statistics):
        problems.append(f"msgfmt --statistics: {statistics or 'failed'}")
    return [f"{_display(path)}: {problem}" for problem in problems]


def _strings(message: Message) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form."""
    string = message.string
    return tuple(string) if isinstance(string, (list, tuple)) else (string or "",)


def _unfinished(catalog: Catalog) -> list[str]:
    """Names the entries that msgfmt only counts."""
    return [
        f"{'fuzzy' if m.fuzzy else 'untranslated'}: {m.id!r}"
        for m in catalog
        if m.id and (m.fuzzy or not all(_strings(m)))
    ]


def _french_typography(catalog: Catalog) -> list[str]:
    return [
        f"ordinary space in {string!r}: use U+00A0 before ':' and inside « », "
        "U+202F before ; ! ?"
        for m in catalog
        if m.id
        for string in _strings(m)
        if FRENCH_ORDINARY_SPACE.search(string)
    ]


def _locale_problems(template: Catalog, catalogues: Catalogues, locale: str) -> list[str]:
    po_path, mo_path = catalogues.po(locale), catalogues.mo(locale)
    if not po_path.exists():
        return [f"{_display(po_path)} is missing: run `make i18n`"]
    catalog = _read_po(po_path, locale)
    missing, extra = _keys(template) - _keys(catalog), _keys(catalog) - _keys(template)
    problems = [f"lacks msgids of the .pot: {_describe(missing)}"] if missing else []
    problems += [f"has msgids not in the .pot: {_describe(extra)}"] if extra else []
    problems += _unfinished(catalog)
    if locale == "fr":
        problems += _french_typography(catalog)
    if not mo_path.exists():
        problems.append(f"{_display(mo_path)} is missing: run `make i18n`")
    elif _mo_content(mo_path.read_bytes()) != _mo_content(_compile(catalog)):
        problems.append(f"{_display(mo_path)} does not match the .po: run `make i18n`")
    return [f"{_display(po_path)}: {p}" for p in problems] + _msgfmt_problems(po_path)


def check(source_dir: Path = SOURCE_DIR, i18n_dir: Path = I18N_DIR) -> list[str]:
    """Everything that keeps the translations from being complete and current."""
    catalogues = Catalogues(i18n_dir)
    fresh = extract(source_dir)
    problems = _template_problems(fresh, catalogues)
    # Catalogues answer to the committed template, the one they were merged from.
    template = _read_po(catalogues.template) if catalogues.template.exists() else fresh
    for locale in catalogues.locales():
        problems += _locale_problems(template, catalogues, locale)
    return problems + [str(literal) for literal in find_untranslated_literals(source_dir)]


# --- command line -----------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.i18n", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "check"])
    command = parser.parse_args(argv).command
    if command == "update":
        written = update()
        for path in written:
            print(f"wrote {_display(path)}")
        if not written:
            print("translations: catalogues already up to date")
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s); see docs/translations.md",
              file=sys.stderr)
        return 1
    print("translations: catalogues current and complete, templates wrapped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
