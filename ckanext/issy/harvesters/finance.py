"""Finance harvester. Source kind ``issy_finance``, read according to its
``format``:

- ``scdl`` (the default): SCDL budget CSV files; an XML file among the
  source's files is read as TOTEM all the same;
- ``totem``: TOTEM XML ``DocumentBudgetaire`` files;
- ``ods``: an Opendatasoft dataset, through a field mapping, onto the SCDL
  columns or onto a simpler aggregated table (``finance_formats/ods.py``);
- ``projects``: the located capital expenditure projects, one dataset per
  year (``finance_formats/projects.py``).

A budget file lists the lines of one or more budget documents (budget
primitif 2024, compte administratif 2023...), read into SCDL lines by
``finance_formats/``. Each document becomes one dataset: the normalised CSV
in SCDL column order with its typed DataStore table, and its origin linked
(a TOTEM file excepted). A document given by two files of a source (as SCDL
and as TOTEM) has one guid: it is published once and the second is
reported. The projects of a year are linked with the budget document of
that year that the configuration names (``budget_document``).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestObject

from babel.numbers import format_currency

from ckanext.issy.harvesters.core import http, ods as ods_api, publish
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, Item
from ckanext.issy.harvesters.core.bulk import collector_paused
from ckanext.issy.harvesters.core.licences import UNKNOWN
from ckanext.issy.harvesters.finance_formats import checks, ods, projects, totem
from ckanext.issy.harvesters.finance_formats.checks import DocumentProblems, typed_rows
from ckanext.issy.harvesters.finance_formats.scdl import SCDL_COLUMNS, read_documents, slug
from ckanext.issy.language import _

FORMATS = ("scdl", "totem", "ods", "projects")
ANNUAL = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
DEFAULTS: dict[str, Any] = {
    "format": "scdl",
    # The chart of accounts of CSV files (M14, M57...), or of each year {"2023": "M14", "2024": "M57"}
    # for a city that changed; TOTEM documents say it themselves.
    "nomenclature": "",
    "dataset": "",  # ods: the dataset's id on the portal of the source's URL
    "export": "csv",  # ods: the export read, csv or json
    "table": "scdl",  # ods: the table the fields are mapped onto, scdl or aggregated
    "mapping": {},  # ods and projects: the field of each column
    "values": {},  # ods: the value of columns the dataset lacks
    "budget_document": "compte administratif",  # projects: the budget document they are linked with
    "budget_siret": "",  # projects: the SIRET of that budget, when a source has several
    "group": "finances",
    "tags": ["budget", "finances", "SCDL"],
    "license_id": "lov2",
    "frequency": ANNUAL,
    "commune": "Issy-les-Moulineaux",
    "insee": "92040",
    "title_suffix": "",
    "notes": "",
}
STRINGS = ("format", "dataset", "export", "table", "budget_document", "budget_siret", "group",
           "license_id", "frequency", "commune", "insee", "title_suffix", "notes")
AGGREGATED_CHECKS = checks.checks(ods.AGGREGATED_COLUMNS, ods.AGGREGATED_ESSENTIAL)
PROJECT_CHECKS = checks.checks(projects.PROJECT_COLUMNS, projects.ESSENTIAL)


def _nomenclature_problems(config: dict[str, Any]) -> list[str]:
    """``nomenclature`` is a string or an object of years and strings; one
    that is not is reset to none, for the checks that follow."""
    value = config["nomenclature"]
    if isinstance(value, str):
        return []
    problems = []
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(_('"nomenclature" must be a string, or an object giving the nomenclature of each year, '
                          'e.g. {example}').format(example='{"2023": "M14", "2024": "M57"}'))
    else:
        problems += [_('"nomenclature": "{key}" is not a year').format(key=key)
                     for key in value if not re.fullmatch(r"\d{4}", key)]
    if problems:
        config["nomenclature"] = DEFAULTS["nomenclature"]
    return problems


def nomenclature(config: dict[str, Any], years: tuple[str, str]) -> str:
    """The nomenclature the configuration gives for the years ``years``
    (first, last): the source's, or that of each year; several (a dataset
    over years of both plans) are listed in the years' order."""
    value = config["nomenclature"]
    if isinstance(value, str):
        return value
    first, last = int(years[0]), int(years[1])
    found = [value[year] for year in sorted(value) if first <= int(year) <= last and value[year]]
    return ", ".join(dict.fromkeys(found))


