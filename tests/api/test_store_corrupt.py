"""A damaged stored document (its SM3 is not its name) is the server's fault: reading it is
``StoredDocumentCorrupt`` (500 stored-document-corrupt), not the client's 422 catalog-invalid;
and a vouched-for upload of the same document repairs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sm_crypto
from api.store import DocumentStore, StoredDocumentCorrupt
from catalog import load_catalog

from .conftest import Served

PROBLEM = "application/problem+json"


class _NoLedger:
    def is_anchored(self, *args: object) -> bool:
        return True  # a catalog the ledger vouches for


def test_damaged_document_is_refused_then_repaired(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    data = "评审意见".encode() * 100
    digest = sm_crypto.sm3(data)
    stored = store.put(data, _NoLedger(), referenced=lambda d: d == digest)  # type: ignore[arg-type]
    assert stored.created and store.get(digest) == data
    stored.path.write_bytes(data[:10])  # torn by a crash
    with pytest.raises(StoredDocumentCorrupt, match=f"{stored.path.name} is corrupt"):
        store.get(digest)
    again = store.put(data, _NoLedger(), referenced=lambda d: d == digest)  # type: ignore[arg-type]
    assert again.created and again.path == stored.path
    assert store.get(digest) == data
    assert [p.name for p in tmp_path.iterdir()] == [stored.path.name]
    # intact: left alone
    assert store.put(data, _NoLedger(), referenced=lambda d: True).created is False  # type: ignore[arg-type]


def test_damaged_catalog_is_corrupt_not_invalid(tmp_path: Path) -> None:
    from tests.gates.docs import make_catalog

    cat = make_catalog("BJ-2026-0001", "declared", 1, 3)
    store = DocumentStore(tmp_path)
    stored = store.put(cat.canonical, _NoLedger())  # type: ignore[arg-type]
    assert store.get_catalog(cat.digest).digest == cat.digest
    for damage in (b"{", cat.canonical.replace(b'"declared"', b'"acceptance"'), b""):
        stored.path.write_bytes(damage)
        with pytest.raises(StoredDocumentCorrupt):
            store.get_catalog(cat.digest)
    # bytes whose SM3 is the name but are not canonical (a name the store never gives)
    spaced = json.dumps(json.loads(cat.canonical), indent=1).encode()
    odd = tmp_path / (sm_crypto.sm3(spaced).hex() + ".json")
    odd.write_bytes(spaced)
    with pytest.raises(StoredDocumentCorrupt, match="not canonical"):
        store.get_catalog(sm_crypto.sm3(spaced))
    assert store.put(cat.canonical, _NoLedger()).created is True  # type: ignore[arg-type]
    assert load_catalog(stored.path.read_bytes()).digest == cat.digest


@pytest.mark.anvil
def test_http_corrupt_stored_catalog_is_500_problem(served: Served) -> None:
    with served.client() as c:
        anchor = c.get("/v1/projects/BJ-2026-0103/catalogs").json()["anchors"][0]
        path = served.home / "documents" / f"{anchor['digest']}.json"
        original = path.read_bytes()
        try:
            path.write_bytes(original[: len(original) // 2])
            for r in (
                c.get(f"/v1/catalogs/{anchor['digest']}"),
                c.get(f"/v1/documents/{anchor['digest']}"),
            ):
                assert r.status_code == 500, r.text
                assert r.headers["content-type"] == PROBLEM
                body = r.json()
                assert body["type"].endswith("/stored-document-corrupt"), body
                assert body["error"] == "StoredDocumentCorrupt"
            # the anchored document, uploaded again, repairs it
            again = c.post(
                "/v1/catalogs", content=original, headers={"content-type": "application/json"}
            )
            assert again.status_code == 201, again.text
            assert path.read_bytes() == original
        finally:
            path.write_bytes(original)
        assert c.get(f"/v1/catalogs/{anchor['digest']}").content == original
