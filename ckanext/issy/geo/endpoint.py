"""The map data's GET endpoints (blueprint ``issy_geo``)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("issy_geo", __name__)
