"""The API over HTTP (httpx) against a real uvicorn, a real anvil and the demo scenario."""

from __future__ import annotations

import json
import time

import pytest

from api.store import DocumentStore
from catalog import ProofInvalid, load_catalog, root_from_inclusion_proof

from .conftest import Served, mulu

pytestmark = pytest.mark.anvil

PROBLEM = "application/problem+json"


def _implies(index: int, size: int, leaf_hash: bytes, path: list[bytes], root: bytes) -> bool:
    """Does ``path`` lead from ``leaf_hash`` as leaf ``index`` of ``size`` to ``root``?"""
    try:
        return root_from_inclusion_proof(index, size, leaf_hash, path) == root
    except ProofInvalid:  # a path of another length
        return False


def _stored_catalog(served: Served, digest: str) -> bytes:
    return (served.home / "documents" / f"{digest}.json").read_bytes()


def test_health_and_lists(served: Served) -> None:
    with served.client() as c:
        health = c.get("/health").json()
        assert health["chain"]["reachable"] and health["index"]["lag"] == 0
        body = c.get("/v1/projects").json()
        assert body["as_of"]["block_number"] == health["index"]["block_number"]
        states = {p["state"]["key"] for p in body["projects"]}
        assert {"RESERVE", "UNDER_REVIEW", "APPROVED", "UNDER_CONSTRUCTION", "TERMINATED"} <= states
        overdue = c.get("/v1/projects", params={"overdue": "true"}).json()["projects"]
        assert [p["code"] for p in overdue] == ["BJ-2026-0101"]
        assert overdue[0]["overdue"] == ["progress_report"]
        reserve = c.get("/v1/projects", params={"state": "reserve"}).json()["projects"]
        assert reserve and all(p["state"]["zh"] == "储备" for p in reserve)
        unit = reserve[0]["unit"]
        mine = c.get("/v1/projects", params={"unit": unit}).json()["projects"]
        assert mine and all(p["unit"] == unit for p in mine)
        members = c.get("/v1/members").json()["members"]
        assert len(members) == 9 and all(
            m["keys"] and m["keys"][0]["valid_until_block"] is None for m in members
        )
        due = c.get("/v1/deadlines", params={"within_days": 400}).json()["items"]
        kinds = {(i["project_code"], i["kind"]) for i in due}
        assert ("BJ-2026-0101", "progress_report") in kinds
        assert any(i["overdue"] for i in due if i["project_code"] == "BJ-2026-0101")


def test_project_attested(served: Served) -> None:
    with served.client() as c:
        p = c.get("/v1/projects/BJ-2026-0101").json()
        assert p["state"] == {"key": "UNDER_CONSTRUCTION", "zh": "在建"}
        assert p["name"] == "北京市智慧教育数据平台建设项目"
        att = p["attestation"]
        assert att["block_hash"].startswith("0x") and len(att["block_hash"]) == 66
        facts = {f["fact"] for f in att["facts"]}
        assert {
            "project_created",
            "review_passed",
            "construction_started",
            "catalog_anchored:declared:v1",
        } <= facts
        assert all(len(f["tx_hash"]) == 66 for f in att["facts"])
        assert p["anchors"][0]["stored"] is True
        history = c.get("/v1/projects/BJ-2026-0101/history").json()["events"]
        assert [e["event"] for e in history][0] == "ProjectCreated"
        cats = c.get("/v1/projects/BJ-2026-0105/catalogs").json()["anchors"]
        assert {a["kind"] for a in cats} == {"declared", "acceptance"}


def test_project_blocked_at_several_gates(served: Served) -> None:
    """The demo's BJ-2026-0105 has 入云 and 对接 confirmed (and 上链, which its anchor gives): its
    page names the two missing steps (with several missing, the service's gate path used to raise
    TypeError: a 500 here)."""
    with served.client() as c:
        r = c.get("/v1/projects/BJ-2026-0105")
        assert r.status_code == 200, r.text
        gates = r.json()["gates"]
        count = gates["resource_count"]
        assert count > 0
        complete = {k for k, v in gates["steps"].items() if v["confirmed"] == count}
        assert complete == {"cloud", "chain", "interface"}
        assert gates["acceptance"]["ready"] is False
        blockers = gates["acceptance"]["blockers"]
        for step in ("update", "ownership"):
            assert any(f" {step}: " in b for b in blockers), (step, blockers)


