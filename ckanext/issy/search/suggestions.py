"""Tag and format suggestions from the datasets the asking user may read.

CKAN's ``tag_list``, ``tag_autocomplete``, ``tag_search`` and
``format_autocomplete`` read tags and formats from its tables, whatever
dataset holds them: an anonymous visitor typing in the search bar would be
offered the tags of a private dataset or of a draft (one named after an
unannounced project, say). The index knows who may read each dataset (its
permission labels), so these actions are chained here to keep only the
values of the datasets ``package_search`` would show the user, private
ones and drafts included where they may read them: an organisation's
members and the sysadmins see their tags, a draft's creator its own.
Callers that skip authorisation (``ignore_auth``, as CKAN's internal calls
do) see every dataset, as with ``package_search``.

Each action keeps its parameters, its authorisation check and the shape of
its answer; CKAN's tag actions still run (their matching, their
vocabulary handling), and their answer is filtered, so that a tag CKAN
deleted without reindexing (``tag_delete``) is not suggested either. The
tags of a vocabulary are public (``vocabulary_show`` lists them all) and
are left as CKAN answers them. ``format_autocomplete`` counts datasets
rather than resources, from the index alone.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

import ckan.plugins.toolkit as tk
from ckan.logic.schema import default_autocomplete_schema

Action = Callable[[dict[str, Any], dict[str, Any]], Any]
DEFAULT_FORMATS = 5  # format_autocomplete's default limit


def _readable(context: Mapping[str, Any], field: str) -> dict[str, int]:
    """The values of ``field`` (``tags``, ``res_format``) of the datasets
    the context's user may read, each with its number of datasets: a facet
    of ``package_search`` as that user, over all of them (facet totals
    answer it when no other filter applies)."""
    as_user = {key: context[key] for key in ("user", "auth_user_obj", "ignore_auth")
               if key in context}
    result = tk.get_action("package_search")(as_user, {
        "rows": 0, "include_private": True, "include_drafts": True,
        "facet.field": [field], "facet.limit": -1, "facet.mincount": 1,
    })
    return result["facets"].get(field, {})


def _page(items: list[Any], data_dict: Mapping[str, Any]) -> list[Any]:
    """``items`` from ``offset``, at most ``limit`` of them, as CKAN's tag
    searches page; both natural numbers, checked as CKAN checks them."""
    natural = [tk.get_validator("ignore_missing"), tk.get_validator("natural_number_validator")]
    paging, errors = tk.navl_validate(
        {key: data_dict[key] for key in ("offset", "limit") if data_dict.get(key) is not None},
        {"offset": natural, "limit": natural},
    )
    if errors:
        raise tk.ValidationError(errors)
    start = paging.get("offset", 0)
    limit: Optional[int] = paging.get("limit")
    return items[start:None if limit is None else start + limit]


def _unpaged(data_dict: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data_dict.items() if key not in ("offset", "limit")}


def _free_tags(data_dict: Mapping[str, Any]) -> bool:
    return not data_dict.get("vocabulary_id")


def _readable_tags(tags: list[Any], context: Mapping[str, Any]) -> list[Any]:
    """``tags`` (names or tag dictionaries) held by datasets the user may
    read."""
    readable = _readable(context, "tags")
    return [tag for tag in tags
            if (tag["name"] if isinstance(tag, Mapping) else tag) in readable]


@tk.chained_action
@tk.side_effect_free
def tag_list(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    if not _free_tags(data_dict):
        return up_func(context, data_dict)
    return _readable_tags(up_func(context, data_dict), context)


@tk.chained_action
@tk.side_effect_free
def tag_autocomplete(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    if not _free_tags(data_dict):
        return up_func(context, data_dict)
    return _page(_readable_tags(up_func(context, _unpaged(data_dict)), context), data_dict)


@tk.chained_action
@tk.side_effect_free
def tag_search(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    if not _free_tags(data_dict):
        return up_func(context, data_dict)
    results = _readable_tags(up_func(context, _unpaged(data_dict))["results"], context)
    return {"count": len(results), "results": _page(results, data_dict)}


@tk.chained_action
@tk.side_effect_free
def format_autocomplete(_original: Action, context: dict[str, Any],
                        data_dict: dict[str, Any]) -> list[str]:
    """CKAN's answer (formats containing ``q``, lower-cased, the most used
    first), counted in the datasets the user may read. CKAN's own action
    is not called: it counts the resources of every dataset."""
    data, errors = tk.navl_validate(data_dict, default_autocomplete_schema())
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("format_autocomplete", context, data)
    typed = data["q"].lower()
    counts: dict[str, int] = {}
    for name, datasets in _readable(context, "res_format").items():
        if typed in name.lower():
            counts[name.lower()] = counts.get(name.lower(), 0) + datasets
    ranked = sorted(counts, key=lambda name: (-counts[name], name))
    return ranked[:data.get("limit", DEFAULT_FORMATS)]


def get_actions() -> dict[str, Any]:
    return {action.__name__: action for action in (
        tag_list, tag_autocomplete, tag_search, format_autocomplete)}
