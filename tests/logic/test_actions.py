"""A harvest source of the extension's types is saved only with URLs its
harvester would fetch: the same check on save as on fetch, whichever way the
source is saved (action, web form, update), refused before any connection."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories

from tests.harvesters.conftest import Harvest, harvest  # noqa: F401  (fixture)
from tests.theme.conftest import as_user

ALLOWED = "127.0.0.2:8702"
REFUSED = {
    "file": ("file:///etc/passwd", "Seules les URL http et https"),
    "gopher": ("gopher://127.0.0.1:6379/_FLUSHALL", "Seules les URL http et https"),
    "no host": ("http:///budget.csv", "Seules les URL http et https"),
    "loopback": ("http://127.0.0.1:5432/", "127.0.0.1:5432"),
    "metadata service": ("http://169.254.169.254/latest/meta-data/", "169.254.169.254:80"),
    "private network": ("https://10.0.12.7/budget.csv", "10.0.12.7:443"),
    "ipv6 loopback": ("http://[::1]:8080/budget.csv", "::1"),
    "localhost": ("http://localhost:6379/", "localhost:6379"),
    "bad port": ("http://127.0.0.2:99999/budget.csv", "n’est pas une URL valide"),
}

pytestmark = pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", ALLOWED)


def sources() -> list[str]:
    return [name for (name,) in model.Session.query(model.Package.name).filter(model.Package.type == "harvest")]


@pytest.mark.parametrize("url, message", REFUSED.values(), ids=REFUSED.keys())
def test_harvest_source_create_refuses_a_url_the_harvester_would_refuse(
        harvest: Harvest, url: str, message: str) -> None:
    with pytest.raises(tk.ValidationError) as refused:
        harvest.source(url)

    assert message in " ".join(refused.value.error_dict["url"])
    assert sources() == []


def test_the_configuration_urls_get_the_same_check(harvest: Harvest) -> None:
    with pytest.raises(tk.ValidationError) as refused:
        harvest.source(f"http://{ALLOWED}/budget.csv", {"urls": ["http://169.254.169.254/budget.csv"]})

    assert "169.254.169.254:80" in str(refused.value.error_dict)
    assert sources() == []


def test_public_and_allow_listed_urls_are_accepted(harvest: Harvest) -> None:
    harvest.source(f"http://{ALLOWED}/budget.csv", {"urls": ["https://data.issy.example/ca-2023.csv"]})

    assert sources() == ["budgets-issy"]


def test_updating_a_source_to_a_refused_url_changes_nothing(harvest: Harvest) -> None:
    source = harvest.source(f"http://{ALLOWED}/budget.csv")

    with pytest.raises(tk.ValidationError):
        harvest.update(source, url="file:///etc/passwd")
    with pytest.raises(tk.ValidationError):
        tk.get_action("harvest_source_patch")({"user": harvest.sysadmin["name"]},
                                              {"id": source["id"], "url": "http://10.0.0.1/"})

    assert model.Package.get(source["id"]).url == f"http://{ALLOWED}/budget.csv"


def test_the_web_form_shows_the_refusal_next_to_the_url(harvest: Harvest, app: Any) -> None:
    admin = factories.SysadminWithToken()
    response = app.post("/harvest/new", headers=as_user(admin), data={
        "name": "budgets-piege", "title": "Budgets", "url": "file:///etc/passwd",
        "source_type": "issy_finance", "frequency": "MANUAL", "config": json.dumps({}),
        "owner_org": harvest.organization["id"], "save": "",
    })

    assert response.status_code == 200
    assert "Seules les URL http et https peuvent être moissonnées" in response.get_data(as_text=True)
    assert sources() == []
