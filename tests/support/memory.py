"""The resident memory of this process, for the tests and benchmarks that
measure how much reading a large file costs (Linux /proc)."""
from __future__ import annotations

import re
from pathlib import Path


def memory() -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in bytes."""
    status = Path("/proc/self/status").read_text()
    return {name: int(kib) * 1024 for name, kib in re.findall(r"(VmRSS|VmHWM):\s+(\d+) kB", status)}


def reset_peak() -> int:
    """Starts measuring the peak again from the current resident memory, which it returns."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS
    return memory()["VmRSS"]
