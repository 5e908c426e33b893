"""An election source's configuration is checked when it is saved, with
every problem in one message; the examples of docs/harvesters.md are valid."""
from __future__ import annotations

import json
import re

import pytest

from ckanext.issy.harvesters.core.base import ConfigError
from ckanext.issy.harvesters.elections import ElectionResultsHarvester
from tests.harvesters.test_config import doc_examples

EXAMPLES = doc_examples("## Election results")


@pytest.mark.usefixtures("with_plugins")
def test_the_documentation_shows_every_format() -> None:
    formats = {json.loads(example)["format"] for example in EXAMPLES}
    assert formats == {"miom_a", "miom_b", "datagouv", "ods"}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_election_configuration_example_of_the_documentation_is_valid(example: str) -> None:
    normalised = json.loads(ElectionResultsHarvester().validate_config(example))
    assert normalised["insee"] == "92040" and normalised["group_title"] == "Élections"


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config, message", [
    ("{}", "«\u00a0format\u00a0» doit valoir l’une de ces valeurs\u00a0: miom_a, miom_b, datagouv, ods"),
    ('{"format": "miom_b"}', "«\u00a0election\u00a0»\u00a0: «\u00a0\u00a0» n’est pas un identifiant d’élection"),
    ('{"format": "miom_b", "election": "2024_europeennes"}', "«\u00a02024_europeennes\u00a0» n’est pas"),
    ('{"format": "miom_a", "election": "2023_muni_t1"}', "le jour du scrutin de 2023_muni_t1 n’est pas connu"),
    ('{"format": "miom_a", "election": "2023_muni_t1", "date": "12/03/2023"}', "«\u00a0date\u00a0» doit être une date"),
    ('{"format": "datagouv"}', "le fichier candidats_results est nécessaire"),
    ('{"format": "datagouv", "candidates_url": "file:///etc/passwd", "elections": ["x"]}',
     "Seules les URL http et https"),
    ('{"format": "ods", "election": "2020_muni_t1"}', "l’identifiant du jeu de données Opendatasoft est nécessaire"),
    ('{"format": "ods", "election": "2020_muni_t1", "dataset": "d", "mapping": {"code_bv": "bv"}}',
     "«\u00a0inscrits\u00a0»"),
    ('{"format": "miom_b", "election": "2024_euro_t1", "small_commune": "oui"}',
     "«\u00a0small_commune\u00a0» doit valoir true ou false"),
    ('{"format": "miom_b", "election": "2024_euro_t1", "insee": "92"}', "«\u00a0insee\u00a0» doit être un code"),
])
def test_an_invalid_election_configuration_is_refused_with_a_clear_message(config: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        ElectionResultsHarvester().validate_config(config)


@pytest.mark.usefixtures("with_plugins")
def test_a_date_given_for_an_election_wins_over_the_known_one() -> None:
    config = json.loads(ElectionResultsHarvester().validate_config(
        '{"format": "miom_b", "election": "2024_legi_t1", "date": "2024-06-30"}'))
    assert config["date"] == "2024-06-30"
