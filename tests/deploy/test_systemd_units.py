"""deploy/systemd/: every service and timer passes ``systemd-analyze
verify`` once its ``${ISSY_...}`` values are filled as docs/production.md
fills them (here with this machine's virtualenv and a configuration file),
every timer has its service, and the services run the processes the demo
runs (devstack/demo.py's Procfile)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
VALUES = {"ISSY_VENV", "ISSY_INI", "ISSY_USER", "ISSY_GUNICORN_CONF"}


def _filled(tmp_path: Path) -> list[Path]:
    ini = tmp_path / "ckan.ini"
    ini.write_text("[app:main]\n")
    values = {"ISSY_VENV": str(Path(sys.executable).parent.parent), "ISSY_INI": str(ini),
              "ISSY_USER": "www-data", "ISSY_GUNICORN_CONF": str(ROOT / "deploy" / "gunicorn.conf.py")}
    written = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text()
        for name, value in values.items():
            text = text.replace("${" + name + "}", value)  # as envsubst, naming these values
        (tmp_path / unit.name).write_text(text)
        written.append(tmp_path / unit.name)
    return written


def test_every_unit_uses_only_the_documented_values() -> None:
    used = {name for unit in UNITS.iterdir() for name in re.findall(r"\$\{(ISSY_[A-Z_]+)\}", unit.read_text())}
    assert used == VALUES
    documented = (ROOT / "docs" / "production.md").read_text()
    assert all(f"`{name}`" in documented for name in VALUES)


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    units = _filled(tmp_path)
    answer = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, units)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert answer.stderr == ""  # no warning either (an unknown key, a bad calendar)


def test_every_timer_has_its_service() -> None:
    timers = {unit.stem for unit in UNITS.glob("*.timer")}
    assert timers == {"ckan-harvester-run", "ckan-tracking-update", "ckan-search-index-check"}
    assert all((UNITS / f"{name}.service").exists() for name in timers)


@pytest.mark.parametrize("command", ["harvester gather-consumer", "harvester fetch-consumer", "jobs worker",
                                     "issy parking poll", "harvester run", "tracking update",
                                     "search-index check"])
def test_a_service_runs_each_background_process(command: str) -> None:
    found = [unit.name for unit in UNITS.glob("*.service")
             if f"/bin/ckan -c ${{ISSY_INI}} {command}\n" in unit.read_text()]
    assert len(found) == 1, (command, found)
