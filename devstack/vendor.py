"""The front-end libraries served to visitors: ``python -m devstack vendor`` (``make vendor``).

``ckanext/issy/vendor/package.json`` pins each library exactly and lists,
under ``issyVendor``, which files of its npm package are copied where
(``{"echarts": {"LICENSE": "echarts/LICENSE", ...}}``, destinations relative
to the vendor folder), and under ``issyBundles``, which files are built
from an entry module of the vendor folder with esbuild (pinned under
``devDependencies``) into a minified script that sets one global
(``{"echarts/echarts.min.js": {"package": "echarts", "entry":
"echarts.entry.js", "global": "echarts"}}``): the parts of a library the
portal uses, not the whole of it. Each bundle starts with a comment naming
the library and its version (``/*! echarts 6.1.0 ... */``). The command
works in a temporary directory, never in the package: it brings ``package-lock.json``
in line with the pins (``npm install --package-lock-only``, which changes
nothing when they already agree), installs exactly what the lockfile says
(``npm ci``), from the npm registry and without running any package script,
then copies the listed files, builds the bundles and prints what changed. A
file that a listed destination folder holds but the manifest no longer names
is removed.

To move a library to another version: edit its pin in
``ckanext/issy/vendor/package.json``, run ``make vendor``, commit the folder.
See docs/development.md, "Front-end libraries".
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from devstack.errors import StackError

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "ckanext" / "issy" / "vendor"
PACKAGE_JSON = VENDOR_DIR / "package.json"
LOCKFILE = VENDOR_DIR / "package-lock.json"
MANIFEST_KEY = "issyVendor"
BUNDLES_KEY = "issyBundles"
# Never run a package's install scripts; audit and funding notices only talk.
NPM_FLAGS = ("--ignore-scripts", "--no-audit", "--no-fund")


def read_package() -> dict[str, Any]:
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))


def manifest(package: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """{npm package: {path in the package: destination under vendor/}}, checked.

    A package may be one that a pinned library depends on (the licence of
    code a library's bundle embeds): its version is then the lockfile's.
    """
    package = read_package() if package is None else package
    listed = package.get(MANIFEST_KEY) or {}
    for files in listed.values():
        for destination in files.values():
            _check_destination(destination)
    return listed


def bundles(package: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """{destination under vendor/: {"package": npm package, "entry": module in
    vendor/, "global": name}}, checked; the package is the one whose version
    the bundle's opening comment names."""
    package = read_package() if package is None else package
    listed = package.get(BUNDLES_KEY) or {}
    for destination, bundle in listed.items():
        _check_destination(destination)
        entry = VENDOR_DIR / bundle.get("entry", "")
        if not bundle.get("entry") or entry.parent != VENDOR_DIR or not entry.is_file():
            raise StackError(f"{PACKAGE_JSON}: the entry of {destination!r} must be a file of the vendor folder")
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", bundle.get("global", "")):
            raise StackError(f"{PACKAGE_JSON}: the global of {destination!r} must be a JavaScript name")
        if bundle.get("package") not in (package.get("dependencies") or {}):
            raise StackError(f"{PACKAGE_JSON}: the package of {destination!r} must be one of the dependencies")
    return listed


def _check_destination(destination: str) -> None:
    path = PurePosixPath(destination)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
        raise StackError(f"{PACKAGE_JSON}: {destination!r} must be a file inside a folder of the vendor folder")


def pins(package: dict[str, Any] | None = None) -> dict[str, str]:
    """Each library's and build tool's pinned version; a range is refused
    (the files must not move by themselves)."""
    package = read_package() if package is None else package
    found = {**(package.get("dependencies") or {}), **(package.get("devDependencies") or {})}
    for name, version in found.items():
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise StackError(f"{PACKAGE_JSON}: pin {name} to an exact version (x.y.z), not {version!r}")
    return found


def _npm(args: list[str], cwd: Path) -> None:
    if shutil.which("npm") is None:
        raise StackError("npm is missing: install the Debian package npm (make system-deps)")
    command = ["npm", *args, *NPM_FLAGS]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}".rstrip())


