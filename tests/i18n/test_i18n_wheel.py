"""Translations work from an installed wheel, not only from the work tree."""
from __future__ import annotations

import gettext
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from devstack import i18n

BANNER = (
    "Demonstration portal: the data shown here are samples, not official "
    "figures of the City."
)
BANNER_FR = (
    "Portail de démonstration\u00a0: les données présentées sont des exemples, "
    "pas des chiffres officiels de la Ville."
)


def _source_files() -> list[str]:
    """What a fresh clone holds: tracked files plus new ones not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=i18n.REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return [name for name in listing.split("\0") if (i18n.REPO_ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy so that setuptools' build/ and egg-info never land in
    # (or leak stale files from) the work tree.
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((i18n.REPO_ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: the venv's setuptools and Babel build it offline.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out), str(source)],
        check=True,
    )
    [built] = out.glob("ckanext_issy-*.whl")
    return built


def _packaged(directory: Path) -> set[str]:
    return {path.relative_to(i18n.REPO_ROOT).as_posix()
            for path in directory.rglob("*") if path.is_file()}


def test_wheel_ships_catalogues_and_templates(wheel: Path) -> None:
    expected = _packaged(i18n.I18N_DIR) | _packaged(i18n.SOURCE_DIR / "issy" / "templates")
    assert {
        "ckanext/issy/i18n/ckanext-issy.pot",
        "ckanext/issy/i18n/fr/LC_MESSAGES/ckanext-issy.po",
        "ckanext/issy/i18n/fr/LC_MESSAGES/ckanext-issy.mo",
        "ckanext/issy/i18n/en/LC_MESSAGES/ckanext-issy.po",
        "ckanext/issy/i18n/en/LC_MESSAGES/ckanext-issy.mo",
        "ckanext/issy/templates/page.html",
    } <= expected
    with zipfile.ZipFile(wheel) as archive:
        assert expected - set(archive.namelist()) == set()


def test_installed_wheel_translates_the_banner(wheel: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(tmp_path), str(wheel)],
        check=True,
    )
    localedir = tmp_path / "ckanext" / "issy" / "i18n"

    def translate(language: str) -> str:
        return gettext.translation(
            i18n.I18N_DOMAIN, localedir=localedir, languages=[language]
        ).gettext(BANNER)

    assert translate("fr") == BANNER_FR
    assert translate("en") == BANNER
