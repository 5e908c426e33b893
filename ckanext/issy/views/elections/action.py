"""The action ``issy_elections``: the results of the election round a
turnout or results table belongs to, with one polling station's beside
the city's when asked (``station``), and its auth function: whoever may
read the table with ``datastore_search`` (both tables are in the same
dataset, so whoever may read one may read the other)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate.action import client, issy_aggregate_auth, resource_id_of
from ckanext.issy.language import _
from ckanext.issy.views.elections import document, figures, hours, places, related, results
from ckanext.issy.views.elections.document import Round


def round_of(resource: dict[str, Any], package: dict[str, Any]) -> Round:
    """The round whose table ``resource`` is, or ObjectNotFound."""
    election = document.read_round(package) if document.is_election(resource, package) else None
    if election is None:
        raise tk.ObjectNotFound(_("This resource is not a table of a harvested election round."))
    return election


def _round(context: dict[str, Any], resource_id: str) -> Round:
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    return round_of(resource, tk.get_action("package_show")(dict(context), {"id": resource["package_id"]}))


def _figures(election: Round, context: dict[str, Any]) -> figures.Figures:
    try:
        return figures.read(election, client(context))
    except figures.NotAnElection as error:
        raise tk.ObjectNotFound(_("This election's tables lack the columns {columns}.").format(
            columns=", ".join(error.missing))) from None


def _station(asked: Any, found: figures.Figures) -> str | None:
    if asked in (None, ""):
        return None
    key = results.find_station(found, asked) if isinstance(asked, str) and len(asked) <= 40 else None
    if key is None:
        raise tk.ValidationError({"station": [_("There is no such polling station in this election: give its "
                                                "number (1, 0001) or its national key (92040_0001).")]})
    return key


@tk.side_effect_free
def issy_elections(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The results of a harvested election round (docs/api.md).

    :param resource_id: the round's turnout or results table
    :param station: a polling station's number or national key, to get its
        results beside the city's

    When the other round of the same election is harvested (and the
    visitor may see it), ``rounds`` puts both side by side; when the
    turnout over the day is, ``hours`` gives the commune's at each hour.
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_elections", context, {"resource_id": resource_id})
    return answer(context, resource_id, _round(context, resource_id), data_dict.get("station"))


def answer(context: dict[str, Any], resource_id: str, election: Round, station: Any) -> dict[str, Any]:
    """``issy_elections``'s answer on ``election``, once the visitor's access
    to its table ``resource_id`` is checked (the view's page has the round's
    dataset already: ``page.py``)."""
    found = _figures(election, context)
    other = related.other_round(context, election)
    return {"resource_id": resource_id, "election": election.as_dict(),
            **results.build(found, _station(station, found)),
            "rounds": results.rounds(election.as_dict(), found, other.as_dict(), _figures(other, context))
            if other else None,
            "hours": hours.over_the_day(election)}


@tk.side_effect_free
def issy_elections_map(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The polling stations of a harvested election round as GeoJSON
    features, each with its results (docs/api.md): ``bureau``, ``nom``,
    ``adresse``, ``en_tete`` (the leading candidate or list, or a tie),
    ``part_en_tete`` and ``participation`` (percentages).

    :param resource_id: the round's turnout or results table
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_elections", context, {"resource_id": resource_id})
    election = _round(context, resource_id)
    layer = places.layer(context, election.stations_id)
    return {"resource_id": resource_id, "type": "FeatureCollection",
            **places.joined(layer, _figures(election, context))}


def get_actions() -> dict[str, Any]:
    return {"issy_elections": issy_elections, "issy_elections_map": issy_elections_map}


def get_auth_functions() -> dict[str, Any]:
    return {"issy_elections": issy_aggregate_auth, "issy_elections_map": issy_aggregate_auth}
