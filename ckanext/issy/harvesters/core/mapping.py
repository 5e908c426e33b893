"""What the field mappings of the source configurations share (a mapping
names, for each value a harvester needs, the field of the feed that holds
it: no two operators name their fields alike)."""
from __future__ import annotations

from typing import Any

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.language import _


def is_field(value: Any) -> bool:
    """Whether a mapping's value names a field (non-empty text)."""
    return isinstance(value, str) and bool(value.strip())


def refuse_invalid(problems: list[str], file: str) -> None:
    """ReadError listing ``problems`` of a mapping, if any: a source saved
    before a check was added is refused when it is read."""
    if problems:
        raise ReadError(_("{file}: the field mapping is invalid: {problems}").format(
            file=file, problems="; ".join(problems)))
