"""Publishing one harvested item as a dataset: its typed tables (each a CSV
upload with its DataStore table) and links to its original files.

Every feed family publishes the same way, so that the dataset page, the
DataStore and data.gouv.fr see the same shape whatever the source: the
resources are told apart by their ``issy_role``. Each table is loaded into
the DataStore before the dataset's metadata change, atomically
(``datastore.load``): a failure leaves the previous rows.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestObject
from werkzeug.datastructures import FileStorage

from ckanext.issy.dcat import commune
from ckanext.issy.harvesters.core import datastore
from ckanext.issy.harvesters.core.base import IssyHarvesterBase, create_dataset
from ckanext.issy.harvesters.core.datastore import Column, Value


@dataclass(frozen=True)
class Table:
    """A typed table: a CSV resource and its DataStore table."""

    role: str  # issy_role of its resource: "data", "turnout"...
    name: str  # the resource's name (translated by the caller)
    file_name: str  # of the CSV upload
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]


@dataclass(frozen=True)
class Link:
    """A resource that links to a file elsewhere (the original file)."""

    role: str
    name: str
    url: str
    format: str = "CSV"


@dataclass(frozen=True)
class File:
    """A resource uploaded as it is given (a GeoJSON map layer, for instance)."""

    role: str
    name: str
    file_name: str
    format: str
    media_type: str
    content: bytes

    def upload(self) -> FileStorage:
        return FileStorage(stream=io.BytesIO(self.content), filename=self.file_name, content_type=self.media_type)


def coverage_extras(start: str, end: str, frequency: str, config: dict[str, Any]) -> dict[str, str]:
    """The extras data.gouv.fr reads of a harvested dataset: its period, its
    update frequency (an EU frequency URI) and the commune of the source's
    ``commune``/``insee`` (with its boundary, found by the map search)."""
    return {
        "temporal_start": start,
        "temporal_end": end,
        "frequency": frequency,
        "spatial_text": f"{config['commune']} (INSEE {config['insee']})",
        "spatial": commune.boundary_json(),
        "insee_code": config["insee"],
    }


def _cell(value: Value | bool) -> Value:
    if isinstance(value, bool):  # before int: a bool is one
        return "true" if value else "false"
    return value


def table_csv(columns: Sequence[Column], rows: Sequence[Sequence[Value]]) -> bytes:
    """UTF-8, comma-separated, decimal point, the table's column order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.id for column in columns])
    writer.writerows([list(map(_cell, row)) for row in rows])
    return buffer.getvalue().encode("utf-8")


def _upload(table: Table) -> FileStorage:
    return FileStorage(stream=io.BytesIO(table_csv(table.columns, table.rows)),
                       filename=table.file_name, content_type="text/csv")


def _resource(package: dict[str, Any], role: str) -> dict[str, Any] | None:
    return next((r for r in package["resources"] if r.get("issy_role") == role), None)


def ensure_group(name: str, title: str, context: dict[str, Any]) -> None:
    """The group of a family's datasets, created (with its French title) if missing."""
    try:
        tk.get_action("group_show")(dict(context), {"id": name, "include_datasets": False})
    except tk.ObjectNotFound:
        tk.get_action("group_create")(dict(context), {"name": name, "title": title})


def add_table_views(resource_id: str, context: dict[str, Any]) -> None:
    """The site's default views of a new resource whose DataStore table now
    exists (``ckan.views.default_views``: a table view, for instance): CKAN
    creates them when a resource is created, before its table is."""
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    tk.get_action("resource_create_default_resource_views")(dict(context), {
        "resource": resource, "create_datastore_views": True})


def _add_table(package_id: str, table: Table, context: dict[str, Any]) -> None:
    resource = tk.get_action("resource_create")(dict(context), {
        "package_id": package_id, "name": table.name, "format": "CSV", "issy_role": table.role,
        "url": table.file_name, "upload": _upload(table)})
    datastore.load(resource["id"], table.columns, table.rows, dict(context))
    add_table_views(resource["id"], context)


def _add_link(package_id: str, link: Link, context: dict[str, Any]) -> None:
    tk.get_action("resource_create")(dict(context), {
        "package_id": package_id, "name": link.name, "format": link.format, "issy_role": link.role,
        "url": link.url})


def _add_file(package_id: str, file: File, context: dict[str, Any]) -> None:
    tk.get_action("resource_create")(dict(context), {
        "package_id": package_id, "name": file.name, "format": file.format, "issy_role": file.role,
        "url": file.file_name, "upload": file.upload()})


def publish(obj: HarvestObject, wanted: dict[str, Any], tables: Sequence[Table], links: Sequence[Link],
            context: dict[str, Any], files: Sequence[File] = (), keep: Sequence[str] = ()) -> str:
    """Create or update the dataset of ``obj`` (``wanted``: its metadata) with
    ``tables``, ``links`` and ``files``; returns its id. A resource of a role
    that is no longer given is deleted, except those of ``keep`` (a file that
    could not be read this time: the last good one stays)."""
    action = tk.get_action
    existing = action("package_show")(dict(context), {"id": obj.package_id}) if obj.package_id else None
    if existing is None or existing["state"] != "active":
        # A failure from here on purges the new dataset (IssyHarvesterBase.import_stage).
        package = create_dataset(obj, {**wanted, "name": IssyHarvesterBase._gen_new_name(wanted["title"])}, context)
        for table in tables:
            _add_table(package["id"], table, context)
        for link in links:
            _add_link(package["id"], link, context)
        for file in files:
            _add_file(package["id"], file, context)
        return package["id"]
    for table in tables:
        resource = _resource(existing, table.role)
        if resource is None:
            _add_table(existing["id"], table, context)
        else:
            datastore.load(resource["id"], table.columns, table.rows, dict(context))
            action("resource_update")(dict(context), {**resource, "url": table.file_name, "upload": _upload(table)})
    for link in links:
        resource = _resource(existing, link.role)
        if resource is None:
            _add_link(existing["id"], link, context)
        elif resource["url"] != link.url:
            action("resource_patch")(dict(context), {"id": resource["id"], "url": link.url})
    for file in files:
        resource = _resource(existing, file.role)
        if resource is None:
            _add_file(existing["id"], file, context)
        else:
            action("resource_update")(dict(context), {**resource, "url": file.file_name, "upload": file.upload()})
    roles = {*(item.role for item in (*tables, *links, *files)), *keep}
    for resource in existing["resources"]:
        if resource.get("issy_role") and resource["issy_role"] not in roles:
            action("resource_delete")(dict(context), {"id": resource["id"]})
    action("package_patch")(dict(context), {"id": existing["id"], **wanted})
    return existing["id"]