def _format_problems(config: dict[str, Any]) -> list[str]:
    kind = config["format"]
    if kind not in FORMATS:
        return [_('"format" must be one of {formats}').format(formats=", ".join(FORMATS))]
    if kind == "ods":
        problems = [] if config["dataset"] else [
            _('"dataset": the id of the Opendatasoft dataset is needed with "ods"')]
        if config["export"] not in ods.EXPORTS:
            problems.append(_('"export" must be one of {exports}').format(exports=", ".join(ods.EXPORTS)))
        return problems + ods.mapping_problems(config["table"], config["mapping"], config["values"])
    if kind == "projects":
        return projects.mapping_problems(config["mapping"])
    return [_('"{key}" is only read with the formats {formats}').format(key=key, formats="ods, projects")
            for key in ("mapping", "values") if config[key]]


# --- gather: a file into documents ---------------------------------------
def _guid(document: dict[str, Any], config: dict[str, Any]) -> str:
    if document.get("format") == "projects":
        return f"projets-{document['rows'][0][1]}-{config['insee']}"
    if document.get("table") == "aggregated":
        return f"ods-{document['origin']['id']}"
    stage, year, siret = document["rows"][0][1:4]
    return f"{slug(stage)}-{year}-{siret}"


def document_items(documents: list[dict[str, Any]], config: dict[str, Any]) -> list[Item]:
    items = []
    for document in documents:
        content = json.dumps(document, ensure_ascii=False)
        items.append(Item(_guid(document, config), content, hashlib.sha256(content.encode()).hexdigest()))
    return items


def _read_ods(downloads: Sequence[http.Download], config: dict[str, Any]) -> list[dict[str, Any]]:
    metadata, export = downloads
    portal = metadata.url.split(ods_api.API_PATH)[0]  # file_urls made it from the source's URL
    client = ods_api.Client(portal, http.HttpSettings.from_config())
    dataset = client.read_dataset(metadata)
    return ods.read_documents(dataset, client.page_url(dataset.id), export, config)


# --- the datasets ----------------------------------------------------------
# Dataset content is stored in French, the site's language of record.
def _title(stage: str, year: str, config: dict[str, Any], annex: str = "") -> str:
    budget = f" – {annex}" if annex else ""  # an annex budget of a TOTEM file, named apart from the main one
    return f"{stage[:1].upper()}{stage[1:]} {year}{budget}{config['title_suffix']}"


def _origin(document: dict[str, Any]) -> str:
    if document.get("format") == "totem":
        return (f"Données issues du document budgétaire TOTEM « {document['file']} » transmis à la préfecture ; "
                "il n'est pas republié, ses annexes pouvant nommer des personnes.")
    if document.get("format") == "ods":
        origin = document["origin"]
        licence = f" (licence : {origin['license_text']})" if origin["license_text"] else ""
        return f"Données issues du jeu de données « {origin['title']} » de {origin['url']}{licence}."
    return f"Fichier d'origine : {document['file']}."


def _licence(document: dict[str, Any], config: dict[str, Any]) -> str:
    """The licence the origin states (an Opendatasoft dataset's), else the source's."""
    stated = document.get("origin", {}).get("license_id")
    return stated if stated and stated != UNKNOWN else config["license_id"]


