"""The map data's actions and auth functions (registered by the core ``issy`` plugin)."""
from __future__ import annotations

from typing import Any


def get_actions() -> dict[str, Any]:
    return {}


def get_auth_functions() -> dict[str, Any]:
    return {}
