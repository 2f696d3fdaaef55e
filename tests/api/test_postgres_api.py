"""The API served from an index on a real PostgreSQL (``MULU_DATABASE_URL``): a second uvicorn
over the same home and chain as the SQLite-backed ``served`` app answers the same reads."""

from __future__ import annotations

import httpx
import pytest

from api.routers import projects
from api.settings import Settings

from .conftest import Served, serve

pytestmark = pytest.mark.anvil

READS = [
    "/v1/projects",
    "/v1/projects?state=UNDER_CONSTRUCTION&overdue=true",
    "/v1/projects/BJ-2026-0101",
    "/v1/projects/BJ-2026-0101/history",
    "/v1/projects/BJ-2026-0105/catalogs",
    "/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001/000001",
    "/v1/projects/BJ-2026-0105/diff",
    "/v1/members",
    "/v1/deadlines?within_days=400",
]


def test_api_reads_from_postgres(served: Served, postgres) -> None:
    url = postgres.database()
    # as an operator writes it (no driver): the index picks psycopg 3
    bare = url.replace("postgresql+psycopg://", "postgresql://", 1)
    settings = Settings(home=served.home, database_url=bare, poll_interval=0.2)
    server, base, thread = serve(settings)
    pg = Served(served.home, served.node, base, server)
    try:
        pg.wait_indexed()
        served.wait_indexed()
        # a project's page is cached in-process by (code, block hash): drop it, so this app's
        # answers come from its own (PostgreSQL) index
        cache = getattr(projects, "_PAGE_CACHE", None)
        if cache is not None:
            cache.clear()
        with httpx.Client(base_url=served.url, timeout=30) as lite, pg.client() as c:
            health = c.get("/health").json()
            assert health["index"]["lag"] == 0 and health["index"]["running"], health
            for path in READS:
                got, want = c.get(path), lite.get(path)
                assert got.status_code == 200, (path, got.text)
                assert got.json() == want.json(), path
            assert c.get("/v1/projects/NO-SUCH-0001").status_code == 404
    finally:
        server.should_exit = True
        thread.join(10)
        postgres.drop(url)
