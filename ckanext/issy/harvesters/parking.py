"""Real-time parking harvester. Source type ``issy_parking``: one feed of
garage or on-street availability (``parking_feeds/feed.py`` for its
formats), published as one dataset "Disponibilité du stationnement en temps
réel" with three resources:

- ``current``: the current-state table (DataStore only), one row per site;
- ``history``: samples per garage and per sector, then hourly roll-ups;
- ``sites``: the sites as GeoJSON.

The harvest job publishes the dataset and its set of sites: its item is the
set of sites, so a job whose feed describes the same sites changes nothing.
The minute-by-minute work is not a harvest job: ``ckan issy parking poll``
(``parking_poll.py``) writes the tables through the DataStore's engine, so
that a poll makes no revision, activity or search reindex, and asks for a
harvest job when the feed describes sites the dataset does not list.
"""
from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import ckan.plugins.toolkit as tk
from babel.numbers import format_decimal
from ckanext.harvest.model import HarvestObject
from werkzeug.datastructures import FileStorage

from ckanext.issy.harvesters import parking_tables as tables
from ckanext.issy.harvesters.core import datastore, datastore_rows, http, publish, reading
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, Item, create_dataset, url_problems
from ckanext.issy.harvesters.parking_feeds import feed, model
from ckanext.issy.language import _

GUID = "stationnement-temps-reel"
CONTINUOUS = "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT"
MAX_BYTES = "ckanext.issy.parking.max_bytes"
CURRENT, HISTORY, SITES = "current", "history", "sites"
SITES_HASH = "issy_sites_hash"  # on the sites resource: the set of sites it holds
DEFAULTS: dict[str, Any] = {
    "format": "",
    "dataset": "",  # ods: the dataset's id on the portal of the source's URL
    "table_url": "",  # datex: the ParkingTablePublication
    "mapping": {},  # ods, json, csv: parking_feeds/mapped.py
    "feeds": [],  # more feeds of the same dataset: {"url", "format", ...}
    "title": "Disponibilité du stationnement en temps réel",
    "notes": "",
    "group": "mobilite",
    "group_title": "Mobilité",
    "tags": ["stationnement", "temps réel"],
    "license_id": "lov2",
    "commune": "Issy-les-Moulineaux",
    "insee": "92040",
}
STRINGS = ("format", "dataset", "table_url", "title", "notes", "group", "group_title", "license_id", "commune",
           "insee")


def settings() -> http.HttpSettings:
    return http.HttpSettings.from_config(MAX_BYTES)


def _count(number: int, singular: str, plural: str) -> str:
    """``number`` written the French way (1 910) with its noun agreed."""
    return f"{format_decimal(number, locale='fr_FR')} {singular if number < 2 else plural}"


def _summary(sites: list[dict[str, Any]]) -> str:
    garages = [site for site in sites if site["kind"] == model.GARAGE]
    spaces = [site for site in sites if site["kind"] == model.SPACE]
    sectors = {site["sector"] or tables.NO_SECTOR for site in spaces}
    parts = []
    if garages:
        capacity = sum(site["capacity"] or 0 for site in garages)
        parts.append(f"{_count(len(garages), 'parking', 'parkings')} ({_count(capacity, 'place', 'places')})")
    if spaces:
        parts.append(f"{_count(len(spaces), 'place sur voirie équipée', 'places sur voirie équipées')} "
                     f"d'un capteur, en {_count(len(sectors), 'secteur', 'secteurs')}")
    return " et ".join(parts) or "aucun site pour l'instant"


def package_dict(sites: list[dict[str, Any]], config: dict[str, Any], owner_org: str) -> dict[str, Any]:
    """The dataset's metadata (in French, the site's language of record):
    they change only with the set of sites."""
    notes = (
        f"Disponibilité en temps réel du stationnement à {config['commune']} : {_summary(sites)}. "
        "Mise à jour chaque minute.\n\n"
        "La ressource « État actuel » donne une ligne par parking et par place : places libres, taux "
        "d'occupation, état (ouvert, complet, fermé), heure du flux et colonne « stale », vraie quand la "
        "donnée est ancienne (flux interrompu ou site absent du flux). « Historique » garde un échantillon "
        "par parking et par secteur toutes les quelques minutes, puis une moyenne par heure. "
        "« Emplacements » décrit les sites en GeoJSON."
    )
    if config["notes"]:
        notes += "\n\n" + config["notes"]
    # No temporal coverage: it is the present, continuously replaced.
    extras = {key: value for key, value in publish.coverage_extras("", "", CONTINUOUS, config).items() if value}
    return {
        "title": config["title"],
        "owner_org": owner_org,
        "notes": notes,
        "license_id": config["license_id"],
        "tags": [{"name": tag} for tag in config["tags"]],
        "groups": [{"name": config["group"]}],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
    }


def _sites_upload(sites: list[dict[str, Any]]) -> FileStorage:
    return FileStorage(stream=io.BytesIO(tables.geojson(sites)), filename="emplacements.geojson",
                       content_type="application/geo+json")


