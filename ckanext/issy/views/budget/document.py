"""What makes a resource a budget document the financial report can read,
and what it holds: a harvested SCDL table (``issy_role`` "data" of a
dataset with the finance harvester's ``scdl_document`` extra), its stage
and year, and the one amount column that suits its stage.

A budget primitif (or a supplementary budget, a decision modificative)
holds forecasts, ``BGT_MTPREV``; a compte administratif or a compte
financier unique holds what was actually spent and received,
``BGT_MTREAL``. A report shows one of them, never a mix."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import ckan.plugins.toolkit as tk

ACTUAL_STAGES = ("compte administratif", "compte financier unique")
FORECAST, ACTUAL = "forecast", "actual"
AMOUNT_COLUMNS = {FORECAST: "BGT_MTPREV", ACTUAL: "BGT_MTREAL"}
FUNCTION = "BGT_FONCTION"
# The columns every report reads (the 13-column subset has them all).
NEEDED = ("BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD", "BGT_CONTNAT", "BGT_CONTNAT_LABEL", "BGT_NATURE",
          "BGT_NATURE_LABEL")


@dataclass(frozen=True)
class Document:
    resource_id: str
    package_id: str
    owner_org: str
    title: str
    stage: str
    year: int | None
    siret: str
    nomenclature: str

    @property
    def kind(self) -> str:
        return ACTUAL if self.stage.strip().lower() in ACTUAL_STAGES else FORECAST

    @property
    def amount_column(self) -> str:
        return AMOUNT_COLUMNS[self.kind]

    @property
    def family(self) -> str:
        """The plan of accounts without its variant: "M57" for "M57-M57_A"; "" unknown."""
        found = re.match(r"\s*(M\s?\d+)", self.nomenclature, re.IGNORECASE)
        return found.group(1).replace(" ", "").upper() if found else ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind, "amount_column": self.amount_column}


def extras(package: Mapping[str, Any]) -> dict[str, str]:
    return {extra["key"]: extra["value"] for extra in package.get("extras") or []}


def is_budget(resource: Mapping[str, Any], package: Mapping[str, Any]) -> bool:
    return (tk.asbool(resource.get("datastore_active")) and resource.get("issy_role") == "data"
            and bool(extras(package).get("scdl_document")))


def _year(package_extras: Mapping[str, str]) -> int | None:
    found = re.match(r"(\d{4})", package_extras.get("temporal_start", ""))
    return int(found.group(1)) if found else None


def read(resource: Mapping[str, Any], package: Mapping[str, Any]) -> Document:
    found = extras(package)
    return Document(resource["id"], package["id"], package.get("owner_org") or "", package.get("title") or "",
                    found.get("scdl_document", ""), _year(found), found.get("scdl_siret", ""),
                    found.get("budget_nomenclature", ""))


def data_resource(package: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dataset's table of budget lines, when it has one."""
    return next((r for r in package.get("resources") or []
                 if r.get("issy_role") == "data" and tk.asbool(r.get("datastore_active"))), None)
