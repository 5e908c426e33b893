"""Messages of the harvesters and the search in the site's language, also
outside web requests.

The harvest consumers and ``ckan harvester run`` work outside any web
request, where CKAN's gettext (``tk._``) has no locale and answers in
English. Their messages (job errors, resource names) are stored and shown
later, so they are translated here into ``ckan.locale_default`` from the
extension's own catalogue; inside a request, ``tk._`` decides as usual (a
search error is shown to the visitor in the page's language).
"""
from __future__ import annotations

import functools

import ckan.plugins.toolkit as tk
import flask
from babel.support import NullTranslations, Translations

from ckanext.issy import I18N_DIR, I18N_DOMAIN


@functools.lru_cache(maxsize=8)
def _catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(I18N_DIR), [locale], domain=I18N_DOMAIN)


def _(message: str) -> str:
    if flask.has_request_context():
        return tk._(message)
    return _catalogue(tk.config.get("ckan.locale_default") or "en").gettext(message)
