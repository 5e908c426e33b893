"""What the view's template and the embed page receive: the round's
results (or why there are none), the polling station the visitor chose
(or why it cannot be shown), the choice of stations and the maps of the
stations (``places.py``), written into HTML once for every visitor who
asks for the same (``views/rendered.py``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder, rendered, shared_page
from ckanext.issy.views.elections import action, places
from ckanext.issy.views.elections import results as results_module

MAX_ASKED = 40  # longer than any station's number or key
STATION_PARAMETER = "bureau"  # the page's ?bureau=12: "my polling station"
EMBED = "issy_elections.embed"
RESULTS = "issy_elections/snippets/results.html"


def _read(resource: dict[str, Any], package: dict[str, Any], station: str
          ) -> tuple[dict[str, Any] | None, str, str]:
    """The results, why there are none, why the station asked is not shown:
    ``issy_elections``'s answer, from the page's own dataset (the action
    would read the resource and the dataset again)."""
    context = builder.context()
    try:
        tk.check_access("issy_elections", context, {"resource_id": resource["id"]})
        return action.answer(context, resource["id"], action.round_of(resource, package), station), "", ""
    except builder.REFUSALS as error:
        if station and isinstance(error, tk.ValidationError):
            # A station the round does not have: the city's results, and why.
            results, problem, _station = _read(resource, package, "")
            return results, problem, builder.refusal(error, "")
        return None, builder.refusal(error, tk._("These results cannot be shown.")), ""


def station_label(code: str) -> str:
    number = str(int(code)) if code.isdigit() else code
    return tk._("Polling station {number}").format(number=number)


def _named_stations(results: dict[str, Any], package: dict[str, Any]) -> None:
    """Each station's label ("Bureau 12", with its name and address when its
    places give them) and the value that asks for it (12)."""
    described = places.named(builder.context(), package)
    for station in (*results["stations"], *([results["station"]] if results["station"] else [])):
        station["label"] = station_label(station["code"])
        if station["key"] in described:
            station["label"] += " — " + described[station["key"]]
        station["value"] = str(int(station["code"])) if station["code"].isdigit() else station["key"]
        station["number"] = station["value"] if station["code"].isdigit() else station["code"]


def _choices(results: dict[str, Any]) -> list[dict[str, Any]]:
    chosen = (results.get("station") or {}).get("key")
    return [{"value": s["value"], "label": s["label"], "selected": s["key"] == chosen} for s in results["stations"]]


def shown(resource: dict[str, Any], package: dict[str, Any], station: str, **where: Any) -> dict[str, Any]:
    """What the view's template and the embed page receive: the results'
    HTML (``snippets/results.html``, kept by ``rendered.py``), whether there
    are results and maps (for their assets), and the round's name.

    ``where`` says where the results are shown: ``key`` (the ids' prefix),
    ``level`` (of their headings), ``embed_url`` (the embed code's, or None),
    ``form_action`` and ``form_hidden`` (the station form's)."""
    results, problem, station_problem = _read(resource, package, station.strip()[:MAX_ASKED])
    if results:
        _named_stations(results, package)
    maps = places.maps(results) if results else []
    shared_page.share()  # the same for every visitor without a session
    snippet = {"results": results, "problem": problem, "station_problem": station_problem,
               "station_choices": _choices(results) if results else [],
               "names": results_module.short_names(results) if results else {}, "maps": maps, **where}
    return {"results_html": rendered.remember("elections-html", resource["id"], RESULTS, snippet),
            "has_results": bool(results), "has_maps": bool(maps),
            "election_name": results["election"]["name"] if results else ""}


def embed_url(resource: dict[str, Any]) -> str:
    return tk.url_for(EMBED, resource_id=resource["id"], _external=True)
