"""The error every module of the search backend raises for a bad request."""
from __future__ import annotations


class InvalidQuery(ValueError):
    """A search request the backend cannot answer: a syntax error, an unknown
    field, an unsupported construct or parameter.

    The message is shown to API users as is; ``ckan_hooks`` turns it into
    CKAN's ``SearchQueryError`` (HTTP 400)."""
