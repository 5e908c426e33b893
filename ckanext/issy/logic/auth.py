"""Auth functions of ckanext-issy."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def issy_theme_edit(context: dict[str, Any], data_dict: dict[str, Any] | None) -> dict[str, Any]:
    """Editing the portal's own pages (featured visualisations, the approach
    text): sysadmins only. CKAN lets sysadmins through before calling this."""
    return {"success": False, "msg": tk._("Only site administrators can edit this page.")}


def get_auth_functions() -> dict[str, Any]:
    return {"issy_theme_edit": issy_theme_edit}