def test_proof_round_trip_and_diff(served: Served) -> None:
    with served.client() as c:
        r = c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001/000001")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["resource"]["code"] == "301001/000001"
        ok = c.post(
            "/v1/verify/proof",
            json={
                "proof": body["proof"],
                "project_code": "BJ-2026-0102",
                "kind": "declared",
                "version": 1,
            },
        )
        assert ok.json()["valid"] is True
        # strict, as the CLI's reader: a string or a boolean is not an index
        for loose in (str(body["proof"]["leaf_index"]), True):
            refused = c.post(
                "/v1/verify/proof",
                json={"proof": dict(body["proof"], leaf_index=loose), "root": "00" * 32},
            )
            assert refused.status_code == 422, (loose, refused.text)
        # the same path read as another (leaf, size) that combines the same way: only the
        # anchored resource count tells it from the real one (valid against the bare root)
        real = (body["proof"]["leaf_index"], body["proof"]["tree_size"])
        leaf_hash = bytes.fromhex(body["proof"]["leaf_hash"])
        path = [bytes.fromhex(h) for h in body["proof"]["audit_path"]]
        root = bytes.fromhex(body["anchor"]["merkle_root"])
        alias = next(
            (i, n)
            for n in range(1, 4 * real[1])
            for i in range(n)
            if (i, n) != real and _implies(i, n, leaf_hash, path, root)
        )
        moved = dict(body["proof"], leaf_index=alias[0], tree_size=alias[1])
        anchored = c.post(
            "/v1/verify/proof",
            json={"proof": moved, "project_code": "BJ-2026-0102", "kind": "declared", "version": 1},
        ).json()
        assert anchored["valid"] is False, (real, alias, anchored)
        assert f"want {real[1]}" in anchored["error"], anchored
        bare = c.post("/v1/verify/proof", json={"proof": moved, "root": root.hex()}).json()
        assert bare["valid"] is True, bare  # a bare root cannot tell: documented
        forged = dict(body["proof"], leaf_index=body["proof"]["leaf_index"] + 1)
        bad = c.post(
            "/v1/verify/proof", json={"proof": forged, "root": body["anchor"]["merkle_root"]}
        ).json()
        assert bad["valid"] is False and bad["error"]
        diff = c.get("/v1/projects/BJ-2026-0105/diff")
        assert diff.status_code == 200, diff.text
        assert diff.json()["verified"] is True and diff.json()["ratio_bp"] >= 0


def test_upload_and_tampered_verify(served: Served) -> None:
    with served.client() as c:
        anchor = c.get("/v1/projects/BJ-2026-0103/catalogs").json()["anchors"][0]
        original = _stored_catalog(served, anchor["digest"])
        again = c.post(
            "/v1/catalogs", content=original, headers={"content-type": "application/json"}
        )
        assert again.status_code == 200 and again.json()["created"] is False
        got = c.get(f"/v1/catalogs/{anchor['digest']}")
        assert got.content == original
        report = c.post("/v1/verify/catalog", content=original).json()
        assert report["anchored"] is True and report["mismatches"] == []

        doc = json.loads(original)
        doc["resources"][2]["name"] = doc["resources"][2]["name"] + "（篡改）"
        tampered = json.dumps(doc, ensure_ascii=False).encode()
        report = c.post("/v1/verify/catalog", content=tampered).json()
        assert report["anchored"] is False
        changed = doc["resources"][2]["code"]
        assert report["changed_resources"] == [changed]
        assert any(m.startswith("merkle_root differs") for m in report["mismatches"])
        assert any(changed in m for m in report["mismatches"])
        refused = c.post("/v1/catalogs", content=tampered)
        assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
        assert refused.json()["error"] == "NotAnchored"
        # never overwritten
        assert (
            load_catalog(_stored_catalog(served, anchor["digest"])).digest.hex() == anchor["digest"]
        )


