"""Source configurations are validated on save, with clear messages; the
examples of docs/harvesters.md are valid."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ckanext.issy.harvesters.core.base import ConfigError
from ckanext.issy.harvesters.finance import ScdlBudgetHarvester
from devstack.settings import SAMPLE_FEEDS_HOST, SAMPLE_FEEDS_PORT

DOC = Path(__file__).resolve().parents[2] / "docs" / "harvesters.md"


def doc_examples(section: str = "## Source configuration") -> list[str]:
    """The JSON examples of one section of the document (up to the next ``## `` heading)."""
    text = DOC.read_text().split(section + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```json\n(.*?)```", text, flags=re.S)


@pytest.mark.usefixtures("with_plugins")
def test_the_documentation_has_configuration_examples() -> None:
    assert len(doc_examples()) >= 3


@pytest.mark.usefixtures("with_plugins")
# The demo's sample feeds are on a loopback address that the demo allows.
@pytest.mark.ckan_config("ckanext.issy.harvest.allowed_hosts", f"{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT}")
@pytest.mark.parametrize("example", doc_examples())
def test_every_configuration_example_of_the_documentation_is_valid(example: str) -> None:
    normalised = json.loads(ScdlBudgetHarvester().validate_config(example))
    assert normalised["withdraw"] in ("delete", "mark")


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config, message", [
    ("{not json", "n’est pas du JSON valide"),
    ("[]", "doit être un objet JSON"),
    ('{"titre": "x"}', "option inconnue «\u00a0titre\u00a0»"),
    ('{"withdraw": "hide"}', "«\u00a0withdraw\u00a0» doit valoir «\u00a0delete\u00a0» ou «\u00a0mark\u00a0»"),
    ('{"urls": ["file:///etc/passwd"]}', "Seules les URL http et https"),
    ('{"urls": "http://a.example/b.csv"}', "«\u00a0urls\u00a0» doit être une liste"),
    ('{"tags": "budget"}', "«\u00a0tags\u00a0» doit être une liste de mots"),
    ('{"insee": "9204"}', "«\u00a0insee\u00a0» doit être un code de commune"),
])
def test_an_invalid_configuration_is_refused_with_a_clear_message(config: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        ScdlBudgetHarvester().validate_config(config)


@pytest.mark.usefixtures("with_plugins")
def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as refused:
        ScdlBudgetHarvester().validate_config('{"a": 1, "b": 2, "withdraw": "x"}')
    for problem in ("option inconnue «\u00a0a\u00a0»", "option inconnue «\u00a0b\u00a0»", "«\u00a0withdraw\u00a0»"):
        assert problem in str(refused.value)


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_saving_a_source_with_an_invalid_configuration_is_refused() -> None:
    import ckan.plugins.toolkit as tk
    from ckan.tests import factories

    user = factories.Sysadmin()
    with pytest.raises(tk.ValidationError, match="option inconnue"):
        tk.get_action("harvest_source_create")({"user": user["name"]}, {
            "name": "budgets", "url": "https://www.issy.com/budget.csv", "source_type": "issy_finance",
            "owner_org": factories.Organization(user=user)["id"], "config": '{"titre": "x"}',
        })


def _example(key: str, value: str) -> dict:
    (example,) = [json.loads(e) for e in doc_examples() if json.loads(e).get(key) == value]
    return example


def test_the_documented_opendatasoft_and_projects_examples_are_those_the_harvest_tests_run() -> None:
    from tests.harvesters.test_finance_opendatasoft import AGGREGATED, SCDL
    from tests.harvesters.test_finance_projects import CSV_MAPPING

    assert _example("dataset", "budget-par-fonction") == AGGREGATED
    assert _example("dataset", "compte-administratif-2022") == {**SCDL, "export": "json"}
    assert _example("format", "projects") == {"format": "projects", "mapping": CSV_MAPPING,
                                              "budget_document": "compte administratif"}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config, message", [
    ({"format": "ods", "mapping": {"annee": "exercice"}}, "«\u00a0dataset\u00a0»"),
    ({"format": "ods", "dataset": "d", "table": "aggregated", "mapping": {"annee": "a", "libelle": "l"}},
     "«\u00a0montant\u00a0»"),
    ({"format": "ods", "dataset": "d", "table": "aggregated",
      "mapping": {"annee": "a", "libelle": "l", "montant": "m", "prix": "p"}}, "«\u00a0prix\u00a0»"),
    ({"format": "ods", "dataset": "d", "export": "xlsx", "mapping": {}}, "«\u00a0export\u00a0»"),
    ({"format": "ods", "dataset": "d", "mapping": {"BGT_ANNEE": "a"}, "values": {"BGT_ANNEE": "2022"}},
     "«\u00a0BGT_ANNEE\u00a0»"),
    ({"format": "projects", "mapping": {"geo_point": "g", "latitude": "lat"}}, "geo_point"),
    ({"mapping": {"annee": "exercice"}}, "«\u00a0mapping\u00a0»"),
])
def test_an_invalid_opendatasoft_or_projects_configuration_names_what_is_wrong(config: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        ScdlBudgetHarvester().validate_config(json.dumps(config))