def _links(document: dict[str, Any]) -> list[publish.Link]:
    # A TOTEM document is neither copied nor linked: its annexes may name people.
    if document.get("format") == "totem":
        return []
    if document.get("format") == "ods":
        origin = document["origin"]
        return [publish.Link("source", _("Original dataset: {title}").format(title=origin["title"]),
                             origin["url"], "HTML")]
    kind = "GeoJSON" if document["file"].lower().endswith(("json", "geojson")) else "CSV"  # projects may be GeoJSON
    return [publish.Link("source", _("Original file: {name}").format(name=document["file"]), document["source_url"],
                         kind)]


def _dataset(document: dict[str, Any], config: dict[str, Any], owner_org: str, title: str, summary: str,
             years: tuple[str, str], tags: Sequence[str], extras: dict[str, str]) -> dict[str, Any]:
    plan = document.get("nomenclature") or nomenclature(config, years)
    notes = summary + "\n\n" + (f"Nomenclature comptable : {plan}.\n\n" if plan else "")
    notes += _origin(document) + (f"\n\n{config['notes']}" if config["notes"] else "")
    extras = {
        **publish.coverage_extras(f"{years[0]}-01-01", f"{years[1]}-12-31", config["frequency"], config),
        **extras,
        **({"budget_nomenclature": plan} if plan else {}),
    }
    return {
        "title": title + config["title_suffix"],
        "owner_org": owner_org,
        "notes": notes,
        "license_id": _licence(document, config),
        "tags": [{"name": tag} for tag in dict.fromkeys((*config["tags"], *tags))],
        "groups": [{"name": config["group"]}],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
    }


def package_dict(document: dict[str, Any], rows: Sequence[Sequence[str]], config: dict[str, Any],
                 owner_org: str) -> dict[str, Any]:
    """The dataset of a budget document."""
    stage, year, siret, name = document["rows"][0][1:5]
    summary = (f"{_title(stage, year, {'title_suffix': ''})} de {name} (SIRET {siret}) au format SCDL "
               f"« budget » : {len(rows)} lignes budgétaires, montants en euros.")
    title = _title(stage, year, {"title_suffix": ""}, document.get("annex", ""))
    return _dataset(document, config, owner_org, title, summary, (year, year), (stage.lower(), year),
                    {"scdl_siret": siret, "scdl_document": stage})


def _euros(amount: float) -> str:
    return format_currency(amount, "EUR", locale="fr_FR")


def publish_document(obj: HarvestObject, document: dict[str, Any],
                     rows: Sequence[Sequence[str]], config: dict[str, Any], owner_org: str,
                     context: dict[str, Any]) -> str:
    """Create or update the dataset of the budget document of ``obj``."""
    wanted = package_dict(document, rows, config, owner_org)
    table = publish.Table("data", _("Data (normalised CSV, SCDL)"), f"{slug(wanted['title'])}.csv", SCDL_COLUMNS, rows)
    return publish.publish(obj, wanted, [table], _links(document), context)


def publish_aggregated(obj: HarvestObject, document: dict[str, Any], rows: Sequence[Sequence[str]],
                       config: dict[str, Any], owner_org: str, context: dict[str, Any]) -> str:
    """Create or update the dataset of an aggregated Opendatasoft dataset."""
    years = sorted({row[0] for row in rows})
    title = document["origin"]["title"]
    period = years[0] if len(years) == 1 else f"{years[0]} à {years[-1]}"
    summary = f"{title} : {len(rows)} montants agrégés en euros, exercices {period}."
    wanted = _dataset(document, config, owner_org, title, summary, (years[0], years[-1]), (), {})
    table = publish.Table("data", _("Data (CSV)"), f"{slug(wanted['title'])}.csv", ods.AGGREGATED_COLUMNS, rows)
    return publish.publish(obj, wanted, [table], _links(document), context)


