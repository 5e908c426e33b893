"""The committed catalogues are current and complete, and ``check`` reports
each way they can stop being so (on a copy of the i18n directory)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from devstack import i18n

BANNER = (
    "Demonstration portal: the data shown here are samples, not official "
    "figures of the City."
)


def test_committed_catalogues_pass_the_check() -> None:
    assert i18n.check() == []


def test_check_command_exits_zero_on_the_work_tree() -> None:
    result = subprocess.run([sys.executable, "-m", "devstack.i18n", "check"],
                            cwd=i18n.REPO_ROOT, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, "")


def test_update_on_current_catalogues_changes_nothing(tmp_path: Path) -> None:
    copy = shutil.copytree(i18n.I18N_DIR, tmp_path / "i18n")
    assert i18n.update(i18n_dir=copy) == []
    for committed in i18n.I18N_DIR.rglob("*.*"):
        assert (copy / committed.relative_to(i18n.I18N_DIR)).read_bytes() == committed.read_bytes()


@pytest.fixture
def catalogues(tmp_path: Path) -> i18n.Catalogues:
    return i18n.Catalogues(shutil.copytree(i18n.I18N_DIR, tmp_path / "i18n"))


def _edit(path: Path, edit: Callable[[Catalog], None]) -> None:
    with path.open("rb") as f:
        catalog = read_po(f)
    edit(catalog)
    with path.open("wb") as f:
        write_po(f, catalog)


def _translate(text: str) -> Callable[[Catalog], None]:
    def edit(catalog: Catalog) -> None:
        catalog[BANNER].string = text
    return edit


def _mark_fuzzy(catalog: Catalog) -> None:
    catalog[BANNER].flags.add("fuzzy")


def _drop_banner(catalog: Catalog) -> None:
    catalog.delete(BANNER)


@pytest.mark.parametrize(
    "edit, expected",
    [
        (_translate(""), " translated messages, 1 untranslated message."),
        (_translate(""), f"untranslated: {BANNER!r}"),
        (_mark_fuzzy, "fuzzy translation"),
        (_drop_banner, f"lacks msgids of the .pot: {BANNER!r}"),
        (_translate("Démonstration\u00a0: données d’exemple."), "does not match the .po"),
        (_translate("Démonstration : données d’exemple."), "ordinary space"),
    ],
    ids=["untranslated-msgfmt", "untranslated-named", "fuzzy", "missing-msgid",
         "mo-mismatch", "french-typography"],
)
def test_check_reports_a_planted_french_problem(
    catalogues: i18n.Catalogues, edit: Callable[[Catalog], None], expected: str
) -> None:
    _edit(catalogues.po("fr"), edit)

    problems = i18n.check(i18n_dir=catalogues.directory)

    french = [p for p in problems if p.startswith(str(catalogues.po("fr")))]
    assert any(expected in p for p in french), problems


def test_check_reports_a_stale_template(catalogues: i18n.Catalogues) -> None:
    _edit(catalogues.template, _drop_banner)

    problems = i18n.check(i18n_dir=catalogues.directory)

    assert any(
        "ckanext-issy.pot is stale" in p and f"new msgids: {BANNER!r}" in p for p in problems
    ), problems
    assert any(f"has msgids not in the .pot: {BANNER!r}" in p for p in problems), problems


def test_check_reports_a_missing_catalogue(catalogues: i18n.Catalogues) -> None:
    catalogues.mo("en").unlink()

    problems = i18n.check(i18n_dir=catalogues.directory)

    assert any("en/LC_MESSAGES/ckanext-issy.mo is missing" in p for p in problems), problems


def test_update_fills_a_new_language_and_english_identity(catalogues: i18n.Catalogues) -> None:
    (catalogues.directory / "de").mkdir()
    _edit(catalogues.po("en"), _translate(""))

    written = i18n.update(i18n_dir=catalogues.directory)

    # The English .mo already said what the refilled .po says.
    assert set(written) == {catalogues.po("de"), catalogues.mo("de"), catalogues.po("en")}
    with catalogues.po("en").open("rb") as f:
        assert read_po(f)[BANNER].string == BANNER
    problems = i18n.check(i18n_dir=catalogues.directory)
    # The new language starts with every message untranslated.
    assert any(p.startswith(str(catalogues.po("de"))) and f"untranslated: {BANNER!r}" in p
               for p in problems), problems
