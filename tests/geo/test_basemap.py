"""What the maps are told of the base map (``basemap.tiles``, ``provider``)
and of the commune's outline (``basemap.boundary``), in each configuration."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import factories
from werkzeug.datastructures import FileStorage

from ckanext.issy.geo import basemap

IGN = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
       "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
OUTLINE = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
    "type": "Polygon", "coordinates": [[[2.24, 48.82], [2.28, 48.82], [2.28, 48.83], [2.24, 48.82]]]}}]}
pytestmark = pytest.mark.usefixtures("with_plugins")


@contextmanager
def request(app: Any, path: str = "/", user: dict[str, Any] | None = None) -> Iterator[None]:
    headers = {"Authorization": user["token"]} if user else {}
    with app.flask_app.test_request_context(path, headers=headers):
        yield


def test_no_tile_url_means_no_base_map_and_no_provider(app: Any) -> None:
    with request(app):
        assert basemap.tiles() is None
        assert basemap.provider() is None


@pytest.mark.ckan_config("ckanext.issy.map.tile_url", IGN)
@pytest.mark.ckan_config("ckanext.issy.map.tile_attribution", "© IGN – Géoplateforme")
@pytest.mark.ckan_config("ckanext.issy.map.max_zoom", "19")
@pytest.mark.parametrize("path", ["/", "/en/creer"])
def test_relayed_tiles_come_from_the_portal_in_every_language(app: Any, path: str) -> None:
    with request(app, path):
        assert basemap.tiles() == {"url": "/carte/fond/{z}/{x}/{y}", "attribution": "© IGN – Géoplateforme",
                                   "max_zoom": 19, "subdomains": "abc"}


@pytest.mark.ckan_config("ckanext.issy.map.tile_url", IGN)
@pytest.mark.ckan_config("ckan.root_path", "/donnees/{{LANG}}")
def test_the_relay_url_keeps_the_sites_root_path(app: Any) -> None:
    with request(app):
        assert basemap.tiles()["url"] == "/donnees/carte/fond/{z}/{x}/{y}"


@pytest.mark.ckan_config("ckanext.issy.map.tile_url", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png")
@pytest.mark.ckan_config("ckanext.issy.map.tile_relay", "false")
def test_direct_tiles_are_the_providers_template(app: Any) -> None:
    with request(app):
        tiles = basemap.tiles()

    assert tiles["url"] == "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
    assert (tiles["attribution"], tiles["max_zoom"]) == ("", 18)


@pytest.mark.ckan_config("ckanext.issy.map.tile_url", IGN)
def test_the_provider_is_named_by_its_host_unless_told(app: Any, ckan_config, monkeypatch) -> None:
    assert basemap.provider() == {"name": "data.geopf.fr", "host": "data.geopf.fr", "relayed": True}

    monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_provider", "IGN (Géoplateforme)")
    monkeypatch.setitem(ckan_config, "ckanext.issy.map.tile_relay", False)
    assert basemap.provider() == {"name": "IGN (Géoplateforme)", "host": "data.geopf.fr", "relayed": False}


def _outline_dataset(user: dict[str, Any], private: bool = False, uploaded: bool = True) -> dict[str, Any]:
    org = factories.Organization(user=user)
    dataset = factories.Dataset(name="limites-communales-issy", owner_org=org["id"], private=private, user=user)
    context = {"user": user["name"]}
    create = tk.get_action("resource_create")
    # A linked GeoJSON first: the outline is the first *uploaded* one.
    create(context, {"package_id": dataset["id"], "url": "https://example.org/issy.geojson", "format": "GeoJSON"})
    if uploaded:
        upload = FileStorage(io.BytesIO(json.dumps(OUTLINE).encode()), "issy.geojson",
                             content_type="application/geo+json")
        create(context, {"package_id": dataset["id"], "url": "issy.geojson", "format": "GeoJSON", "upload": upload})
    return tk.get_action("package_show")(context, {"id": dataset["id"]})


@pytest.mark.usefixtures("clean_db")
@pytest.mark.ckan_config("ckanext.issy.map.boundary", "limites-communales-issy")
def test_the_boundary_is_the_first_uploaded_geojson_of_the_dataset(app: Any) -> None:
    dataset = _outline_dataset(factories.SysadminWithToken())

    with request(app, "/en/"):
        assert basemap.boundary() == {"api": "/api/issy/geojson",
                                      "params": {"resource_id": dataset["resources"][1]["id"]}}


@pytest.mark.usefixtures("clean_db")
@pytest.mark.ckan_config("ckanext.issy.map.boundary", "limites-communales-issy")
def test_a_private_boundary_is_only_drawn_for_who_may_read_it(app: Any) -> None:
    admin = factories.SysadminWithToken()
    _outline_dataset(admin, private=True)

    with request(app):
        assert basemap.boundary() is None
    with request(app, user=admin):
        assert basemap.boundary() is not None


@pytest.mark.usefixtures("clean_db")
@pytest.mark.ckan_config("ckanext.issy.map.boundary", "limites-communales-issy")
def test_a_boundary_dataset_without_an_uploaded_geojson_draws_nothing(app: Any) -> None:
    _outline_dataset(factories.SysadminWithToken(), uploaded=False)

    with request(app):
        assert basemap.boundary() is None


@pytest.mark.usefixtures("clean_db")
@pytest.mark.parametrize("setting", ["", "dataset-qui-n-existe-pas"])
def test_an_unset_or_missing_boundary_draws_nothing(app: Any, ckan_config, monkeypatch, setting: str) -> None:
    monkeypatch.setitem(ckan_config, "ckanext.issy.map.boundary", setting)
    with request(app):
        assert basemap.boundary() is None


@pytest.mark.usefixtures("clean_db")
def test_the_demo_publishes_the_outline_its_settings_name(app: Any, ckan_config, monkeypatch) -> None:
    from devstack import demo, sample_data

    admin = factories.SysadminWithToken()
    factories.Organization(name=sample_data.ORGANIZATION["name"], user=admin)
    sample_data.publish_boundary(tk.get_action, lambda: {"user": admin["name"]})
    setting = demo._settings({}, "redis://127.0.0.1:6379", 5000)
    for key in ("ckanext.issy.map.boundary", "ckanext.issy.map.tile_url"):
        monkeypatch.setitem(ckan_config, key, setting.get(key, ""))

    with request(app):
        assert basemap.boundary() is not None
        assert basemap.tiles() is None  # the demo reaches no outside host
    (feature,) = json.loads(sample_data.boundary_geojson())["features"]
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon" and 30 <= len(ring) <= 60 and ring[0] == ring[-1]
    assert all(2.23 < lon < 2.29 and 48.81 < lat < 48.84 for lon, lat in ring)
    assert feature["properties"]["source"].startswith("approximation pour la démonstration")
