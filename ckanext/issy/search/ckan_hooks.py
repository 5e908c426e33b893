"""Where ``issy_search`` takes Solr's place inside CKAN: the only module of
the project that touches ``ckan.lib.search`` internals.

CKAN reaches Solr by more paths than ``index_for``/``query_for``:
``model_dictize`` and ``tag_dictize`` build ``PackageSearchQuery`` objects,
CKAN 2.11's bulk updates and ckanext-harvest/-spatial build
``PackageSearchIndex`` objects, ``package_autocomplete`` queries the n-gram
fields, ``harvest_source_clear`` deletes by query, and start-up checks the
Solr schema. All of them end in ``make_connection()``, so that is what is
replaced: CKAN keeps building its Solr documents and queries with its own
code (which differs between 2.11 and 2.12), and the connection they are
sent to answers from PostgreSQL. Besides it:

- ``check_solr_schema_version`` returns without asking Solr;
- ``PackageSearchIndex.index_package`` reports any failure, including one
  in a plugin's ``before_dataset_index``, as ``SearchIndexError``: CKAN 2.11
  indexes while committing and swallows other exceptions there, which would
  commit a dataset that search cannot find;
- ``clear`` (``ckan search-index clear NAME``) commits, as Solr's delete did;
- ``PackageSearchQuery.get_index`` (``search.show``, which ``package_show``
  calls for every dataset it shows) reads the row by id or name instead of
  sending ``name:"…" OR id:"…"`` to be parsed and compiled: 0.6 ms
  instead of 2.5 ms.

Besides, bad input that CKAN itself would answer with a server error is
refused cleanly (``bounds.py`` refuses the rest): a ``SearchQueryError``
that a view lets escape (``/api/2/util/dataset/autocomplete``) is answered
400, and the chained ``package_search`` and ``package_autocomplete`` read
an empty ``start``/``rows`` as not given and refuse a ``limit`` that is not
a natural number, where CKAN's own validation ends in a server error.

CKAN has no plugin-unload hook, so every replacement checks on each call
that ``issy_search`` is loaded and otherwise runs CKAN's Solr code.
"""
from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable, Optional

import flask
import sqlalchemy.exc
from werkzeug.exceptions import BadRequest

import ckan.lib.search as search
import ckan.lib.search.common as search_common
import ckan.lib.search.index as search_index
import ckan.lib.search.query as search_query
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.issy.language import _
from ckanext.issy.search.connection import PostgresConnection
from ckanext.issy.search.errors import InvalidQuery

log = logging.getLogger(__name__)

PLUGIN = "issy_search"

_solr_make_connection = search_common.make_connection
_solr_check_schema_version = search.check_solr_schema_version
_solr_clear = search.clear
_solr_index_package = search_index.PackageSearchIndex.index_package
_solr_get_index = search_query.PackageSearchQuery.get_index


def active() -> bool:
    return p.plugin_loaded(PLUGIN)


