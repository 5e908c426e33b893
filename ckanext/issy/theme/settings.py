"""The declared settings of the theme (config_declarations/issy_theme.yaml)
and the two that sysadmins edit at run time, stored in CKAN's system_info."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

PREFIX = "ckanext.issy.theme."
# Runtime-editable (config_option_update): stored in the database so that
# sysadmins change them from the pages themselves, not in the ini file.
FEATURED_VIEWS = PREFIX + "featured_views"
APPROACH = PREFIX + "approach"
RUNTIME_KEYS = (FEATURED_VIEWS, APPROACH)


def get(name: str) -> Any:
    return tk.config.get(PREFIX + name)


def featured_view_ids() -> list[str]:
    # A list once declared, a space-separated string after config_option_update.
    return tk.aslist(tk.config.get(FEATURED_VIEWS))


def social_links() -> list[tuple[str, str]]:
    """``name|url`` pairs of the setting; anything but http(s) is dropped so
    that a typo cannot put a ``javascript:`` link on every page."""
    links = []
    for item in tk.aslist(get("social_links")):
        name, _sep, url = item.partition("|")
        if name and url.startswith(("https://", "http://")):
            links.append((name.replace("_", " "), url))
    return links


def update_config_schema(schema: dict[str, Any]) -> dict[str, Any]:
    ignore_missing = tk.get_validator("ignore_missing")
    unicode_safe = tk.get_validator("unicode_safe")
    for key in RUNTIME_KEYS:
        schema[key] = [ignore_missing, unicode_safe]
    return schema


def save(context: dict[str, Any], key: str, value: str) -> None:
    """Store a runtime setting; CKAN refreshes the other workers' config."""
    tk.get_action("config_option_update")(context, {key: value})
