"""The settings a site of the stack needs, applied to an ini file with CKAN's config-tool."""
from __future__ import annotations

import configparser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devstack import ckan_cli

# The plugins of the demo and of the tests: every plugin of the extension
# beside the CKAN and sibling-extension plugins the portal relies on.
PLUGINS = (
    "issy issy_theme issy_search issy_dcat activity tracking datastore datatables_view image_view issy_chart issy_map issy_budget_view issy_elections_view "
    "harvest issy_finance_harvester issy_elections_harvester issy_parking_harvester dcat dcat_json_interface structured_data spatial_metadata"
)


def redis_url(base: str, db: int) -> str:
    """``base`` (any path dropped) with database number ``db``."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def current(ini: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep keys as written
    parser.read(ini)
    return dict(parser["app:main"]) if parser.has_section("app:main") else {}


def apply(ini: Path, wanted: dict[str, str]) -> None:
    """Write ``wanted`` into ``[app:main]``, only when something differs (config-tool is slow)."""
    present = current(ini)
    changes = [f"{key}={value}" for key, value in wanted.items() if present.get(key) != value]
    if changes:
        ckan_cli.run("config-tool", str(ini), *changes)
