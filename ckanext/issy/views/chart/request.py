"""A chart's configuration (``config.py``) as a request of the aggregation
API: the ``data_dict`` of ``issy_aggregate``, and the query parameters of
``GET /api/issy/aggregate`` that ``chart.js`` fetches (docs/api.md)."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from ckanext.issy.views.chart.config import ChartConfig, Filter

_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _filter_value(item: Filter, kind: str) -> Any:
    values = item.values() if item.op in ("in", "between") else [item.value]
    if kind == "number":
        # French numbers are written with spaces between thousands.
        values = [_SPACES.sub("", value) for value in values]
    return values if item.op in ("in", "between") else values[0]


def _sort(sort: str) -> dict[str, Any] | None:
    if not sort:
        return None
    by, _sep, order = sort.partition("_")
    return {"by": by, "index": 0, "order": order}


def to_request(config: ChartConfig, resource_id: str,
               kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``data_dict`` of ``issy_aggregate`` for ``config``."""
    kinds = kinds or {}
    groups = [g for g in (config.x, config.series) if g]
    request: dict[str, Any] = {
        "resource_id": resource_id,
        "group_by": [{"column": g.column, **({"unit": g.unit} if g.unit else {})} for g in groups],
        "measures": [{"function": m.function, **({"column": m.column} if m.column else {})}
                     for m in config.measures],
        "filters": [{"column": f.column, "op": f.op, "value": _filter_value(f, kinds.get(f.column, ""))}
                    for f in config.filters],
    }
    sort = _sort(config.sort)
    if sort:
        request["sort"] = sort
    if config.limit is not None:
        request["limit"] = config.limit
        request["others"] = config.others
    return request


def to_api_params(request: Mapping[str, Any]) -> dict[str, str]:
    """A request as the query parameters of ``GET /api/issy/aggregate``
    (structured ones as JSON)."""
    params: dict[str, str] = {}
    for key, value in request.items():
        if isinstance(value, (list, dict)):
            params[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
        else:
            params[key] = str(value)
    return params