def test_document_upload_needs_a_reference(served: Served) -> None:
    store = DocumentStore(served.home / "documents")
    with served.client() as c:
        r = c.post(
            "/v1/documents",
            content=b"an opinion nobody anchored",
            headers={"content-type": "application/octet-stream"},
        )
        assert r.status_code == 409 and r.json()["error"] == "NotAnchored"
        opinion = next(p for p in store.directory.glob("*.txt"))
        ok = c.post(
            "/v1/documents",
            content=opinion.read_bytes(),
            headers={"content-type": "application/octet-stream"},
        )
        assert ok.status_code == 200 and ok.json()["created"] is False


def test_bad_input_is_problem_4xx(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    with served.client() as c:
        cases = [
            c.get("/v1/projects/NO-SUCH"),
            c.get("/v1/projects/%20bad%20code"),
            c.get("/v1/catalogs/zz"),
            c.get("/v1/catalogs/" + "00" * 32),
            c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/999999/000000"),
            c.post("/v1/verify/catalog", content=b"{not json"),
            c.post("/v1/verify/catalog", content=b'{"schema": "mulu.catalog/v1"}'),
            c.post("/v1/verify/proof", json={"proof": {"leaf_index": -1}, "root": "00" * 32}),
            c.post("/v1/verify/proof", json={"proof": {}}),
            c.get("/v1/deadlines", params={"within_days": -1}),
            c.post("/v1/catalogs", content=b"x" * (5 * 1024 * 1024)),
        ]
        for r in cases:
            assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text)
            assert r.headers["content-type"] == PROBLEM, r.request.url
            assert {"type", "title", "status", "detail"} <= set(r.json())
        assert cases[0].status_code == 404 and cases[-1].status_code == 413
        # a well-formed resource code the anchored catalog does not have: not found
        absent = c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001/999999")
        assert absent.status_code == 404 and absent.headers["content-type"] == PROBLEM


def test_codes_with_slash(served: Served) -> None:
    """Resource codes are ``101001/000001`` and a project code may contain '/' too: both work in
    paths as they are and percent-encoded (%2F)."""
    code = "BJ/2026/0188"
    mulu(served.home, "project", "create", code, "--name", "斜杠编码项目", "--unit", "unit1")
    served.wait_indexed()
    with served.client() as c:
        raw = c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001/000001")
        encoded = c.get("/v1/projects/BJ-2026-0102/catalogs/declared/1/proof/301001%2F000001")
        assert raw.status_code == encoded.status_code == 200, encoded.text
        assert encoded.json() == raw.json() and raw.json()["resource_code"] == "301001/000001"

        for path in (code, code.replace("/", "%2F")):
            page = c.get(f"/v1/projects/{path}")
            assert page.status_code == 200, (path, page.text)
            assert page.json()["code"] == code and page.json()["name"] == "斜杠编码项目"
            history = c.get(f"/v1/projects/{path}/history")
            assert history.status_code == 200, (path, history.text)
            assert [e["event"] for e in history.json()["events"]] == ["ProjectCreated"]
            catalogs = c.get(f"/v1/projects/{path}/catalogs")
            assert catalogs.status_code == 200 and catalogs.json()["anchors"] == []
            assert c.get(f"/v1/projects/{path}/diff").status_code == 404
        assert code in {p["code"] for p in c.get("/v1/projects").json()["projects"]}
        missing = c.get("/v1/projects/BJ/2026/0189")
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_chain_stopped_then_recovers(served: Served) -> None:
    """Last in this module: the node goes away, the API says 503, the node returns, no restart."""
    port = served.node.info().port
    served.node.stop()
    try:
        with served.client() as c:
            deadline = time.monotonic() + 10
            while True:
                r = c.get("/v1/projects/BJ-2026-0101")
                if r.status_code == 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert r.status_code == 503 and r.headers["retry-after"] == "2"
            assert r.headers["content-type"] == PROBLEM and r.json()["error"] == "ChainUnavailable"
            assert c.get("/v1/projects").status_code == 503
            h = c.get("/health")
            assert h.status_code == 503 and h.json()["chain"]["reachable"] is False
    finally:
        info = served.node.start(port=port)
        assert info.port == port
    with served.client() as c:
        deadline = time.monotonic() + 15
        while c.get("/v1/projects/BJ-2026-0101").status_code != 200:
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(0.3)
    served.wait_indexed()
