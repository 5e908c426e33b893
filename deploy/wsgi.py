"""The WSGI application of a CKAN site, as gunicorn loads it (gunicorn.conf.py).

``CKAN_INI`` names the site's configuration file, as for the ``ckan``
command. This is the ``wsgi.py`` of CKAN's deployment guide, with the file
name taken from the environment instead of written in the script.
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from ckan.cli import load_config
from ckan.config.middleware import make_app

_INI = os.environ["CKAN_INI"]

# The ini's [loggers] sections, as `ckan run` applies them.
fileConfig(_INI, disable_existing_loggers=False)
application = make_app(load_config(_INI))
