"""``make demo``: the themed portal with sample data at http://127.0.0.1:5000.

Brings up PostgreSQL and Redis, writes ``.dev/demo.ini``, initialises the
databases and a sysadmin, then runs every process of a portal under honcho
until Ctrl-C. A second start reuses everything and skips the initialisation
unless CKAN, a plugin or a migration changed.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import signal
import subprocess
import sys
from collections.abc import Callable

from devstack import ckan_cli, parking_simulator, preflight, sample_data, secrets_store, services, siteconfig
from devstack.database import ensure_site_databases
from devstack.errors import StackError
from devstack.settings import (
    DEMO_DATABASES, DEMO_HOST, DEV, REDIS_DB_DEMO, ROOT, SAMPLE_FEEDS_HOST, SAMPLE_FEEDS_PORT, demo_port,
)

INI = DEV / "demo.ini"
PROCFILE = DEV / "Procfile"
INIT_STAMP = DEV / "demo-initialised"
ADMIN_NAME = "admin"
ADMIN_EMAIL = "admin@example.org"


def _settings(urls: dict[str, str], redis_base: str, port: int) -> dict[str, str]:
    return {
        **urls,
        "ckan.redis.url": siteconfig.redis_url(redis_base, REDIS_DB_DEMO),
        "ckan.site_url": f"http://{DEMO_HOST}:{port}",
        "ckan.site_title": "Issy-les-Moulineaux – données ouvertes (démonstration)",
        "ckan.plugins": siteconfig.PLUGINS,
        "ckan.locale_default": "fr",
        "ckan.locales_offered": "fr en",
        "ckan.display_timezone": "Europe/Paris",
        "ckan.storage_path": str(DEV / "storage"),
        "ckan.harvest.mq.type": "redis",
        "ckan.tracking_enabled": "true",
        # A resource's views in this order: the financial report first for a
        # budget table, the election results for an election's results table
        # (each shows only there), then CKAN's defaults.
        "ckan.views.default_views": "issy_budget_view issy_elections_view image_view datatables_view",
        "ckanext.issy.demo_banner": "true",
        "ckanext.issy.harvest.allowed_hosts": f"{SAMPLE_FEEDS_HOST}:{SAMPLE_FEEDS_PORT} "
                                              f"{parking_simulator.HOST}:{parking_simulator.PORT}",
        # The catalogue data.gouv.fr harvests (docs/datagouv.md); paging links start with base_uri.
        "ckanext.dcat.rdf.profiles": "issy_dcat_ap_fr",
        "ckanext.dcat.base_uri": f"http://{DEMO_HOST}:{port}",
        "ckanext.dcat.datasets_per_page": "100",
        "ckanext.dcat.enable_content_negotiation": "false",
        # Maps draw the commune's outline (a sample dataset) and no base map:
        # ckanext.issy.map.tile_url stays unset, the demo reaches no outside host.
        "ckanext.issy.map.boundary": sample_data.BOUNDARY["name"],
        "debug": "false",
    }


def write_config(urls: dict[str, str], redis_base: str, port: int) -> None:
    if not INI.exists():
        # CKAN's own generator writes the secrets (session, JWT) once.
        ckan_cli.run("generate", "config", str(INI))
    siteconfig.apply(INI, _settings(urls, redis_base, port))


def _fingerprint() -> str:
    """What the initialisation depends on: installed versions, plugins, migrations."""
    digest = hashlib.sha256()
    for dist in ("ckan", "ckanext-harvest", "ckanext-dcat", "ckanext-spatial", "ckanext-issy"):
        digest.update(f"{dist}={importlib.metadata.version(dist)};".encode())
    digest.update(siteconfig.current(INI).get("ckan.plugins", "").encode())
    for path in sorted((ROOT / "ckanext").glob("**/migration/**/*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def initialise(admin_url: str, secrets: dict[str, str]) -> None:
    fingerprint = _fingerprint()
    if INIT_STAMP.exists() and INIT_STAMP.read_text() == fingerprint:
        return
    print("Initialising the demo databases (first start or after an upgrade)...", flush=True)
    ckan_cli.prepare_site(INI, admin_url)
    _ensure_sysadmin(secrets["admin"])
    _load_sample_data()
    # After an upgrade, what is indexed may have changed (e.g. the link of
    # harvested datasets to their source): a few datasets, a few seconds.
    ckan_cli.run("search-index", "rebuild", ini=INI)
    INIT_STAMP.write_text(fingerprint)


def _ensure_sysadmin(password: str) -> None:
    listing = ckan_cli.run("user", "list", ini=INI)
    if f"name={ADMIN_NAME}" not in listing.replace(" ", ""):
        ckan_cli.run(
            "user", "add", ADMIN_NAME, f"email={ADMIN_EMAIL}", f"password={password}",
            "fullname=Administrateur de démonstration", ini=INI,
        )
    ckan_cli.run("sysadmin", "add", ADMIN_NAME, ini=INI)


def _load_sample_data() -> None:
    """In a process of its own: it loads the whole CKAN application."""
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "sample-data", str(INI), ADMIN_NAME],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise StackError("Loading the sample data failed:\n" + result.stderr[-2000:])


def web_process(port: int) -> dict[str, str]:
    """The demo's web process: CKAN's development server."""
    return {"web": f"{ckan_cli.CKAN} -c {INI} run --host {DEMO_HOST} --port {port} --disable-reloader"}


def write_procfile(web: dict[str, str]) -> None:
    """The web process(es), then the background processes of a portal."""
    ckan = f"{ckan_cli.CKAN} -c {INI}"
    processes = {
        **web,
        "gather": f"{ckan} harvester gather-consumer",
        "fetch": f"{ckan} harvester fetch-consumer",
        "worker": f"{ckan} jobs worker",
        "periodic": f"{sys.executable} -m devstack periodic {INI}",
        "samples": f"{sys.executable} -m devstack sample-feeds",
        "parkingfeeds": f"{sys.executable} -m devstack parking-simulator",
        "poller": f"{ckan} issy parking poll",
    }
    PROCFILE.write_text("".join(f"{name}: {command}\n" for name, command in processes.items()))


def serve() -> int:
    """Run the Procfile until Ctrl-C; honcho stops every process it started.

    Ctrl-C reaches honcho directly (same terminal process group); a SIGTERM or
    SIGHUP sent to this process only (a service manager, a closed terminal) is
    passed on to honcho so that nothing is left running."""
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "--procfile", str(PROCFILE), "--app-root",
         str(ROOT), "start"],
    )
    forward = lambda *_: honcho.send_signal(signal.SIGTERM)  # noqa: E731
    handlers = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        status = honcho.wait()
        # Ctrl-C is how the demo is meant to stop, not a failure.
        return 0 if status in (0, 130, -signal.SIGINT, -signal.SIGTERM) else status
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def prepare(port: int) -> tuple[services.Stack, dict[str, str]]:
    """Services, databases, configuration (site URL on ``port``) and sample
    data of the demo. The caller releases the returned stack."""
    stack = services.bring_up()
    try:
        preflight.check_postgres(stack.pg_admin_url)
        preflight.check_redis(stack.redis_url)
        secrets = secrets_store.load()
        urls = ensure_site_databases(stack.pg_admin_url, DEMO_DATABASES, secrets)
        write_config(urls, stack.redis_url, port)
        initialise(stack.pg_admin_url, secrets)
    except BaseException:
        stack.release()
        raise
    return stack, secrets


def main(web: Callable[[int], dict[str, str]] = web_process) -> int:
    """Run the portal; ``web`` gives its web process(es) for the port
    (``make production`` passes nginx and gunicorn)."""
    port = demo_port()
    preflight.check_port_free(DEMO_HOST, port)
    stack, secrets = prepare(port)
    try:
        write_procfile(web(port))
        print(
            f"\nPortail de démonstration : http://{DEMO_HOST}:{port}/\n"
            f"Administrateur : {ADMIN_NAME} / {secrets['admin']}\n"
            f"Configuration : {INI}\nCtrl-C arrête tout.\n",
            flush=True,
        )
        status = serve()
        print("Portail arrêté.", flush=True)
        return status
    finally:
        stack.release()
