"""The aggregations a view's report is made of (the financial report, the
election results), run through ``issy_aggregate`` on the extension's own
behalf: the visitor's right to read the table is checked once by the
view's action, and the report's own aggregations are neither re-checked
nor rate-limited (the report counts once, when it is computed)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ckan.plugins.toolkit as tk


def aggregate(resource_id: str, group_by: Sequence[str], measures: Sequence[tuple[str, str]],
              filters: Mapping[str, Any] | None = None) -> tuple[list[list[Any]], bool]:
    """The rows (groups, then measures) and whether they were cut short by
    ``ckanext.issy.aggregate.max_rows``; ``measures``: (function, column)."""
    result = tk.get_action("issy_aggregate")({"ignore_auth": True}, {
        "resource_id": resource_id, "group_by": [{"column": column} for column in group_by],
        "measures": [{"function": function, "column": column} for function, column in measures],
        "filters": [{"column": column, "op": "eq", "value": value} for column, value in (filters or {}).items()]})
    return result["rows"], result["truncated"]
