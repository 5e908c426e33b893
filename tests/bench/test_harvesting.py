"""bench/harvesting.py's ``services_used``: a bench is a user of the
private PostgreSQL and Redis for as long as it runs, and leaves even when
it fails."""
from __future__ import annotations

import pytest

from bench import harvesting


class _Stack:
    released = 0

    def release(self) -> None:
        self.released += 1


def test_the_bench_uses_the_services_while_it_runs_and_leaves_even_when_it_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from devstack import services

    stacks: list[_Stack] = []
    monkeypatch.setattr(services, "bring_up", lambda: stacks.append(_Stack()) or stacks[-1])
    with harvesting.services_used():
        assert [stack.released for stack in stacks] == [0]
    with pytest.raises(RuntimeError), harvesting.services_used():
        raise RuntimeError("the bench failed")
    assert [stack.released for stack in stacks] == [1, 1]
