"""Template helpers of the core ``issy`` plugin."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk


def issy_demo_banner() -> bool:
    """Whether pages say that this portal shows sample data."""
    return tk.asbool(tk.config.get("ckanext.issy.demo_banner"))


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"issy_demo_banner": issy_demo_banner}
