"""The base map's tile relay (blueprint ``issy_map_tiles``)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("issy_map_tiles", __name__)
