"""Running the ``ckan`` command of the current virtualenv."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devstack.errors import StackError

CKAN = str(Path(sys.executable).with_name("ckan"))


def run(*args: str, ini: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``ckan [-c INI] ARGS`` and return its standard output."""
    command = [CKAN, *(["-c", str(ini)] if ini else []), *args]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise StackError(f"'ckan {' '.join(args)}' failed:\n{tail}")
    return result.stdout


def prepare_site(ini: Path, admin_url: str, env: dict[str, str] | None = None) -> None:
    """Create or upgrade CKAN's tables, every plugin's, and the DataStore permissions."""
    from devstack.database import run_psql_script

    run("db", "upgrade", ini=ini, env=env)
    run_psql_script(admin_url, run("datastore", "set-permissions", ini=ini, env=env))