class CkanConnection(PostgresConnection):
    """The PostgreSQL connection, raising the exceptions CKAN expects from
    its search layer (the API answers 400 for ``SearchQueryError``)."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().add(*args, **kwargs)
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise search_common.SearchIndexError(
                f"Could not write the search index: {error}"
            ) from error

    def delete(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().delete(*args, **kwargs)
        except InvalidQuery as error:
            raise search_common.SearchIndexError(str(error)) from error

    def search(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().search(*args, **kwargs)
        except InvalidQuery as error:
            raise search_common.SearchQueryError(_visible(error)) from error


def _visible(error: InvalidQuery) -> str:
    """The message with ordinary spaces: CKAN's API writes a search error
    with ``%r``, which would show French typography's non-breaking spaces
    as ``\\xa0``."""
    return str(error).replace("\u00a0", " ")


def answer_search_errors(app: flask.Flask) -> None:
    """Answer a search error that a view lets escape with 400 and its
    message rather than 500: CKAN's ``/api/2/util/dataset/autocomplete``
    calls ``package_autocomplete`` without catching anything."""
    app.register_error_handler(search_common.SearchQueryError, _search_query_error)


def _search_query_error(error: search_common.SearchQueryError) -> Any:
    message = str(error)
    if tk.request.path.startswith("/api/"):
        return flask.jsonify(success=False, error={
            "__type": "Search Query Error", "message": message}), 400
    # CKAN's own error page, in the site's theme.
    return flask.current_app.handle_http_exception(BadRequest(message))


# Where CKAN's natural_number_validator fails on "" (TypeError).
_NATURAL_NUMBERS = ("start", "rows", "facet.mincount")


@tk.side_effect_free
@tk.chained_action
def package_search(up_func: Callable[..., Any], context: Any, data_dict: Any) -> Any:
    """``package_search`` reading an empty ``start``, ``rows`` or
    ``facet.mincount`` (``?start=``) as not given."""
    return up_func(context, {
        key: value for key, value in data_dict.items()
        if not (key in _NATURAL_NUMBERS and value == "")
    })


@tk.side_effect_free
@tk.chained_action
def package_autocomplete(up_func: Callable[..., Any], context: Any, data_dict: Any) -> Any:
    """``package_autocomplete`` refusing a ``limit`` that is not a natural
    number as a search error, which every caller answers 400: CKAN's
    validator raises ValidationError (TypeError for an empty one), which
    ``/api/2/util/dataset/autocomplete`` answers 500."""
    limit = data_dict.get("limit", 10)
    try:
        natural = int(limit) >= 0
    except (TypeError, ValueError):
        natural = False
    if not natural:
        raise search_common.SearchQueryError(
            _('"{name}" must be a natural number, not "{value}"').format(name="limit", value=limit)
        )
    return up_func(context, data_dict)


def get_actions() -> dict[str, Callable[..., Any]]:
    return {"package_search": package_search, "package_autocomplete": package_autocomplete}


def make_connection(decode_dates: bool = True) -> Any:
    if not active():
        return _solr_make_connection(decode_dates)
    return CkanConnection(model.Session)


def configured() -> bool:
    """Whether the site's configuration enables ``issy_search``."""
    return PLUGIN in tk.aslist(tk.config.get("ckan.plugins"))


def check_solr_schema_version(schema_file: Optional[str] = None) -> bool:
    # CKAN checks the schema again whenever plugins are reloaded (the jobs
    # worker does it for every job), including the moment when all of them
    # are unloaded: the site's plugin list, not only the loaded plugins,
    # says whether this site has a Solr schema to check.
    if not (active() or configured()):
        return _solr_check_schema_version(schema_file)
    log.info("Datasets are searched in PostgreSQL (issy_search): "
             "no Solr schema to check")
    return False


def clear(package_reference: str) -> None:
    _solr_clear(package_reference)
    if active():
        model.Session.commit()


@functools.wraps(_solr_index_package)
def index_package(self: Any, pkg_dict: Any, defer_commit: bool = False) -> None:
    if not active():
        return _solr_index_package(self, pkg_dict, defer_commit)
    try:
        return _solr_index_package(self, pkg_dict, defer_commit)
    except search_common.SearchIndexError:
        raise
    except Exception as error:
        raise search_common.SearchIndexError(
            f"Could not index dataset {(pkg_dict or {}).get('name')!r}: "
            f"{error!r}"
        ) from error


@functools.wraps(_solr_get_index)
def get_index(self: Any, reference: str) -> dict[str, Any]:
    if not active():
        return _solr_get_index(self, reference)
    # As Solr's query does, with str(): CKAN's bulk updates pass a query's Row.
    document = CkanConnection(model.Session).document(str(reference), tk.config.get("ckan.site_id"))
    if document is None:
        raise search_common.SearchError(f"Dataset not found in the search index: {reference}")
    return document


def install() -> None:
    """Put the replacements in place; idempotent, called by the plugin each
    time CKAN (re)loads its plugins, before start-up checks the schema."""
    _rebind(_solr_make_connection, make_connection)
    _rebind(_solr_check_schema_version, check_solr_schema_version)
    _rebind(_solr_clear, clear)
    search_index.PackageSearchIndex.index_package = index_package
    search_query.PackageSearchQuery.get_index = get_index


def _rebind(original: Callable[..., Any], replacement: Callable[..., Any]) -> None:
    """Replace ``original`` in every CKAN and ckanext module holding it.

    ``from ckan.lib.search.common import make_connection`` copies the
    function into the importing module (``ckan.lib.search.index``,
    ``.query``, ckanext-harvest's actions...), so each copy is replaced;
    modules imported later copy the replacement."""
    name = original.__name__
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(("ckan.", "ckanext.")):
            continue
        if vars(module).get(name) is original:
            setattr(module, name, replacement)