def _resources(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["issy_role"]: r for r in package["resources"] if r.get("issy_role")}


# Datastore-only resources: their download is the DataStore's dump.
# The history is read by time and site (a day's curve), pruned by time.
_TABLES = ((CURRENT, "État actuel", tables.CURRENT, tables.KEY, ()),
           (HISTORY, "Historique", tables.HISTORY, (), ("time", "id")))


def _add_missing(package_id: str, existing: dict[str, dict[str, Any]], sites: list[dict[str, Any]],
                 context: dict[str, Any]) -> None:
    create = tk.get_action("resource_create")
    for role, name, columns, key, indexes in _TABLES:
        if role in existing:
            datastore.ensure_table(existing[role]["id"], columns, context, primary_key=key, indexes=indexes)
            continue
        resource = create(dict(context), {"package_id": package_id, "name": name, "issy_role": role,
                                          "format": "CSV", "url": "_datastore_only_resource", "url_type": "datastore"})
        datastore.ensure_table(resource["id"], columns, context, primary_key=key, indexes=indexes)
        publish.add_table_views(resource["id"], context)
    if SITES not in existing:
        create(dict(context), {"package_id": package_id, "name": "Emplacements (GeoJSON)", "issy_role": SITES,
                               "format": "GeoJSON", "url": "emplacements.geojson", "upload": _sites_upload(sites),
                               SITES_HASH: tables.sites_hash(sites)})


def _update_sites(resource: dict[str, Any], sites: list[dict[str, Any]], context: dict[str, Any]) -> None:
    digest = tables.sites_hash(sites)
    if resource.get(SITES_HASH) != digest:
        tk.get_action("resource_update")(dict(context), {
            **resource, "url": "emplacements.geojson", "upload": _sites_upload(sites), SITES_HASH: digest})


def publish_sites(obj: HarvestObject, sites: list[dict[str, Any]], config: dict[str, Any],
                  context: dict[str, Any]) -> str:
    """Create or update the dataset of the source's sites; returns its id.
    Sites the feed no longer describes leave the current-state table."""
    action = tk.get_action
    owner_org = action("package_show")(dict(context), {"id": obj.source.id})["owner_org"]
    publish.ensure_group(config["group"], config["group_title"], context)
    existing = action("package_show")(dict(context), {"id": obj.package_id}) if obj.package_id else None
    if existing is None or existing["state"] != "active":
        wanted = package_dict(sites, config, owner_org)
        # A failure from here on purges the new dataset (IssyHarvesterBase.import_stage).
        package = create_dataset(obj, {**wanted, "name": IssyHarvesterBase._gen_new_name(wanted["title"])}, context)
        _add_missing(package["id"], {}, sites, context)
        return package["id"]
    resources = _resources(existing)
    _add_missing(existing["id"], resources, sites, context)
    if SITES in resources:
        _update_sites(resources[SITES], sites, context)
    current = _resources(action("package_show")(dict(context), {"id": existing["id"]}))[CURRENT]
    datastore_rows.delete_except(current["id"], "id", [site["id"] for site in sites])
    action("package_patch")(dict(context), {"id": existing["id"], **package_dict(sites, config, owner_org)})
    return existing["id"]


class ParkingHarvester(IssyHarvesterBase):
    """Source type ``issy_parking``: real-time parking availability."""

    max_bytes_option = MAX_BYTES

    def info(self) -> dict[str, str]:
        return {
            "name": "issy_parking",
            "title": _("Real-time parking availability"),
            "description": _("Free spaces in garages and on-street spaces with sensors, from an Opendatasoft "
                             "dataset, a DATEX II feed or a JSON or CSV feed; polled every minute by "
                             "`ckan issy parking poll`"),
        }

    def parse_config(self, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        merged, problems = self.with_defaults(config, DEFAULTS)
        problems += self.usual_problems(merged, DEFAULTS, STRINGS)
        if not merged["title"].strip():
            problems.append(_('"title" must not be empty'))
        problems += feed.config_problems(merged)
        if not problems:
            problems += url_problems([url for f in (merged, *merged["feeds"])
                                      for url in (f.get("url"), f.get("table_url")) if url])
        return merged, problems

    def file_urls(self, url: str, config: dict[str, Any]) -> list[str]:
        return feed.file_urls(url, config, settings())

    def read_items(self, downloads: Sequence[http.Download], config: dict[str, Any]) -> list[Item]:
        now = datetime.now(timezone.utc)
        rows, _problems = tables.merged({}, feed.read_poll(downloads, config, now), now, tables.Staleness(False))
        sites = tables.site_list(rows.values())
        if not sites:  # never taken as "every site is gone"
            raise reading.ReadError(_("{url}: the feed describes no parking site").format(url=downloads[-1].url))
        return [Item(GUID, json.dumps(sites, ensure_ascii=False), tables.sites_hash(sites))]

    def import_item(self, obj: HarvestObject, config: dict[str, Any], context: dict[str, Any]) -> str | None:
        return publish_sites(obj, json.loads(obj.content), config, context)
