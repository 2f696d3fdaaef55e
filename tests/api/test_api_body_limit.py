"""The body limit holds for a chunked body (no ``Content-Length``): it used to be checked only by
the declared length, so ``POST /v1/verify/proof`` read a chunked body of any size."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from api.settings import Settings

from .conftest import Served

pytestmark = pytest.mark.anvil

PROBLEM = "application/problem+json"
LIMIT = Settings().max_body_bytes


def _chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _over_limit_proof() -> bytes:
    proof = {"proof": {"leaf_index": 0, "padding": "x" * LIMIT}, "root": "00" * 32}
    return json.dumps(proof).encode()


@pytest.mark.parametrize("route", ["/v1/verify/proof", "/v1/verify/catalog", "/v1/catalogs"])
def test_chunked_body_over_the_limit_is_413(served: Served, route: str) -> None:
    body = _over_limit_proof()
    assert len(body) > LIMIT
    with served.client() as c:
        r = c.post(route, content=_chunked(body), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("/body-too-large") and problem["status"] == 413
    assert problem["error"] == "BodyTooLarge"
    assert f"over the limit of {LIMIT} bytes" in problem["detail"]


def test_chunked_body_under_the_limit_is_read(served: Served) -> None:
    with served.client() as c:
        got = c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001/000001").json()
        body = json.dumps({"proof": got["proof"], "root": got["anchor"]["merkle_root"]}).encode()
        r = c.post(
            "/v1/verify/proof",
            content=_chunked(body, 7),
            headers={"content-type": "application/json"},
        )
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is True


def test_declared_length_over_the_limit_is_413_with_the_same_shape(served: Served) -> None:
    with served.client() as c:
        r = c.post("/v1/verify/proof", content=_over_limit_proof())
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert r.json()["error"] == "BodyTooLarge" and r.json()["type"].endswith("/body-too-large")
