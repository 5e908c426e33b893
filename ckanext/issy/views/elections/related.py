"""The other round of the same election (the first beside the second),
found with ``package_search`` in the visitor's context (what they may
see), in the same organisation: data.gouv.fr's id of the other round
(``2022_pres_t2`` for ``2022_pres_t1``) in the ``election_id`` extra."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views.elections import document
from ckanext.issy.views.elections.document import Round

MAX_DATASETS = 10


def other_round_id(election: Round) -> str:
    year, kind, number = election.parts
    return f"{year}_{kind}_t{2 if number == 1 else 1}"


def other_round(context: dict[str, Any], election: Round) -> Round | None:
    wanted = other_round_id(election)
    found = tk.get_action("package_search")(dict(context), {
        "fq": f'extras_election_id:"{wanted}"', "rows": MAX_DATASETS, "include_private": True})["results"]
    for package in found:
        other = document.read_round(package)
        if other and other.election == wanted and other.owner_org == election.owner_org:
            return other
    return None
