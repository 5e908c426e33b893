"""The SQL statements CKAN's engine runs: for tests that the number of
queries of a page does not grow with its content."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

import sqlalchemy as sa

import ckan.model as model


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    run: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        run.append(statement)

    engine = model.meta.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield run
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
