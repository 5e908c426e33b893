"""PostgreSQL and Redis for the demo and the tests.

Without ``ISSY_PG_ADMIN_URL`` / ``ISSY_REDIS_URL`` the stack runs a private
PostgreSQL cluster and redis-server under ``.dev/``, on loopback only and on
non-standard ports. PostgreSQL refuses to run as root, so when we are root the
cluster belongs to the ``postgres`` system user, in a directory it owns.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from devstack import secrets_store
from devstack.errors import StackError
from devstack.settings import (
    DEV,
    ENV_PG_ADMIN_URL,
    ENV_REDIS_URL,
    PRIVATE_PG_PORT,
    PRIVATE_REDIS_PORT,
)

REDIS_DIR = DEV / "redis"


# Runs of `make demo` / `make test` that use the private services register
# here (one file per process id); a service started by such a run carries an
# "auto" marker and is stopped by the last run to leave. Services started by
# `make services-up` carry no marker and keep running.
USERS_DIR = DEV / "service-users"
AUTO_DIR = DEV / "service-auto"
# Runs that start at the same moment (CI tests both CKAN versions at once)
# take turns to start, count and stop the services.
LOCK_FILE = DEV / "services.lock"


@contextlib.contextmanager
def _services_lock() -> Iterator[None]:
    DEV.mkdir(exist_ok=True)
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Stack:
    """Where PostgreSQL and Redis are for this run."""

    pg_admin_url: str
    redis_url: str

    def release(self) -> None:
        """Leave the stack: the last run to leave stops what runs started."""
        with _services_lock():
            self._leave()

    def _leave(self) -> None:
        (USERS_DIR / str(os.getpid())).unlink(missing_ok=True)
        if any(_alive(int(user.name)) for user in USERS_DIR.glob("[0-9]*")):
            return
        for service in _private_services():
            marker = AUTO_DIR / service.name
            if marker.exists():
                service.stop()
                marker.unlink()


class PrivateService:
    name: str

    def is_running(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def ensure_running(self, automatic: bool) -> None:
        if not self.is_running():
            self.start()
            if automatic:
                AUTO_DIR.mkdir(parents=True, exist_ok=True)
                (AUTO_DIR / self.name).touch()


def _run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise StackError(f"{what} failed: " + " / ".join(detail))
    return result


def _require(program: str, package: str) -> str:
    path = shutil.which(program)
    if not path:
        raise StackError(
            f"{program} is not installed. On Debian: apt-get install {package} "
            "(make demo and make test do it when run as root)."
        )
    return path


class PrivatePostgres(PrivateService):
    name = "PostgreSQL"

    def __init__(self, superuser_password: str) -> None:
        self.home = self._home()
        self.data = self.home / "data"
        self.sockets = self.home / "run"
        self.log = self.home / "server.log"
        self.password = superuser_password
        self.bindir = self._find_bindir()

    @staticmethod
    def _find_bindir() -> Path:
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        )
        if candidates:
            return candidates[-1].parent
        initdb = shutil.which("initdb")
        if initdb:
            return Path(initdb).parent
        raise StackError(
            "PostgreSQL server programs (initdb, pg_ctl) are not installed. On Debian: "
            f"apt-get install postgresql, or set {ENV_PG_ADMIN_URL} to use a running server."
        )

    @classmethod
    def _home(cls) -> Path:
        """``.dev/postgresql``, unless the postgres user cannot reach the checkout
        (e.g. a clone inside a private temporary directory): then a directory of
        its own in the system's temporary directory, named after the checkout."""
        DEV.mkdir(exist_ok=True)
        reachable = subprocess.run(cls._as_owner(["test", "-x", str(DEV)])).returncode == 0
        if reachable:
            return DEV / "postgresql"
        tag = hashlib.sha256(str(DEV).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"issy-postgresql-{tag}"

    @staticmethod
    def _as_owner(cmd: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *cmd]
        return cmd

    def _pg_ctl(self, *args: str) -> list[str]:
        return self._as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args])

    def _prepare_directories(self) -> None:
        for path in (self.home, self.sockets):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")

    def _initdb(self) -> None:
        pwfile = self.home / "superuser-password"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            _run(
                self._as_owner([
                    str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                    "--auth=scram-sha-256", f"--pwfile={pwfile}",
                    "--encoding=UTF8", "--locale=C.UTF-8",
                ]),
                "initdb of the private PostgreSQL cluster",
            )
        finally:
            pwfile.unlink()

    def is_running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        return subprocess.run(self._pg_ctl("status"), capture_output=True).returncode == 0

    def start(self) -> None:
        self._prepare_directories()
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        options = (
            f"-p {PRIVATE_PG_PORT} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.sockets} -c fsync=off"
        )
        _run(
            self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start"),
            f"Starting the private PostgreSQL on 127.0.0.1:{PRIVATE_PG_PORT} (log: {self.log})",
        )

    def stop(self) -> None:
        subprocess.run(self._pg_ctl("-m", "fast", "-w", "stop"), capture_output=True)

    def admin_url(self) -> str:
        return (
            f"postgresql://postgres:{quote(self.password, safe='')}"
            f"@127.0.0.1:{PRIVATE_PG_PORT}/postgres"
        )


