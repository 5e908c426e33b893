"""Fixtures of the interoperability tests: a live portal with harvested
budgets and a dataset written through the API, whose catalogue spans
several pages, for data.gouv.fr's harvesters (devstack.datagouv.run_udata)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
import pytest

from ckanext.issy.dcat import commune

# The harvester tests' feed server (127.0.0.2) and harvest runner.
from tests.harvesters.conftest import Feed, Harvest, errors, feed, harvest  # noqa: F401
from tests.support.live_portal import LivePortal, live_portal  # noqa: F401

# Two datasets per catalogue page: the portal's catalogue spans two pages
# (Hydra paging links), as a city's does at 100 per page.
DATASETS_PER_PAGE = 2
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
# The commune's boundary shipped with the extension: the area of the
# harvested datasets and of those written in the form by default.
ISSY = json.loads(commune.SHIPPED_BOUNDARY.read_text())["geometry"]
# An approximate outline of the parc Henri-Barbusse, in the town centre.
PARC_HENRI_BARBUSSE = {"type": "Polygon", "coordinates": [[
    [2.2641, 48.8262], [2.2668, 48.8253], [2.2684, 48.8270], [2.2657, 48.8281], [2.2641, 48.8262]]]}
AIR_QUALITY = {
    "name": "releves-qualite-air-parc-henri-barbusse",
    "title": "Relevés de qualité de l'air au parc Henri-Barbusse",
    "notes": "Mesures horaires du capteur du parc : dioxyde d'azote et particules fines (µg/m³).",
    "license_id": "odc-odbl",
    "tags": [{"name": "pollution"}, {"name": "qualité air"}],
    "maintainer": "Service environnement",
    "maintainer_email": "environnement@ville-issy.fr",
    # The dataset form's coverage fields (issy_dcat), as an editor fills them.
    "frequency": FREQUENCY + "MONTHLY",
    "temporal_start": "2024-01-01",
    "temporal_end": "2024-12-31",
    "spatial_coverage": "custom",
    "spatial": json.dumps(PARC_HENRI_BARBUSSE),
    "resources": [{"name": "Mesures 2024", "format": "CSV",
                   "url": "https://capteurs.ville-issy.fr/air/mesures-2024.csv"},
                  # An editor who gave no format: the portal derives it from the URL.
                  {"name": "Emplacement des capteurs", "url": "https://capteurs.ville-issy.fr/air/capteurs.geojson"}],
}


@dataclass
class Portal:
    live: LivePortal

    def datasets(self) -> dict[str, dict[str, Any]]:
        """``package_show`` of every dataset, by title."""
        found = tk.get_action("package_search")({"ignore_auth": True}, {"q": "*:*", "rows": 100})
        return {dataset["title"]: tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset["id"]})
                for dataset in found["results"]}


@pytest.fixture
def paged_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.config, "ckanext.dcat.datasets_per_page", DATASETS_PER_PAGE)


@pytest.fixture
def portal(live_portal: LivePortal, harvest: Harvest, feed: Feed,  # noqa: F811
           paged_catalogue: None) -> Portal:
    """Two budgets harvested from SCDL files by the finance harvester (whose
    source is a package of its own) and a dataset an editor wrote through
    the API, with its coverage fields."""
    feed.serve_file("budget-primitif-2024.csv")
    feed.serve_file("compte-administratif-2023-cp1252.csv")
    source = harvest.source(feed.url("budget-primitif-2024.csv"),
                            {"urls": [feed.url("compte-administratif-2023-cp1252.csv")]})
    assert errors(harvest.run(source)) == []
    tk.get_action("package_create")({"user": harvest.sysadmin["name"]},
                                    {**AIR_QUALITY, "owner_org": harvest.organization["id"]})
    return Portal(live_portal)
