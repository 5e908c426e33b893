"""What the builders' view schemas share: after CKAN's validators have
checked each field, the whole configuration is read as the Créer page reads
it, checked against the resource's data as the saving user sees it, and
stored in its canonical form (empty rows of the form dropped); its problems
are reported by field."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import ckan.plugins.toolkit as tk

from ckanext.issy.views.configuration import Errors

Key = tuple[Any, ...]
Validator = Callable[[Key, dict[Key, Any], dict[Key, list[str]], dict[str, Any]], None]
# (the fields given, the resource id or None, the saving user's context)
Reader = Callable[[dict[str, Any], Any, dict[str, Any]], tuple[Any, Errors]]


def whole_configuration(keys: Iterable[str], read: Reader,
                        to_view: Callable[[Any], dict[str, Any]]) -> Validator:
    """The ``__after`` validator of a view whose fields are ``keys``."""
    keys = tuple(keys)

    def validator(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                  context: dict[str, Any]) -> None:
        source = {field: data[(field,)] for field in keys
                  if (field,) in data and data[(field,)] is not tk.missing}
        source.pop("title", None)  # the view's own title, checked by CKAN
        config, problems = read(source, data.get(("resource_id",)), context)
        for field, message in problems.items():
            errors.setdefault((field,), []).append(message)
        if problems:
            return
        for field in keys:
            if field != "title":
                data.pop((field,), None)
        for field, value in to_view(config).items():
            data[(field,)] = value

    return validator
