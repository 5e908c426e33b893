"""The ``ckan issy`` command group, owned by the ``issy`` plugin."""
from __future__ import annotations

from typing import Any

import pytest
from ckan import model
from ckan.cli.cli import ckan
from ckanext.harvest.model import HarvestSource

from tests.harvesters.conftest import Harvest, harvest  # noqa: F401  (fixture)


@pytest.mark.ckan_config("ckan.locale_default", "en")
def test_the_issy_group_lists_its_commands(cli: Any, with_plugins: None) -> None:
    result = cli.invoke(ckan, ["issy", "--help"])

    assert result.exit_code == 0, result.output
    assert "check-sources" in result.output


@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", "127.0.0.2:8702")
def test_check_sources_names_a_source_saved_before_the_url_check(harvest: Harvest, cli: Any) -> None:  # noqa: F811
    good = harvest.source("http://127.0.0.2:8702/budget-2024.csv", name="budgets-2024")
    old = harvest.source("http://127.0.0.2:8702/budget-2023.csv", name="budgets-2023")
    assert cli.invoke(ckan, ["issy", "check-sources"]).exit_code == 0
    # What an earlier version let a sysadmin save.
    model.Session.query(HarvestSource).filter(HarvestSource.id == old["id"]).update({"url": "file:///etc/passwd"})
    model.Session.commit()

    result = cli.invoke(ckan, ["issy", "check-sources"])

    assert result.exit_code == 1, result.output
    assert f"Budgets de la ville ({old['id']})\u00a0: Seules les URL http et https peuvent être moissonnées" in result.output
    assert good["id"] not in result.output
    assert "vérifiées\u00a0: 2\u00a0; refusées\u00a0: 1." in result.output
