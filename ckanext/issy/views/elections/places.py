"""The map of the polling stations: the commune's stations file that the
election harvester publishes with each round (``issy_role`` "stations", an
uploaded GeoJSON, ``harvesters/election_formats/stations.py``), each
station's area or point with its results joined at request time (the
leading candidate or list, turnout), so that the map always shows the
figures of the tables beside it. ``issy_map``'s script draws it: its
legend names each colour in words, and its table lists every station.

- the action ``issy_elections_map`` and its endpoint
  ``GET /api/issy/elections/carte?resource_id=…``, answered as
  ``issy_geojson`` is (``features``, ``skipped``, ``bounds``, ``join``);
- ``maps``: the two maps of the view (leader, turnout), for its template;
  ``named``: the stations' names and addresses, for its station form.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy.aggregate import cache
from ckanext.issy.aggregate.action import client
from ckanext.issy.geo import geojson
from ckanext.issy.language import _
from ckanext.issy.views import builder
from ckanext.issy.views.elections import document, figures, results
from ckanext.issy.views.map import pages as map_pages
from ckanext.issy.views.map.config import MapConfig

ENDPOINT = "issy_elections.places"
LEADER, LEADER_SHARE, TURNOUT = "en_tete", "part_en_tete", "participation"
POPUP = ("bureau", "nom", LEADER, LEADER_SHARE, TURNOUT)


def _leader_name(station: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    leader = station["leader"]
    if not leader:
        return None
    if leader["tied"]:
        tied = " / ".join(names.get(panneau, panneau) for panneau in (leader["panneau"], *leader["tied"]))
        return _("Tie: {names}").format(names=tied)
    return names.get(leader["panneau"], leader["panneau"])


def _properties(feature: Mapping[str, Any], station: Mapping[str, Any] | None,
                names: Mapping[str, str]) -> dict[str, Any]:
    given = feature.get("properties") or {}
    place = {"bureau": given.get("bureau"), "nom": given.get("nom"), "adresse": given.get("adresse")}
    if station is None:  # a station of the file that this round does not have
        return {**place, LEADER: None, LEADER_SHARE: None, TURNOUT: None}
    leader = station["leader"]
    return {**place, LEADER: _leader_name(station, names), LEADER_SHARE: leader["share"] if leader else None,
            TURNOUT: station["turnout"]}


def joined(layer: Mapping[str, Any], found: figures.Figures) -> dict[str, Any]:
    """The layer's features with each station's results, and how many of
    the file's stations and of the round's matched."""
    built = results.build(found)
    names = results.short_names(built)
    by_key = {station["key"]: station for station in built["stations"]}
    features = [{**feature, "properties": _properties(feature, by_key.get(_key(feature)), names)}
                for feature in layer["features"]]
    placed = {_key(feature) for feature in layer["features"]}
    return {**layer, "features": features,
            "join": {"matched": len(placed & by_key.keys()), "unmatched_features": len(placed - by_key.keys()),
                     "unplaced_stations": len(by_key.keys() - placed)}}


def _key(feature: Mapping[str, Any]) -> str | None:
    return (feature.get("properties") or {}).get("id_brut_miom")


def _stations_file(stations_id: str) -> dict[str, Any]:
    resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": stations_id}) if stations_id else None
    if resource is None or not map_pages.is_areas(resource):
        raise tk.ObjectNotFound(_("This election has no file of its polling stations' places."))
    return resource


def layer(context: dict[str, Any], stations_id: str) -> Mapping[str, Any]:
    """The round's stations file (``Round.stations_id``), read and checked
    (cached by its identity)."""
    return geojson.collection(_stations_file(stations_id), None, client(context))


def _names(layer: Mapping[str, Any]) -> dict[str, Any]:
    described = {}
    for feature in layer["features"]:
        given = feature.get("properties") or {}
        words = ", ".join(str(given[name]) for name in ("nom", "adresse") if given.get(name))
        if words and given.get("id_brut_miom"):
            described[str(given["id_brut_miom"])] = words
    return described


def named(context: dict[str, Any], package: Mapping[str, Any]) -> dict[str, str]:
    """Each station's name and address when the places of the round
    ``package`` holds give them (``92040_0001`` -> "École Jules-Ferry, 1
    rue…"), for the station form; kept apart from the areas (cached by the
    file's version), so that a page does not read every station's geometry
    for their names."""
    resource = document.stations_file(package)
    if resource is None or not map_pages.is_areas(resource):
        return {}
    entry = cache.key("elections-names", resource["id"], resource.get("metadata_modified") or "", "names")
    try:
        return cache.remember(entry, client(context),
                              lambda: _names(geojson.collection(resource, None, client(context))))[0]
    except (tk.ObjectNotFound, tk.ValidationError):
        return {}


def fields() -> list[dict[str, str]]:
    """What the maps show of each station, in the page's language."""
    return [
        {"id": "bureau", "type": "text", "label": _("Polling station")},
        {"id": "nom", "type": "text", "label": _("Polling station's name")},
        {"id": "adresse", "type": "text", "label": _("Polling station's address")},
        {"id": LEADER, "type": "text", "label": _("Leading candidate or list")},
        {"id": LEADER_SHARE, "type": "number", "label": _("Leader's share of the votes cast (%)")},
        {"id": TURNOUT, "type": "number", "label": _("Turnout (%)")},
    ]


def _figure(results_id: str, colour: str, title: str) -> builder.Figure:
    config = MapConfig(color=colour, popup=POPUP, cluster=False)
    data = map_pages.MapData(map_pages.AREAS, fields())
    spec = map_pages.spec(config, results_id, title, data, [])
    spec.update(api=tk.url_for(ENDPOINT), params={"resource_id": results_id}, notes=[])
    return builder.Figure(config, {}, title, spec)


def maps(found: Mapping[str, Any]) -> list[builder.Figure]:
    """The view's maps of the round's results (``issy_elections``'s answer):
    the leader and turnout of each station, when its places are published."""
    if not found["election"].get("stations_id") or not p.plugin_loaded("issy_map"):
        return []
    results_id = found["election"]["results_id"]
    return [_figure(results_id, LEADER, tk._("Leading candidate or list by polling station")),
            _figure(results_id, TURNOUT, tk._("Turnout by polling station"))]
