"""The vendored front-end libraries (ckanext/issy/vendor/, docs/development.md,
"Front-end libraries"): the files of the manifest are there, one version from
the pin to the lockfile to the file served, no node_modules, and the webassets
bundle serves the vendored file itself."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from devstack import vendor

VENDOR = vendor.VENDOR_DIR
ECHARTS = VENDOR / "echarts" / "echarts.min.js"


def _lockfile() -> dict[str, Any]:
    return json.loads(vendor.LOCKFILE.read_text(encoding="utf-8"))


def test_every_file_of_the_manifest_is_vendored() -> None:
    listed = vendor.manifest()

    assert "echarts" in listed
    destinations = [VENDOR / d for files in listed.values() for d in files.values()]
    assert {"echarts.min.js", "LICENSE", "NOTICE"} <= {path.name for path in destinations}
    assert [path for path in destinations if not path.is_file() or not path.stat().st_size] == []


def test_the_lockfile_the_pin_and_the_vendored_file_name_the_same_echarts_version() -> None:
    pin = vendor.pins()["echarts"]
    locked = _lockfile()["packages"]["node_modules/echarts"]["version"]
    # The bundle's export: ``<exports>.version="x.y.z"`` (zrender's own
    # ``version:"x.y.z"`` is also in the file, and SVG's ``version:"1.1"``).
    written = re.findall(r'\.version="(\d+\.\d+\.\d+)"', ECHARTS.read_text(encoding="utf-8"))

    assert re.fullmatch(r"\d+\.\d+\.\d+", pin)
    assert (locked, written) == (pin, [pin])


def test_the_lockfile_installs_from_the_registry_what_the_pins_say() -> None:
    lock = _lockfile()
    packages = {path: entry for path, entry in lock["packages"].items() if path}

    assert lock["packages"][""]["dependencies"] == vendor.read_package()["dependencies"]
    # Registry tarballs checked by their hash: no git, file or URL source.
    assert all(entry.get("integrity", "").startswith("sha512-") for entry in packages.values())
    assert all(entry.get("resolved", "https://registry.npmjs.org/").startswith("https://registry.npmjs.org/")
               for entry in packages.values())


def test_echarts_min_js_has_both_renderers_and_the_aria_component() -> None:
    text = ECHARTS.read_text(encoding="utf-8")

    assert 'registerPainter("canvas",' in text
    assert 'registerPainter("svg",' in text
    assert 'setAttribute("aria-label",' in text


def test_the_vendor_folder_holds_no_node_modules() -> None:
    assert [path for path in VENDOR.rglob("node_modules")] == []


def test_the_webassets_bundle_lists_the_vendored_file() -> None:
    bundles = yaml.safe_load((VENDOR / "webassets.yml").read_text(encoding="utf-8"))

    assert bundles["echarts"]["output"] == "issy_vendor/%(version)s_echarts.js"
    assert bundles["echarts"]["contents"] == ["echarts/echarts.min.js"]
    assert "filters" not in bundles["echarts"]
    assert all((VENDOR / item).is_file() for bundle in bundles.values() for item in bundle["contents"])


@pytest.mark.usefixtures("with_plugins")
def test_the_issy_plugin_serves_the_echarts_bundle_as_vendored(app, test_request_context) -> None:
    from ckan.lib import webassets_tools

    with test_request_context():
        webassets_tools.include_asset("issy_vendor/echarts")
        tags = str(webassets_tools.render_assets("script"))
    sources = re.findall(r'<script [^>]*src="([^"]+_echarts\.js)"', tags)

    assert len(sources) == 1, tags
    served = app.get(sources[0], status=200).body
    assert served.strip() == ECHARTS.read_text(encoding="utf-8").strip()

