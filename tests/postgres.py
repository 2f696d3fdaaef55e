"""A throw-away PostgreSQL server for the tests, from the binaries of the ``pgserver`` wheel (PyPI).

``pgserver.get_server()`` is not used: as root it runs ``useradd pgserver`` and widens the
permissions of every parent directory of its data directory and of its binaries, and it keeps a
lock file and a pid list in the user's runtime directory. The tests need less: ``initdb`` and
``postgres`` on a fresh temporary directory, listening on a Unix socket inside it only (no TCP
port, so parallel workers never collide), stopped (by its pid) and deleted at the end.

PostgreSQL refuses to run as root. As root the server runs as an existing unprivileged account
(``nobody``, or ``MULU_TEST_PG_USER``) that owns the temporary directory; the binaries in the
virtualenv must be readable by it (a pip install with umask 022 is). As any other user it runs
as that user.

``MULU_TEST_DATABASE_URL`` (a SQLAlchemy URL of a database whose user may create databases):
use that server instead of starting one.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["PostgresServer"]


def _bindir() -> Path:
    """The wheel's PostgreSQL binaries (found, not imported: importing ``pgserver`` sets up its
    runtime-directory lock)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pgserver is not installed: make setup (the dev extra) installs it")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class PostgresServer:
    """One server; :meth:`database` gives a fresh, empty database (URL) for one test."""

    def __init__(self) -> None:
        self.external = os.environ.get("MULU_TEST_DATABASE_URL")
        self.dir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}

    @staticmethod
    def unavailable() -> str | None:
        """Why no server can be had here (None: one can)."""
        if os.environ.get("MULU_TEST_DATABASE_URL"):
            return None
        if os.name != "posix":
            return "the test server needs a Unix socket: set MULU_TEST_DATABASE_URL"
        if importlib.util.find_spec("pgserver") is None:
            return (
                "pgserver is not installed (no wheel for this Python?): set MULU_TEST_DATABASE_URL"
            )
        return None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        if self.external:
            return self
        bindir = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="mulu-pg-"))  # short: socket paths max ~107 bytes
        if os.geteuid() == 0:
            import pwd

            account = pwd.getpwnam(os.environ.get("MULU_TEST_PG_USER", "nobody"))
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        data = self.dir / "data"
        init = subprocess.run(
            [
                str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync",
            ],
            capture_output=True, text=True, **self._as,
        )  # fmt: skip
        if init.returncode != 0:
            self.stop()
            raise RuntimeError(
                f"initdb failed ({init.returncode}){' as ' + str(self._as) if self._as else ''}: "
                f"{init.stderr.strip() or init.stdout.strip()}"
            )
        log = open(self.dir / "postgres.log", "wb")  # noqa: SIM115 (kept open by the server)
        self.process = subprocess.Popen(
            [
                str(bindir / "postgres"), "-D", str(data), "-k", str(self.dir), "-h", "",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self._as,
        )  # fmt: skip
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        import psycopg

        assert self.process is not None and self.dir is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self._conninfo("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.dir / "postgres.log").read_text(errors="replace")
                    self.stop()
                    raise RuntimeError(f"postgres did not start:\n{log[-2000:]}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: ends the sessions
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- databases ----------------------------------------------------------------------------

    def _conninfo(self, database: str) -> str:
        assert self.dir is not None
        return f"host={self.dir} user=postgres dbname={database}"

    def _admin(self) -> Any:
        import psycopg
        from sqlalchemy.engine import make_url

        if self.external:
            url = make_url(self.external).set(drivername="postgresql")
            return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        return psycopg.connect(self._conninfo("postgres"), autocommit=True)

    def database(self) -> str:
        """A new empty database; its SQLAlchemy URL (driver psycopg 3)."""
        name = "mulu_test_" + secrets.token_hex(6)
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        if self.external:
            from sqlalchemy.engine import make_url

            url = make_url(self.external).set(drivername="postgresql+psycopg", database=name)
            return url.render_as_string(hide_password=False)
        return f"postgresql+psycopg://postgres@/{name}?host={self.dir}"

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