def _installed_version(work: Path, name: str) -> str:
    """The version npm installed of package ``name`` in ``work``."""
    return json.loads((work / "node_modules" / name / "package.json").read_text(encoding="utf-8"))["version"]


def _build(work: Path, destination: str, bundle: dict[str, str]) -> Path:
    """esbuild's minified script of the bundle's entry, built in ``work``
    (where node_modules is), opened by a comment naming what it holds."""
    library = bundle["package"]
    version = _installed_version(work, library)
    entry = work / Path(bundle["entry"]).name
    shutil.copyfile(VENDOR_DIR / bundle["entry"], entry)
    output = work / "bundles" / destination
    command = [
        str(work / "node_modules" / ".bin" / "esbuild"), str(entry), "--bundle", "--minify",
        "--format=iife", f"--global-name={bundle['global']}", "--target=es2017", "--log-level=warning",
        f"--banner:js=/*! {library} {version}, the parts listed in vendor/{bundle['entry']}"
        f" (make vendor); licences beside this file */",
        f"--outfile={output}",
    ]
    done = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"Building {destination} failed:\n{done.stdout}{done.stderr}".rstrip())
    return output


def _copy_if_changed(source: Path, destination: Path) -> str | None:
    """Write source's bytes to destination; the change made, or None."""
    data = source.read_bytes()
    if destination.exists():
        if destination.read_bytes() == data:
            return None
        change = "updated"
    else:
        change = "added"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    return change


def update() -> list[str]:
    """Refresh the lockfile and the copied files; one line per change."""
    package = read_package()
    pinned = pins(package)
    listed = manifest(package)
    built = bundles(package)
    changes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="issy-vendor-") as tmp:
        work = Path(tmp)
        shutil.copyfile(PACKAGE_JSON, work / "package.json")
        if LOCKFILE.exists():
            shutil.copyfile(LOCKFILE, work / "package-lock.json")
        _npm(["install", "--package-lock-only"], work)
        _npm(["ci"], work)
        change = _copy_if_changed(work / "package-lock.json", LOCKFILE)
        if change:
            changes.append(f"{change} {LOCKFILE.relative_to(ROOT)}")
        for name, files in listed.items():
            installed = work / "node_modules" / name
            if not (installed / "package.json").is_file():
                raise StackError(f"{MANIFEST_KEY} in {PACKAGE_JSON} lists {name}, which npm did not install")
            version = _installed_version(work, name)
            if name in pinned and version != pinned[name]:
                raise StackError(f"npm installed {name} {version}, not the pinned {pinned[name]}")
            for source, destination in files.items():
                if not (installed / source).is_file():
                    raise StackError(
                        f"{name} {version} has no file {source}: correct {MANIFEST_KEY} in {PACKAGE_JSON}"
                    )
                target = VENDOR_DIR / destination
                change = _copy_if_changed(installed / source, target)
                if change:
                    changes.append(f"{change} {target.relative_to(ROOT)} ({name} {version})")
        for destination, bundle in built.items():
            target = VENDOR_DIR / destination
            change = _copy_if_changed(_build(work, destination, bundle), target)
            if change:
                changes.append(f"{change} {target.relative_to(ROOT)} (built from {bundle['entry']})")
    # What a library's folders hold that the manifest no longer names.
    wanted = {VENDOR_DIR / d for files in listed.values() for d in files.values()} | {
        VENDOR_DIR / d for d in built}
    for folder in sorted({path.parent for path in wanted}):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path not in wanted:
                path.unlink()
                changes.append(f"removed {path.relative_to(ROOT)}")
    return changes


def main() -> int:
    changes = update()
    for line in changes:
        print(line)
    versions = ", ".join(f"{name} {version}" for name, version in pins().items())
    print(f"{VENDOR_DIR.relative_to(ROOT)}: {versions}; "
          + ("nothing changed" if not changes else f"{len(changes)} change(s)"))
    return 0
