"""Passwords of the development stack, generated once and kept in .dev/secrets.json."""
from __future__ import annotations

import json
import secrets

from devstack.settings import DEV

SECRETS_FILE = DEV / "secrets.json"
NAMES = ("pg_superuser", "ckan_db", "datastore_ro", "admin")


def load() -> dict[str, str]:
    """Return the stack's passwords, creating any that is missing."""
    DEV.mkdir(exist_ok=True)
    known: dict[str, str] = {}
    if SECRETS_FILE.exists():
        known = json.loads(SECRETS_FILE.read_text())
    missing = [name for name in NAMES if name not in known]
    if missing:
        known.update({name: secrets.token_urlsafe(18) for name in missing})
        SECRETS_FILE.touch(mode=0o600)
        SECRETS_FILE.write_text(json.dumps(known, indent=2))
    return known
