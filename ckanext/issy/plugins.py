"""The plugin classes of ckanext-issy: wiring only, the logic lives in the
feature packages (search/, harvesters/, views/, theme/, ...). The harvester
plugins are in harvesters/plugins.py: importing ckanext-harvest's model
here would map it onto CKAN's datasets on sites that do not harvest."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy import I18N_DIR, I18N_DOMAIN, cli, csrf, health, helpers, request_guards
from ckanext.issy.aggregate import action as aggregate_action
from ckanext.issy.aggregate import endpoint as aggregate_endpoint
from ckanext.issy.dcat import actions as dcat_actions
from ckanext.issy.dcat import charset, licences, resources
from ckanext.issy.dcat import helpers as dcat_helpers
from ckanext.issy.geo import action as geo_action
from ckanext.issy.geo import basemap, tiles
from ckanext.issy.geo import endpoint as geo_endpoint
from ckanext.issy.harvesters import queue_compat
from ckanext.issy.search import ckan_hooks, spatial, suggestions, tracking_batch
from ckanext.issy.logic import actions, auth, validators
from ckanext.issy.theme import catalogue as theme_catalogue
from ckanext.issy.theme import facets as theme_facets
from ckanext.issy.theme import helpers as theme_helpers
from ckanext.issy.theme import settings as theme_settings
from ckanext.issy.theme import views as theme_views
from ckanext.issy.views.budget import action as budget_action
from ckanext.issy.views.budget import blueprint as budget_blueprint
from ckanext.issy.views.budget import view as budget_view
from ckanext.issy.views import formatting as view_formatting
from ckanext.issy.views import shared_page
from ckanext.issy.views.chart import blueprint as chart_blueprint
from ckanext.issy.views.elections import action as elections_action
from ckanext.issy.views.elections import blueprint as elections_blueprint
from ckanext.issy.views.elections import view as elections_view
from ckanext.issy.views.chart import view as chart_view
from ckanext.issy.views.map import blueprint as map_blueprint
from ckanext.issy.views.map import view as map_view



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
    """Core plugin: translations, templates and helpers shared by all features,
    the harvesters' shared settings (``ckanext.issy.harvest.*``), the
    aggregation API over the DataStore (``issy_aggregate``), what every map
    shares (``geo/``: map data, base map, tile relay) and the ``ckan issy``
    command group."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)
    p.implements(p.IClick)
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        # The vendored front-end libraries (ECharts, ...), shared by the chart and map builders.
        tk.add_resource("vendor", "issy_vendor")

    def configure(self, config: Any) -> None:
        # Importing ckanext-harvest's queue maps its model onto CKAN's
        # datasets: a site without its tables could not purge a dataset.
        if "harvest" in tk.aslist(config.get("ckan.plugins")):
            queue_compat.install()
        csrf.install()

    def get_helpers(self) -> dict[str, Any]:
        return {**helpers.get_helpers(), **basemap.get_helpers(), **view_formatting.get_helpers()}

    def get_actions(self) -> dict[str, Any]:
        return {**actions.get_actions(), **aggregate_action.get_actions(), **geo_action.get_actions()}

    def get_auth_functions(self) -> dict[str, Any]:
        return {**aggregate_action.get_auth_functions(), **geo_action.get_auth_functions()}

    def get_blueprint(self) -> list[Any]:
        return [aggregate_endpoint.blueprint, geo_endpoint.blueprint, tiles.blueprint]

    def get_commands(self) -> list[Any]:
        return cli.get_commands()

    def make_middleware(self, app: Any, config: Any) -> Any:
        request_guards.install(app)
        shared_page.install(app)
        health.install(app)
        return app


@tk.blanket.config_declarations("config_declarations/issy_search.yaml")
class IssySearchPlugin(IssyTranslation, p.SingletonPlugin):
    """Dataset search in PostgreSQL instead of Solr (docs/search.md)."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IActions)

    def update_config(self, config: Any) -> None:
        # CKAN calls this each time it loads plugins, which load_environment
        # does before it checks the Solr schema, on CKAN 2.11 and 2.12.
        ckan_hooks.install()
        tracking_batch.install()

    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return spatial.with_bbox_filter(search_params)

    def get_actions(self) -> dict[str, Any]:
        return {**suggestions.get_actions(), **ckan_hooks.get_actions()}

    def make_middleware(self, app: Any, config: Any) -> Any:
        ckan_hooks.answer_search_errors(app)
        return app


@tk.blanket.config_declarations("config_declarations/issy_theme.yaml")
class IssyThemePlugin(IssyTranslation, p.SingletonPlugin):
    """The city's theme: templates, assets, the section and legal pages
    (docs/theming.md). Listed right after ``issy`` so its templates win."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IBlueprint)
    p.implements(p.IAuthFunctions)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "theme/templates")
        tk.add_resource("theme/assets", "issy_theme")

    def update_config_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return theme_settings.update_config_schema(schema)

    def get_helpers(self) -> dict[str, Any]:
        return theme_helpers.get_helpers()

    def get_blueprint(self) -> list[Any]:
        return theme_views.get_blueprints()

    def get_auth_functions(self) -> dict[str, Any]:
        return auth.get_auth_functions()

    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return theme_facets.dataset_facets(facets_dict)

    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return theme_catalogue.without_ckan_home_listing(search_params)


