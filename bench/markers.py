"""The figures a bench writes into docs/performance.md, between its markers."""
from __future__ import annotations

import re
from pathlib import Path


def replace_block(path: Path, begin: str, end: str, text: str) -> None:
    """Replace what lies between the markers ``begin`` and ``end`` of ``path`` with ``text``."""
    page = path.read_text(encoding="utf-8")
    block = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not block.search(page):
        raise SystemExit(f"{path} has no block {begin} … {end} to update")
    path.write_text(block.sub(lambda _: f"{begin}\n{text}\n{end}", page), encoding="utf-8")
