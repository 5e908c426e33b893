"""Resources as data.gouv.fr's CKAN harvester takes them: an absolute URL
(udata fails the whole dataset on an empty or relative one), a format and
a media type."""
from __future__ import annotations

import io
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from werkzeug.datastructures import FileStorage

from tests.dcat.conftest import act

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def dataset() -> dict[str, Any]:
    organization = factories.Organization(name="ville-issy")
    return factories.Dataset(name="stationnement", title="Stationnement à Issy", owner_org=organization["id"])


@pytest.mark.parametrize("url", ["", "parkings.csv", "/dataset/stationnement/parkings.csv", "ftp://ftp.issy.fr/p.csv"])
def test_a_linked_resource_needs_an_absolute_http_url(dataset: dict[str, Any], url: str) -> None:
    with pytest.raises(tk.ValidationError) as refused:
        act(factories.Sysadmin(), "resource_create", package_id=dataset["id"], name="Parkings", url=url)

    assert list(refused.value.error_dict) == ["url"]
    assert not tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset["id"]})["resources"]


def test_a_dataset_with_a_relative_resource_url_is_refused_at_that_resource(dataset: dict[str, Any]) -> None:
    with pytest.raises(tk.ValidationError) as refused:
        act(factories.Sysadmin(), "package_patch", id=dataset["id"], resources=[
            {"name": "Parkings", "url": "https://data.issy.com/parkings.csv"}, {"name": "Carte", "url": "carte.geojson"}])

    assert refused.value.error_dict["resources"][0] == {}
    assert list(refused.value.error_dict["resources"][1]) == ["url"]


def test_every_resource_is_shown_with_an_absolute_url_a_format_and_a_media_type(app: Any,
                                                                                dataset: dict[str, Any]) -> None:
    admin = factories.Sysadmin()
    act(admin, "resource_create", package_id=dataset["id"], name="Occupation",
        url="https://data.issy.com/parkings/occupation.xlsx")
    act(admin, "resource_create", package_id=dataset["id"], name="Tarifs", format="CSV",
        url="https://data.issy.com/parkings/tarifs")
    act(admin, "resource_create", package_id=dataset["id"], name="Plan", url="plan.pdf",
        upload=FileStorage(io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf", content_type="application/pdf"))
    act(admin, "datastore_create", resource={"package_id": dataset["id"], "name": "Places libres", "format": "CSV"},
        fields=[{"id": "parking", "type": "text"}, {"id": "places", "type": "int"}],
        records=[{"parking": "Mairie", "places": 87}], force=True)

    resources = app.get("/api/3/action/package_show", query_string={"id": "stationnement"}).json["result"]["resources"]

    shown = {r["name"]: (r["url"].startswith("http://test.ckan.net/") or r["url"].startswith("https://"),
                         r["format"], r["mimetype"]) for r in resources}
    assert shown == {
        "Occupation": (True, "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "Tarifs": (True, "CSV", "text/csv"),
        "Plan": (True, "PDF", "application/pdf"),
        "Places libres": (True, "CSV", "text/csv"),
    }
