"""What the view's template and the embed page receive: the round's
results (or why there are none), the polling station the visitor chose
(or why it cannot be shown), the choice of stations, the maps of the
stations (``places.py``) and the embed address."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.elections import places

MAX_ASKED = 40  # longer than any station's number or key
STATION_PARAMETER = "bureau"  # the page's ?bureau=12: "my polling station"
EMBED = "issy_elections.embed"


def _read(resource_id: str, station: str) -> tuple[dict[str, Any] | None, str, str]:
    """The results, why there are none, why the station asked is not shown."""
    asked = {"resource_id": resource_id, **({"station": station} if station else {})}
    try:
        return tk.get_action("issy_elections")(builder.context(), asked), "", ""
    except builder.REFUSALS as error:
        if station and isinstance(error, tk.ValidationError):
            # A station the round does not have: the city's results, and why.
            results, problem, _station = _read(resource_id, "")
            return results, problem, builder.refusal(error, "")
        return None, builder.refusal(error, tk._("These results cannot be shown.")), ""


def station_label(code: str) -> str:
    number = str(int(code)) if code.isdigit() else code
    return tk._("Polling station {number}").format(number=number)


def _named_stations(results: dict[str, Any]) -> None:
    """Each station's label ("Bureau 12", with its name and address when its
    places give them) and the value that asks for it (12)."""
    described = places.named(builder.context(), results["election"])
    for station in (*results["stations"], *([results["station"]] if results["station"] else [])):
        station["label"] = station_label(station["code"])
        if station["key"] in described:
            station["label"] += " — " + described[station["key"]]
        station["value"] = str(int(station["code"])) if station["code"].isdigit() else station["key"]
        station["number"] = station["value"] if station["code"].isdigit() else station["code"]


def _choices(results: dict[str, Any]) -> list[dict[str, Any]]:
    chosen = (results.get("station") or {}).get("key")
    return [{"value": s["value"], "label": s["label"], "selected": s["key"] == chosen} for s in results["stations"]]


def _named(results: dict[str, Any]) -> dict[str, str]:
    """Panneau -> the candidate's or list's short name, for the stations' leaders."""
    return {candidate["panneau"]: candidate["short_name"] for candidate in results["candidates"]}


def variables(resource: dict[str, Any], station: str) -> dict[str, Any]:
    results, problem, station_problem = _read(resource["id"], station.strip()[:MAX_ASKED])
    if results:
        _named_stations(results)
    return {
        "results": results,
        "problem": problem,
        "station_problem": station_problem,
        "station_choices": _choices(results) if results else [],
        "names": _named(results) if results else {},
        "maps": places.maps(results) if results else [],
        "embed_url": tk.url_for(EMBED, resource_id=resource["id"], _external=True),
    }
