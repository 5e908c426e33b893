"""The vendored front-end libraries (ckanext/issy/vendor/, docs/development.md,
"Front-end libraries"): the files of the manifest and the bundles are there,
one version from the pin to the lockfile to the file served, no node_modules,
and the webassets bundle serves the vendored file itself."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from devstack import vendor

VENDOR = vendor.VENDOR_DIR
ECHARTS = VENDOR / "echarts" / "echarts.min.js"
LEAFLET = VENDOR / "leaflet" / "leaflet.js"
MARKERCLUSTER = VENDOR / "leaflet.markercluster" / "leaflet.markercluster.js"
MAP_ASSETS = VENDOR.parent / "views" / "map" / "assets"


def _lockfile() -> dict[str, Any]:
    return json.loads(vendor.LOCKFILE.read_text(encoding="utf-8"))


def test_every_file_of_the_manifest_and_every_bundle_is_vendored() -> None:
    listed = vendor.manifest()
    built = vendor.bundles()

    assert "echarts" in listed and "echarts/echarts.min.js" in built
    destinations = [VENDOR / d for files in listed.values() for d in files.values()] + [VENDOR / d for d in built]
    assert {"echarts.min.js", "LICENSE", "NOTICE", "LICENSE-zrender"} <= {path.name for path in destinations}
    assert {LEAFLET, MARKERCLUSTER, VENDOR / "leaflet" / "leaflet.css",
            VENDOR / "leaflet.markercluster" / "MarkerCluster.css",
            VENDOR / "leaflet.markercluster" / "MarkerCluster.Default.css"} <= set(destinations)
    assert [path for path in destinations if not path.is_file() or not path.stat().st_size] == []


@pytest.mark.parametrize("package", ["echarts", "esbuild", "leaflet", "leaflet.markercluster"])
def test_the_lockfile_and_the_pin_name_the_same_version(package: str) -> None:
    pin = vendor.pins()[package]
    locked = _lockfile()["packages"][f"node_modules/{package}"]["version"]

    assert re.fullmatch(r"\d+\.\d+\.\d+", pin)
    assert locked == pin


def test_the_bundle_names_the_pinned_echarts_version_and_its_entry() -> None:
    opening = ECHARTS.read_text(encoding="utf-8").splitlines()[0]

    assert opening.startswith(f"/*! echarts {vendor.pins()['echarts']}, the parts listed in vendor/echarts.entry.js")


@pytest.mark.parametrize(("library", "licence", "words"), [
    ("leaflet", "leaflet/LICENSE", "BSD 2-Clause License"),
    ("leaflet.markercluster", "leaflet.markercluster/LICENSE", "Permission is hereby granted, free of charge"),
])
def test_each_copied_library_travels_with_its_licence(library: str, licence: str, words: str) -> None:
    assert licence in vendor.manifest()[library].values()
    assert words in (VENDOR / licence).read_text(encoding="utf-8")


def test_the_copied_leaflet_files_are_the_pinned_versions() -> None:
    pins = vendor.pins()

    # As Leaflet ships it: its banner and its version string.
    assert f"Leaflet {pins['leaflet']}, a JS library for interactive maps" in LEAFLET.read_text(encoding="utf-8")[:200]
    assert f't.version="{pins["leaflet"]}"' in LEAFLET.read_text(encoding="utf-8")
    # markercluster extends the global L that Leaflet sets; its build says
    # no version: the lockfile's entry is the one installed (above).
    assert MARKERCLUSTER.read_text(encoding="utf-8").count("L.MarkerClusterGroup=") == 1
    assert pins["leaflet.markercluster"].startswith("1.5.")


def test_the_maps_ask_nothing_of_leaflet_that_needs_its_images() -> None:
    """leaflet.css names images (the default marker icon, the layers
    control) that are not vendored: the maps' scripts (map.js, classes.js)
    draw circle markers and clusters (a divIcon) only, never L.marker's
    default icon or the layers control, so the browser never asks for them."""
    css = (VENDOR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    map_js = "".join(path.read_text(encoding="utf-8") for path in sorted(MAP_ASSETS.glob("*.js")))

    assert "url(images/marker-icon.png)" in css and not (VENDOR / "leaflet" / "images").exists()
    assert set(re.findall(r"\bL\.(\w+)", map_js)) <= {
        "map", "svg", "control", "latLng", "latLngBounds", "circleMarker", "geoJSON", "featureGroup",
        "tileLayer", "markerClusterGroup", "divIcon", "point", "Control", "DomUtil", "DomEvent"}


def test_the_lockfile_installs_from_the_registry_what_the_pins_say() -> None:
    lock = _lockfile()
    packages = {path: entry for path, entry in lock["packages"].items() if path}

    assert lock["packages"][""]["dependencies"] == vendor.read_package()["dependencies"]
    assert lock["packages"][""]["devDependencies"] == vendor.read_package()["devDependencies"]
    # Registry tarballs checked by their hash: no git, file or URL source.
    assert all(entry.get("integrity", "").startswith("sha512-") for entry in packages.values())
    assert all(entry.get("resolved", "https://registry.npmjs.org/").startswith("https://registry.npmjs.org/")
               for entry in packages.values())


def test_the_echarts_bundle_holds_what_the_charts_use_and_sets_one_global() -> None:
    text = ECHARTS.read_text(encoding="utf-8")
    entry = (VENDOR / "echarts.entry.js").read_text(encoding="utf-8")

    # chart.js draws with the SVG renderer only; its chart types, the
    # scrolling legend and the ARIA description are in.
    assert 'registerPainter("svg",' in text and 'registerPainter("canvas",' not in text
    assert 'setAttribute("aria-label",' in text
    assert {"series.line", "series.scatter", "series.treemap", "legend.scroll"} <= set(re.findall(r'"([a-z]+\.[a-z]+)"', text))
    assert all(name in entry for name in ("BarChart", "LineChart", "PieChart", "ScatterChart", "TreemapChart"))
    # What chart.js calls is what the entry exports, on the one global the bundle defines.
    chart_js = (VENDOR.parent / "views" / "chart" / "assets" / "chart.js").read_text(encoding="utf-8")
    assert set(re.findall(r"\becharts\.(\w+)", chart_js)) == {"init", "getInstanceByDom"}
    assert "export const { init, getInstanceByDom, version } = echarts;" in entry
    assert text.split("\n", 1)[1].startswith("var echarts=(()=>{")


def test_the_vendor_folder_holds_no_node_modules() -> None:
    assert [path for path in VENDOR.rglob("node_modules")] == []


def test_the_webassets_bundle_lists_the_vendored_file() -> None:
    bundles = yaml.safe_load((VENDOR / "webassets.yml").read_text(encoding="utf-8"))

    assert bundles["echarts"]["output"] == "issy_vendor/%(version)s_echarts.js"
    assert bundles["echarts"]["contents"] == ["echarts/echarts.min.js"]
    # Leaflet first: markercluster extends the global L it sets.
    assert bundles["leaflet"]["contents"] == ["leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js"]
    assert bundles["leaflet_style"]["output"].endswith(".css")
    assert bundles["leaflet_style"]["contents"][0] == "leaflet/leaflet.css"
    assert all("filters" not in bundle for bundle in bundles.values())
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



@pytest.mark.usefixtures("with_plugins")
def test_the_issy_plugin_serves_leaflet_and_its_clusters_in_one_script(app, test_request_context) -> None:
    from ckan.lib import webassets_tools

    with test_request_context():
        webassets_tools.include_asset("issy_vendor/leaflet")
        tags = str(webassets_tools.render_assets("script"))
    sources = re.findall(r'<script [^>]*src="([^"]+_leaflet\.js)"', tags)

    assert len(sources) == 1, tags
    served = app.get(sources[0], status=200).body
    assert served.startswith(LEAFLET.read_text(encoding="utf-8").strip()[:200])
    assert MARKERCLUSTER.read_text(encoding="utf-8").strip()[-200:] in served
