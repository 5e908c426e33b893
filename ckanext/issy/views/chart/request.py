"""A chart's configuration (``config.py``) as a request of the aggregation
API: the ``data_dict`` of ``issy_aggregate``, and the query parameters of
``GET /api/issy/aggregate`` that ``chart.js`` fetches (docs/api.md)."""
from __future__ import annotations

from typing import Any, Mapping

from ckanext.issy.views.chart.config import ChartConfig
from ckanext.issy.views.configuration import filter_requests


def _sort(sort: str) -> dict[str, Any] | None:
    if not sort:
        return None
    by, _sep, order = sort.partition("_")
    return {"by": by, "index": 0, "order": order}


def to_request(config: ChartConfig, resource_id: str,
               kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``data_dict`` of ``issy_aggregate`` for ``config``."""
    groups = [g for g in (config.x, config.series) if g]
    request: dict[str, Any] = {
        "resource_id": resource_id,
        "group_by": [{"column": g.column, **({"unit": g.unit} if g.unit else {})} for g in groups],
        "measures": [m.request() for m in config.measures],
        "filters": filter_requests(config.filters, kinds or {}),
    }
    sort = _sort(config.sort)
    if sort:
        request["sort"] = sort
    if config.limit is not None:
        request["limit"] = config.limit
        request["others"] = config.others
    return request
