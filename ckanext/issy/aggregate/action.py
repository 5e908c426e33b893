"""The actions ``issy_aggregate`` and ``issy_aggregate_columns`` and their
auth functions (registered by the core ``issy`` plugin).

Who may aggregate a resource is who may read it through ``datastore_search``:
the DataStore's own auth function decides, so a private dataset's tables
stay private."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from flask import has_request_context

from ckanext.issy.aggregate import cache, sql
from ckanext.issy.aggregate.request import Column, Request, parse
from ckanext.issy.language import _


def _settings() -> dict[str, int]:
    return {key: tk.config.get(f"ckanext.issy.aggregate.{key}")
            for key in ("timeout", "max_rows", "max_limit")}


def resource_id_of(data_dict: dict[str, Any]) -> str:
    resource_id = data_dict.get("resource_id")
    if not isinstance(resource_id, str) or not resource_id.strip():
        raise tk.ValidationError({"resource_id": [_("Name the resource (resource_id).")]})
    if len(resource_id) > 100 or not resource_id.isprintable():
        # No resource has such an id, and PostgreSQL refuses a NUL character outright.
        raise tk.ObjectNotFound(_("This resource does not exist."))
    return resource_id.strip()


def _no_table() -> tk.ObjectNotFound:
    return tk.ObjectNotFound(_("This resource has no table of data to aggregate."))


def _timeout() -> tk.ValidationError:
    return tk.ValidationError({"resource_id": [
        _("This request took too long to compute. Add a filter or group by fewer values.")]})


@contextmanager
def table(resource_id: str) -> Iterator[tuple[sa.engine.Connection, dict[str, Column], int | None]]:
    """The resource's table in one read-only snapshot: the connection, the
    usable columns and the table's version; ``tk.ValidationError`` when a
    statement takes longer than ``ckanext.issy.aggregate.timeout``."""
    try:
        with sql.snapshot(_settings()["timeout"]) as connection:
            columns = sql.columns(connection, resource_id)
            if columns is None:
                raise _no_table()
            yield connection, columns, sql.version(connection, resource_id)
    except sql.Timeout:
        raise _timeout() from None


def client(context: dict[str, Any]) -> str:
    """Whom the rate limit counts: the signed-in user, else the visitor's
    address (behind ``proxy_count`` trusted proxies, the address the nearest
    of them saw, in X-Forwarded-For); nobody outside a web request or for
    the extension's own calls."""
    if context.get("ignore_auth") or not has_request_context():
        return ""
    if tk.current_user.is_authenticated:
        return f"user:{tk.current_user.id}"
    proxies = tk.config.get("ckanext.issy.aggregate.proxy_count")
    forwarded = [a.strip() for a in tk.request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return f"ip:{forwarded[-proxies]}"
    return f"ip:{tk.request.remote_addr or ''}"


def column_field(column: Column) -> dict[str, Any]:
    return {"id": column.id, "type": column.kind, "label": column.label}


def _fields(request: Request) -> list[dict[str, Any]]:
    fields = [{**column_field(g.column), "role": "group", "unit": g.unit} for g in request.groups]
    for measure in request.measures:
        kind = measure.column.kind if measure.column and measure.function in ("min", "max") else "number"
        label = measure.column.label if measure.column else _("Number of rows")
        fields.append({"id": measure.id, "role": "measure", "function": measure.function,
                       "type": kind, "label": label})
    return fields


@tk.side_effect_free
def issy_aggregate(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Groups, measures and filters over a DataStore table (docs/api.md).

    :param resource_id: the resource
    :param group_by: 0 to 2 ``{"column", "unit"}`` (unit: day, month or year, for dates)
    :param measures: 1 to 5 ``{"function", "column"}`` (sum, count, mean, min, max)
    :param filters: up to 10 ``{"column", "op", "value"}`` (eq, ne, in, gt, gte, lt, lte, between)
    :param sort: ``{"by": "group"|"measure", "index", "order": "asc"|"desc"}``
    :param limit: top-N of the first group by the first measure
    :param others: whether the rest of the top-N comes back as one bucket (default true)
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_aggregate", context, {"resource_id": resource_id})
    settings = _settings()
    with table(resource_id) as (connection, columns, version):
        request = parse({**data_dict, "resource_id": resource_id}, columns, settings["max_limit"])

        def compute() -> dict[str, Any]:
            rows, others, truncated = sql.run(connection, request, settings["max_rows"])
            return {"resource_id": resource_id, "version": version, "fields": _fields(request),
                    "rows": rows, "others": others, "truncated": truncated}

        # The limit in the key: a result cut short under a lower limit is not
        # served once a sysadmin raises it, as the refusal tells them to.
        entry = cache.key("aggregate", resource_id, version, f"{request.cache_key()}|max_rows={settings['max_rows']}")
        result, cached = cache.remember(entry, client(context), compute)
    return {**result, "cached": cached}


@tk.side_effect_free
def issy_aggregate_columns(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The columns of a DataStore table that ``issy_aggregate`` can use, with
    their kind (number, date, text, bool) and the data dictionary's label.

    :param resource_id: the resource
    """
    resource_id = resource_id_of(data_dict)
    tk.check_access("issy_aggregate_columns", context, {"resource_id": resource_id})
    with sql.snapshot(_settings()["timeout"]) as connection:
        columns = sql.columns(connection, resource_id)
    if columns is None:
        raise _no_table()
    return {"resource_id": resource_id, "columns": [column_field(c) for c in columns.values()]}


@tk.auth_allow_anonymous_access
def issy_aggregate_auth(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Whoever may read the table with ``datastore_search``."""
    try:
        tk.check_access("datastore_search", context, {"resource_id": data_dict.get("resource_id")})
    except tk.NotAuthorized:
        return {"success": False, "msg": _("You are not allowed to read this resource's data.")}
    return {"success": True}


def get_actions() -> dict[str, Any]:
    return {"issy_aggregate": issy_aggregate, "issy_aggregate_columns": issy_aggregate_columns}


def get_auth_functions() -> dict[str, Any]:
    return {"issy_aggregate": issy_aggregate_auth, "issy_aggregate_columns": issy_aggregate_auth}
