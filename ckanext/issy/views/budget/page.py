"""What the view's template and the embed page receive: the report (or why
there is none), the choice of the document to compare with, the map of the
projects (drawn by the ``issy_map`` view's script), the glossary and the
embed address."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy.views import builder
from ckanext.issy.views.map import pages as map_pages

EMBED = "issy_budget.embed"
# The projects' table columns (harvesters/finance_formats/projects.py).
PROJECTS_MAP = {"lat": "latitude", "lon": "longitude", "size": "montant",
                "popup": ["libelle", "montant", "adresse"], "cluster": "false"}


def glossary() -> list[tuple[str, str]]:
    _ = tk._
    return [
        (_("Operating"), _("The day-to-day running of the city: staff, energy, maintenance, grants to "
                           "associations, and the taxes and fees that pay for them. It comes back every year.")),
        (_("Investment"), _("What lasts: building and renovating schools, roads, sports halls, buying "
                            "equipment, and repaying the capital of loans.")),
        (_("Revenue"), _("The money the city receives: local taxes, state grants, fees paid by users, loans.")),
        (_("Expenses"), _("The money the city spends.")),
        (_("Chapter"), _("A group of accounts of the same nature (staff costs, general costs, loans…): "
                         "the council votes the budget chapter by chapter.")),
        (_("Function"), _("What the money is for: schools, culture, sport, roads, social action… "
                          "The same expense has a chapter (what) and a function (why).")),
        (_("Real operations"), _("Money actually paid out or received: the totals of this report.")),
        (_("Order operations"), _("Accounting entries between the two sections, such as depreciation: "
                                  "no money moves, so they are shown apart.")),
        (_("Budget primitif"), _("The budget voted before the year begins: forecasts.")),
        (_("Compte administratif"), _("The accounts closed after the year ends: what was actually spent "
                                      "and received. The compte financier unique replaces it.")),
    ]


def _report(resource_id: str, comparer: str) -> tuple[dict[str, Any] | None, str]:
    asked = {"resource_id": resource_id, **({"compare": comparer} if comparer else {})}
    try:
        return tk.get_action("issy_budget")(builder.context(), asked), ""
    except builder.REFUSALS as error:
        if comparer and isinstance(error, tk.ValidationError):
            return _report(resource_id, "")  # a comparison that cannot be made: the default one
        return None, builder.refusal(error, tk._("This report cannot be drawn."))


def _projects_map(projects: dict[str, Any] | None, year: Any) -> builder.Figure | None:
    if not projects or not p.plugin_loaded("issy_map"):
        return None
    try:
        resource = tk.get_action("resource_show")(builder.context(), {"id": projects["resource_id"]})
        data = map_pages.describe(resource)
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    title = tk._("Main capital expenditure projects {year}").format(year=year or "")
    return map_pages.build(PROJECTS_MAP, resource, data, title=title.strip())


def _choices(report: dict[str, Any]) -> list[dict[str, Any]]:
    chosen = (report.get("comparison") or {}).get("other", {}).get("resource_id")
    return [{"resource_id": c["resource_id"], "label": c["label"], "selected": c["resource_id"] == chosen}
            for c in report["candidates"]]


def variables(resource: dict[str, Any], comparer: str) -> dict[str, Any]:
    report, problem = _report(resource["id"], comparer.strip()[:100])
    return {
        "report": report,
        "problem": problem,
        "comparison": report["comparison"] if report else None,
        "compare_choices": _choices(report) if report else [],
        "projects_map": _projects_map(report["projects"], report["document"]["year"]) if report else None,
        "glossary": glossary(),
        "embed_url": tk.url_for(EMBED, resource_id=resource["id"], _external=True),
    }