@tk.blanket.config_declarations("config_declarations/issy_dcat.yaml")
class IssyDcatPlugin(IssyTranslation, p.SingletonPlugin):
    """What data.gouv.fr needs to harvest the portal (docs/datagouv.md): the
    licence list, the form's coverage fields stored as extras, complete
    resources and UTF-8 catalogue responses. The DCAT profile itself is the
    ``issy_dcat_ap_fr`` entry point of ``ckan.rdf.profiles``."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IActions)
    p.implements(p.IValidators)
    p.implements(p.IBlueprint)
    p.implements(p.IResourceController, inherit=True)

    def update_config(self, config: Any) -> None:
        licences.use_shipped_list(config)

    def get_helpers(self) -> dict[str, Any]:
        return dcat_helpers.get_helpers()

    def get_actions(self) -> dict[str, Any]:
        return dcat_actions.get_actions()

    def get_validators(self) -> dict[str, Any]:
        return validators.get_validators()

    def get_blueprint(self) -> list[Any]:
        return [charset.blueprint]

    def before_resource_show(self, resource_dict: dict[str, Any]) -> dict[str, Any]:
        return resources.complete(resource_dict)


class IssyChartPlugin(IssyTranslation, p.SingletonPlugin):
    """The ``issy_chart`` resource view of DataStore tables, and the chart
    builder's embed page and save form (docs/views.md); the Créer page
    builds charts once this plugin is loaded."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IBlueprint)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "views/chart/templates")
        # The snippets both builders share (CKAN adds a directory once).
        tk.add_template_directory(config, "views/templates")
        tk.add_resource("views/chart/assets", "issy_chart")

    def info(self) -> dict[str, Any]:
        return chart_view.info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return chart_view.can_view(data_dict)

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return chart_view.template_variables(data_dict)

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_chart/view.html"

    def form_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_chart/form.html"

    def get_blueprint(self) -> list[Any]:
        return chart_blueprint.get_blueprints()


class IssyMapPlugin(IssyTranslation, p.SingletonPlugin):
    """The ``issy_map`` resource view of DataStore tables with coordinates
    and of uploaded GeoJSON files, and the map builder's embed page and
    save form; the Créer page offers maps once this plugin is loaded. The
    map data and the base map are the core plugin's (``geo/``)."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IBlueprint)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "views/map/templates")
        tk.add_template_directory(config, "views/templates")
        tk.add_resource("views/map/assets", "issy_map")

    def info(self) -> dict[str, Any]:
        return map_view.info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return map_view.can_view(data_dict)

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return map_view.template_variables(data_dict)

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_map/view.html"

    def form_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_map/form.html"

    def get_blueprint(self) -> list[Any]:
        return map_blueprint.get_blueprints()


class IssyBudgetViewPlugin(IssyTranslation, p.SingletonPlugin):
    """The ``issy_budget_view`` resource view of harvested budget tables
    (the financial report: key figures, breakdowns, years compared, the
    map of capital expenditures), its data (action ``issy_budget``, ``GET
    /api/issy/budget``) and its embed page (docs/views.md). It draws with
    the chart and map components: ``issy_chart`` and ``issy_map`` loaded."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "views/budget/templates")
        tk.add_resource("views/budget/assets", "issy_budget")

    def info(self) -> dict[str, Any]:
        return budget_view.info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return budget_view.can_view(data_dict)

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return budget_view.template_variables(data_dict)

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_budget/view.html"

    def get_actions(self) -> dict[str, Any]:
        return budget_action.get_actions()

    def get_auth_functions(self) -> dict[str, Any]:
        return budget_action.get_auth_functions()

    def get_blueprint(self) -> list[Any]:
        return [budget_blueprint.blueprint]


class IssyElectionsViewPlugin(IssyTranslation, p.SingletonPlugin):
    """The ``issy_elections_view`` resource view of harvested election
    rounds (turnout, results in the commune, "my polling station", every
    station), and its data (action ``issy_elections``, ``GET
    /api/issy/elections``; docs/views.md)."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(p.IConfigurer)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "views/elections/templates")
        tk.add_resource("views/elections/assets", "issy_elections")

    def info(self) -> dict[str, Any]:
        return elections_view.info()

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        return elections_view.can_view(data_dict)

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        return elections_view.template_variables(data_dict)

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "issy_elections/view.html"

    def get_actions(self) -> dict[str, Any]:
        return elections_action.get_actions()

    def get_auth_functions(self) -> dict[str, Any]:
        return elections_action.get_auth_functions()

    def get_blueprint(self) -> list[Any]:
        return [elections_blueprint.blueprint]
