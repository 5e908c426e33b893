"""What data.gouv.fr needs to harvest the portal cleanly (plugin ``issy_dcat``).

data.gouv.fr (software: udata) republishes the portal by harvesting either
its DCAT catalogue (``/catalog.xml``...) or its CKAN API. This package gives
both what udata reads: data.gouv.fr's licence ids, the coverage extras of
the dataset form (``frequency``, ``temporal_start``, ``temporal_end``,
``spatial``), a DCAT-AP profile, UTF-8 catalogue responses and complete
resources (docs/datagouv.md).
"""
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
