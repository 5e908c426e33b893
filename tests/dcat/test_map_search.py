"""Harvested budgets and editors' datasets carry their area in the
``spatial`` extra, so the map search (``ext_bbox``, issy_search) finds them."""
from __future__ import annotations


import ckan.plugins.toolkit as tk
import pytest

from tests.dcat.conftest import Portal

pytestmark = pytest.mark.usefixtures("with_plugins")

ISSY_CENTRE = "2.265,48.820,2.275,48.830"  # around the Hôtel de Ville
ILE_SAINT_GERMAIN_TIP = "2.255,48.827,2.258,48.829"
BOULOGNE_NORTH = "2.235,48.840,2.245,48.848"  # beyond the commune


def found(bbox: str) -> set[str]:
    result = tk.get_action("package_search")({"ignore_auth": True}, {"extras": {"ext_bbox": bbox}, "rows": 10})
    return {dataset["title"] for dataset in result["results"]}


def test_the_map_search_finds_each_dataset_by_its_area(portal: Portal) -> None:
    town = {"Budget primitif 2024", "Compte administratif 2023", "Horaires d'ouverture de l'Hôtel de Ville"}

    assert found(ISSY_CENTRE) == town
    assert found(ILE_SAINT_GERMAIN_TIP) == town | {"Qualité de l'air sur l'Île Saint-Germain"}
    assert found(BOULOGNE_NORTH) == set()
