"""The names of a budget's sections and directions in the page's language,
shared by the report (``report.py``) and the comparison (``compare.py``)."""
from __future__ import annotations

from ckanext.issy.language import _


def section_label(section: str) -> str:
    """"fonctionnement" or "investissement" as the page says it."""
    return {"fonctionnement": _("Operating"), "investissement": _("Investment")}[section]


def direction_label(direction: str, section: str | None = None) -> str:
    """Real expenses or revenue ("dépense", "recette"), of one section or of both."""
    if section is None:
        return _("Real expenses") if direction == "dépense" else _("Real revenue")
    return {("dépense", "fonctionnement"): _("Operating expenses"),
            ("dépense", "investissement"): _("Investment expenses"),
            ("recette", "fonctionnement"): _("Operating revenue"),
            ("recette", "investissement"): _("Investment revenue")}[(direction, section)]
