"""The plugin classes of ckanext-issy: wiring only, the logic lives in the
feature packages (search/, harvesters/, views/, theme/, ...)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy import helpers
from ckanext.issy.harvesters import queue_compat
from ckanext.issy.search import ckan_hooks

I18N_DOMAIN = "ckanext-issy"
I18N_DIR = Path(__file__).resolve().parent / "i18n"


class IssyTranslation:
    """One gettext domain, ``ckanext-issy``, shared by every plugin.

    The catalogues live inside the package (``ckanext/issy/i18n``) so that
    they ship in the wheel; every plugin of the extension mixes this in and
    implements ``ITranslation`` with ``inherit=True``."""

    def i18n_directory(self) -> str:
        return str(I18N_DIR)

    def i18n_locales(self) -> list[str]:
        return sorted(d.name for d in I18N_DIR.iterdir() if d.is_dir())

    def i18n_domain(self) -> str:
        return I18N_DOMAIN


@tk.blanket.config_declarations("config_declarations/issy.yaml")
class IssyPlugin(IssyTranslation, p.SingletonPlugin):
    """Core plugin: translations, templates and helpers shared by all features."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")

    def configure(self, config: Any) -> None:
        queue_compat.install()

    def get_helpers(self) -> dict[str, Any]:
        return helpers.get_helpers()


@tk.blanket.config_declarations("config_declarations/issy_search.yaml")
class IssySearchPlugin(IssyTranslation, p.SingletonPlugin):
    """Dataset search in PostgreSQL instead of Solr (docs/search.md)."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer, inherit=True)

    def update_config(self, config: Any) -> None:
        # CKAN calls this each time it loads plugins, which load_environment
        # does before it checks the Solr schema, on CKAN 2.11 and 2.12.
        ckan_hooks.install()
