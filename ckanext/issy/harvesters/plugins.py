"""The harvester plugins of ckanext-issy (``issy_<family>_harvester``): wiring
only. Apart from ckanext/issy/plugins.py because they import ckanext-harvest's
model, which only sites that harvest should load."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.harvest.interfaces import IHarvester

from ckanext.issy.harvesters import elections, finance, parking
from ckanext.issy.plugins import IssyTranslation


class IssyFinanceHarvester(IssyTranslation, finance.ScdlBudgetHarvester):
    """Harvest source type ``issy_finance``: SCDL budget files (docs/harvesters.md).
    Its site settings are the shared ``ckanext.issy.harvest.*`` ones, declared
    by ``issy``, which every harvester plugin needs."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(IHarvester)


@tk.blanket.config_declarations("../config_declarations/issy_elections_harvester.yaml")
class IssyElectionsHarvester(IssyTranslation, elections.ElectionResultsHarvester):
    """Harvest source type ``issy_elections``: election results by polling
    station (docs/harvesters.md). ``ckanext.issy.harvest.elections.max_bytes``
    limits its downloads; its other settings are the shared ones."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(IHarvester)


@tk.blanket.config_declarations("../config_declarations/issy_parking_harvester.yaml")
class IssyParkingHarvester(IssyTranslation, parking.ParkingHarvester):
    """Harvest source type ``issy_parking``: real-time parking availability.
    Its harvest job publishes the dataset and its set of sites; the poller
    ``ckan issy parking poll`` refreshes its tables every minute
    (docs/harvesters.md)."""

    p.implements(p.ITranslation, inherit=True)
    p.implements(IHarvester)