def publish_projects(obj: HarvestObject, document: dict[str, Any], rows: Sequence[Sequence[str]],
                     config: dict[str, Any], owner_org: str, context: dict[str, Any]) -> str:
    """Create or update the dataset of the capital expenditure projects of a year."""
    year = rows[0][0]
    total = sum(float(row[2]) for row in rows)
    summary = (f"Principaux projets d'investissement de {config['commune']} en {year} : {len(rows)} projets "
               f"localisés, {_euros(total)} au total. Ils figurent au {config['budget_document']} {year}.")
    links = {"issy_budget_document": config["budget_document"],
             **({"issy_budget_siret": config["budget_siret"]} if config["budget_siret"] else {})}
    wanted = _dataset(document, config, owner_org, f"Projets d'investissement {year}", summary, (year, year),
                      ("investissement", year), links)
    name = slug(wanted["title"])
    table = publish.Table("data", _("Projects (CSV)"), f"{name}.csv", projects.PROJECT_COLUMNS, rows)
    layer = publish.File("map", _("Map of the projects (GeoJSON)"), f"{name}.geojson", "GeoJSON",
                         "application/geo+json", projects.feature_collection(rows))
    return publish.publish(obj, wanted, [table], _links(document), context, [layer])


KINDS = {  # a document's format -> how it is typed, and published
    "budget": (typed_rows, publish_document),
    "aggregated": (lambda document: (checks.typed(document, AGGREGATED_CHECKS), []), publish_aggregated),
    "projects": (lambda document: (checks.typed(document, PROJECT_CHECKS), []), publish_projects),
}


def _kind(document: dict[str, Any]) -> str:
    if document.get("format") == "projects":
        return "projects"
    return "aggregated" if document.get("table") == "aggregated" else "budget"


class ScdlBudgetHarvester(IssyHarvesterBase):
    """Source type ``issy_finance``: budget documents, Opendatasoft finance
    datasets and capital expenditure projects."""

    def info(self) -> dict[str, str]:
        return {
            "name": "issy_finance",
            "title": _("Budgets and capital expenditure (SCDL, TOTEM, Opendatasoft)"),
            "description": _("Budget documents of a local authority in the SCDL budget format "
                             "(schema.data.gouv.fr) or as TOTEM budget documents, one dataset per document; "
                             "finance datasets of an Opendatasoft portal; located capital expenditure projects"),
        }

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        merged, problems = self.with_defaults(config, DEFAULTS)
        problems += self.usual_problems(merged, DEFAULTS, STRINGS) + _nomenclature_problems(merged)
        return merged, problems + _format_problems(merged)

    def file_urls(self, url: str, config: dict[str, Any]) -> list[str]:
        if config["format"] != "ods":
            return [url]
        # The source's URL is the portal's: the dataset's metadata (its
        # licence, its title) and its export are read together.
        client = ods_api.Client(url, http.HttpSettings.from_config())
        return [client.dataset_url(config["dataset"]), client.export_url(config["dataset"], export=config["export"])]

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        if config["format"] == "ods":
            return document_items(_read_ods(downloads, config), config)
        # Budget files are small (the shared 50 MiB limit): read whole, by the fast path.
        (download,) = downloads
        assert download.path is not None, "a changed file is read from its body"
        if config["format"] == "projects":
            return document_items(projects.read_documents(download, config), config)
        # A source may give TOTEM documents beside SCDL files: XML is TOTEM.
        if config["format"] == "totem" or totem.is_xml(download.path):
            return document_items(totem.read_documents(download.path, download.url), config)
        return document_items(read_documents(download.read_bytes(), download.url, config.get("encoding"),
                                             download.charset), config)

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        with collector_paused():
            document = json.loads(obj.content)
        typed, publisher = KINDS[_kind(document)]
        try:
            rows, warnings = typed(document)
        except DocumentProblems as error:
            self.report_problems(obj, error.problems, _("The document is not published: "))
            return None
        self.report_problems(obj, warnings, _("Warning: "))
        owner_org = tk.get_action("package_show")(dict(context), {"id": obj.source.id})["owner_org"]
        publish.ensure_group(config["group"], config["group"].capitalize(), context)
        return publisher(obj, document, rows, config, owner_org, context)