class PrivateRedis(PrivateService):
    name = "Redis"

    def __init__(self) -> None:
        self.pidfile = REDIS_DIR / "redis.pid"
        self.server = _require("redis-server", "redis-server")

    def _ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=PRIVATE_REDIS_PORT, socket_connect_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def is_running(self) -> bool:
        return self._ping()

    def start(self) -> None:
        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        _run(
            [
                self.server, "--port", str(PRIVATE_REDIS_PORT), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--dir", str(REDIS_DIR),
                "--pidfile", str(self.pidfile), "--logfile", str(REDIS_DIR / "redis.log"),
                "--save", "", "--appendonly", "no",
            ],
            f"Starting the private Redis on 127.0.0.1:{PRIVATE_REDIS_PORT}",
        )
        deadline = time.monotonic() + 15
        while not self._ping():
            if time.monotonic() > deadline:
                raise StackError(
                    f"The private Redis did not answer on 127.0.0.1:{PRIVATE_REDIS_PORT} "
                    f"(log: {REDIS_DIR / 'redis.log'})."
                )
            time.sleep(0.1)

    def stop(self) -> None:
        import redis

        try:
            redis.Redis(port=PRIVATE_REDIS_PORT).shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass  # shutdown closes the connection before answering


def _private_services() -> list[PrivateService]:
    return [PrivateRedis(), PrivatePostgres(secrets_store.load()["pg_superuser"])]


def bring_up(automatic: bool = True) -> Stack:
    """Resolve where PostgreSQL and Redis are, starting private ones if needed.

    ``automatic`` runs (demo, tests) register as users of the private services
    and must call ``Stack.release()`` when they end."""
    with _services_lock():
        return _bring_up(automatic)


def _bring_up(automatic: bool) -> Stack:
    secrets = secrets_store.load()
    stack = Stack(
        pg_admin_url=os.environ.get(ENV_PG_ADMIN_URL, ""),
        redis_url=os.environ.get(ENV_REDIS_URL, ""),
    )
    if automatic:
        USERS_DIR.mkdir(parents=True, exist_ok=True)
        (USERS_DIR / str(os.getpid())).touch()
    try:
        if not stack.pg_admin_url:
            postgres = PrivatePostgres(secrets["pg_superuser"])
            postgres.ensure_running(automatic)
            stack.pg_admin_url = postgres.admin_url()
        if not stack.redis_url:
            PrivateRedis().ensure_running(automatic)
            stack.redis_url = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}"
    except BaseException:
        if automatic:
            stack._leave()
        raise
    return stack


def stop_private() -> None:
    """Stop the private services, whoever started them."""
    with _services_lock():
        for service in _private_services():
            if service.is_running():
                service.stop()
            (AUTO_DIR / service.name).unlink(missing_ok=True)
