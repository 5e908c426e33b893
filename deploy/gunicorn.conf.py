"""gunicorn settings of a CKAN site behind nginx (docs/production.md).

    CKAN_INI=/etc/ckan/default/ckan.ini gunicorn -c /etc/ckan/default/gunicorn.conf.py

Keep this file beside ``wsgi.py``. Command-line options win over these
defaults (e.g. ``--bind 127.0.0.1:8081``); ``WEB_CONCURRENCY`` sets the number
of workers.
"""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

# wsgi.py is loaded from this file's directory (the working directory of
# the workers; the ini file's own paths are relative to the ini, not to it).
chdir = str(Path(__file__).resolve().parent)
wsgi_app = "wsgi:application"

# Only nginx, on the same machine, talks to gunicorn.
bind = "127.0.0.1:8080"
# CKAN workers are synchronous; gunicorn's usual sizing, 2 x cores + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# Not preloaded: each worker opens its own database connections after the fork.
preload_app = False
# Large CSV exports and DataStore dumps may take a while.
timeout = 120
graceful_timeout = 30
# Recycle workers now and then, staggered, to bound memory growth. Not too
# often: a new worker loads CKAN for seconds of CPU, and at 1,000 requests
# an election night's 75 answers a second recycled one every 13 s, stalling
# every connection for over 2 s now and then (bench/load.py).
max_requests = 10000
max_requests_jitter = 1000
# Keep-alive connections from nginx's upstream pool.
keepalive = 15
# Trust X-Forwarded-* headers from nginx on this machine only.
forwarded_allow_ips = "127.0.0.1"
# Logs on stderr: systemd's journal (or honcho for `make production`) keeps them.
accesslog = None
errorlog = "-"
loglevel = "info"
