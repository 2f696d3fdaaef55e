"""A served world for the API tests: its own anvil node (so a test can stop it), a bootstrapped
ledger seeded by ``mulu demo``, and the app served by a real uvicorn on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from chain_client.node import LocalNode, free_port
from tests.clirun import mulu
from tests.postgres import PostgresServer


@dataclass
class Served:
    home: Path
    node: LocalNode
    url: str
    server: uvicorn.Server

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def wait_indexed(self, timeout: float = 30) -> dict:
        """Wait until the index has caught up with the head (lag 0)."""
        deadline = time.monotonic() + timeout
        with self.client() as c:
            while True:
                r = c.get("/health")
                body = r.json()
                if r.status_code == 200 and body["index"]["lag"] == 0:
                    return body
                if time.monotonic() > deadline:
                    raise AssertionError(f"index did not catch up: {body}")
                time.sleep(0.1)


def serve(settings: Settings) -> tuple[uvicorn.Server, str, threading.Thread]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}", thread


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("api-home")
    node = LocalNode(home)
    node.start()
    try:
        mulu(home, "dev", "bootstrap")
        mulu(home, "demo")
        settings = Settings(home=home, poll_interval=0.2, retry_after=2)
        server, url, thread = serve(settings)
        world = Served(home, node, url, server)
        world.wait_indexed()
        yield world
        server.should_exit = True
        thread.join(10)
    finally:
        node.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (pgserver's binaries) in a temporary directory, for the session."""
    reason = PostgresServer.unavailable()
    if reason:
        pytest.skip(reason)
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty index database: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.database()
    try:
        yield url
    finally:
        server.drop(url)
