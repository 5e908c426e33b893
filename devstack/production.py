"""``make production``: the demo portal served as a city serves it.

nginx in front of gunicorn, configured from the templates of ``deploy/``
(docs/production.md): compression, long cache lifetimes on static files,
``debug = false``. Same databases, configuration and background processes as
``make demo``; nginx listens on 127.0.0.1:5000 (``ISSY_PORT``), gunicorn on a
free loopback port behind it. ``bench/lighthouse.py`` starts the same pair
with :func:`running`.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import ckan

from devstack import demo
from devstack.errors import StackError
from devstack.settings import DEMO_HOST, DEV, ROOT

RUN = DEV / "production"
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
SITE_TEMPLATE = DEPLOY / "nginx" / "issy-ckan.conf"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
START_TIMEOUT_SECONDS = 180

# nginx as an ordinary foreground process: its pid file, logs and temporary
# files under .dev/, modules as Debian enables them (brotli).
_NGINX_MAIN = """\
# Written by devstack/production.py for `make production` and bench/.
{user}worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log stderr warn;
include /etc/nginx/modules-enabled/*.conf;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    include {run}/site.conf;
}}
"""


@dataclass(frozen=True)
class WebServer:
    """One CKAN site served by nginx on ``port`` in front of gunicorn."""

    name: str
    ini: Path
    port: int
    upstream_port: int

    @property
    def directory(self) -> Path:
        return RUN / self.name

    @property
    def url(self) -> str:
        return f"http://{DEMO_HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEMO_HOST, 0))
        return probe.getsockname()[1]


def nginx_program() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not path:
        raise StackError(
            "nginx is not installed. On Debian: apt-get install nginx "
            "libnginx-mod-http-brotli-filter (make production does it when run as root)."
        )
    return path


def site_values(server: WebServer) -> dict[str, str]:
    """The ``${ISSY_*}`` values of deploy/nginx/issy-ckan.conf for ``server``."""
    from ckan.cli import CKANConfigLoader
    from ckan.config.environment import CONFIG_FROM_ENV_VARS

    # CKAN's own reading: %(here)s and `use = config:` chains resolved.
    settings = CKANConfigLoader(str(server.ini)).get_config()
    # Then the environment variables that override settings, as CKAN applies
    # them (make test gives each run its own CKAN_STORAGE_PATH, where CKAN
    # compiles its bundles).
    settings.update({key: os.environ[name] for key, name in CONFIG_FROM_ENV_VARS.items() if os.environ.get(name)})
    webassets = settings.get("ckan.webassets.path") or str(Path(settings["ckan.storage_path"]) / "webassets")
    public = settings.get("ckan.base_public_folder") or "public"
    return {
        "ISSY_LISTEN": f"{DEMO_HOST}:{server.port}",
        "ISSY_SERVER_NAME": DEMO_HOST,
        "ISSY_UPSTREAM": f"{DEMO_HOST}:{server.upstream_port}",
        "ISSY_CKAN_PUBLIC": str(Path(ckan.__file__).parent / public),
        "ISSY_WEBASSETS": webassets,
        "ISSY_CACHE": str(server.directory / "cache"),
    }


def render_site(values: dict[str, str]) -> str:
    """The site template with its ``${NAME}`` placeholders replaced, as envsubst would."""
    text = SITE_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    missing = sorted(set(re.findall(r"\$\{(ISSY_[A-Z_]+)\}", text)))
    if missing:
        raise StackError(f"{SITE_TEMPLATE}: no value for {', '.join(missing)}.")
    return text


def write_nginx_config(server: WebServer) -> Path:
    run = server.directory
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "tmp" / temp).mkdir(parents=True, exist_ok=True)
    (run / "cache").mkdir(exist_ok=True)  # ISSY_CACHE: nginx makes no parent directory
    (run / "site.conf").write_text(render_site(site_values(server)))
    # As root, nginx would hand its workers to "nobody", who may not read the
    # checkout; the workers keep the caller's identity instead.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = run / "nginx.conf"
    conf.write_text(_NGINX_MAIN.format(user=user, run=run))
    return conf


def nginx_command(conf: Path) -> list[str]:
    return [nginx_program(), "-e", "stderr", "-c", str(conf)]


def check_nginx_config(conf: Path) -> None:
    result = subprocess.run([*nginx_command(conf), "-t"], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"nginx rejects {conf}:\n{result.stderr.strip()}")


def gunicorn_command(server: WebServer, workers: int | None = None) -> list[str]:
    command = [
        GUNICORN, "-c", str(GUNICORN_CONF), "--bind", f"{DEMO_HOST}:{server.upstream_port}",
        "--env", f"CKAN_INI={server.ini}",
    ]
    return command + (["--workers", str(workers)] if workers else [])


def prepare(server: WebServer) -> Path:
    """Write and check nginx's configuration of ``server``; return its path."""
    conf = write_nginx_config(server)
    check_nginx_config(conf)
    return conf


def wait_until_serving(url: str, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise StackError(f"A server of {url} stopped while starting: see its log.")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=10):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise StackError(f"{url} did not answer within {START_TIMEOUT_SECONDS} s.")


def _stop(process: subprocess.Popen) -> None:
    # nginx stops at once on SIGQUIT (graceful) or SIGTERM; gunicorn on SIGTERM.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running(server: WebServer, workers: int | None = None) -> Iterator[WebServer]:
    """gunicorn and nginx for ``server`` until the block ends; logs in its directory."""
    conf = prepare(server)
    with ExitStack() as stack:
        processes = []
        for name, command in (("gunicorn", gunicorn_command(server, workers)),
                              ("nginx", nginx_command(conf))):
            log = stack.enter_context((server.directory / f"{name}.log").open("w"))
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, process)
            processes.append(process)
        wait_until_serving(server.url, processes)
        yield server


def web_processes(port: int) -> dict[str, str]:
    """The Procfile lines of ``make production``: gunicorn, then nginx on ``port``."""
    server = WebServer("demo", demo.INI, port, free_port())
    conf = prepare(server)
    return {
        "web": shlex.join(gunicorn_command(server)),
        "nginx": shlex.join(nginx_command(conf)),
    }


def main() -> int:
    nginx_program()
    return demo.main(web=web_processes)
