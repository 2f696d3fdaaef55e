"""Hostile request bodies get a problem (4xx), never a 500: a JSON document with a duplicate key
and a syntax error or NaN after it used to escape the catalog parser as a bare ValueError."""

from __future__ import annotations

import pytest

from .conftest import Served

pytestmark = pytest.mark.anvil

PROBLEM = "application/problem+json"
BODIES = [
    b'{"a":{"b":1,"b":2},',
    b'{"a":{"b":1,"b":2}, "c": NaN}',
    b'{"schema": "mulu.catalog/v1", "schema": "mulu.catalog/v1", "version": Infinity}',
    b'{"schema": "mulu.catalog/v1", "kind": "declared", "kind": "declared"',
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
@pytest.mark.parametrize("route", ["/v1/verify/catalog", "/v1/catalogs", "/v1/documents"])
def test_duplicate_key_then_broken_json_is_a_problem(
    served: Served, route: str, body: bytes
) -> None:
    with served.client() as c:
        r = c.post(route, content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (route, r.status_code, r.text)
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    if problem["error"] == "CatalogInvalid":
        assert r.status_code == 422 and "not JSON" in problem["detail"], problem
    else:  # a document that does not look like a catalog: not referenced by the ledger
        assert route == "/v1/documents" and problem["error"] == "NotAnchored", problem
