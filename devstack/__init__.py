"""Developer and demo tooling for ckanext-issy (not part of the installed extension).

Run with the project's virtualenv: ``.venv/bin/python -m devstack ...``; the
Makefile is the usual entry point (``make demo``, ``make test``, ``make i18n``).
"""
