"""The only module that touches CKAN's licence register.

CKAN builds its list of licences once per process, on first use, from
``licenses_group_url`` and keeps it on ``model.Package``
(``_license_register``, CKAN 2.11 and 2.12). When plugins are loaded again
in the same process (the test suite does it for every test) with another
``licenses_group_url``, the list built before would stay: forgetting it
makes CKAN build the one the configuration names at its next use.
"""
from __future__ import annotations

from ckan import model


def forget() -> None:
    if "_license_register" in vars(model.Package):
        del model.Package._license_register
