"""Proven diffs: content, ratio, canonical digest, and verification against the two roots."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sm_crypto
from catalog import (
    SHA256_HASHER,
    CatalogDiff,
    CatalogInvalid,
    DiffInvalid,
    RootMismatch,
    canonicalize,
    catalog_from_document,
    change_ratio_bp,
    diff_catalogs,
    read_catalog,
    verify_diff,
)

from ._helpers import EXAMPLES, clone, document, resource

DECLARED = read_catalog(EXAMPLES / "declared.json")
ACCEPTANCE = read_catalog(EXAMPLES / "acceptance.json")
DIFF = diff_catalogs(DECLARED, ACCEPTANCE)


def _json() -> dict[str, Any]:
    return json.loads(json.dumps(DIFF.to_json(), ensure_ascii=False))


def test_example_diff_content() -> None:
    assert DIFF.added == ["301001/000029", "301002/000030"]
    assert DIFF.removed == ["301004/000016"]
    assert DIFF.changed_codes == ["301003/000003"]
    assert DIFF.changed[0]["changes"] == [
        {"path": "$.items[6]", "new": {"name": "视力", "data_type": "数值型", "length": 4}},
        {"path": "$.update_cycle", "old": "每周", "new": "每月"},
    ]
    assert DIFF.unchanged_count == 26
    assert DIFF.ratio_bp == 1429  # ceil(10000 * 4 / 28): under 15 %, the filing path
    assert DIFF.old_root == DECLARED.merkle_root and DIFF.new_root == ACCEPTANCE.merkle_root
    assert len(DIFF.to_json()["proofs"]) == 30


def test_digest_is_sm3_of_canonical_json_and_survives_a_round_trip() -> None:
    assert DIFF.digest == sm_crypto.sm3(canonicalize(DIFF.to_json()))
    again = CatalogDiff.from_json(_json())
    assert again.digest == DIFF.digest
    assert diff_catalogs(DECLARED, ACCEPTANCE).digest == DIFF.digest  # deterministic


def test_verify_diff_accepts_the_honest_diff() -> None:
    verify_diff(_json(), DECLARED.merkle_root, ACCEPTANCE.merkle_root)
    verify_diff(DIFF, DECLARED.merkle_root, ACCEPTANCE.merkle_root, old_count=28, new_count=29)
    with pytest.raises(DiffInvalid, match="new.resource_count is 29, the anchored count is 30"):
        verify_diff(DIFF, DECLARED.merkle_root, ACCEPTANCE.merkle_root, new_count=30)


def test_wrong_roots_raise_root_mismatch() -> None:
    with pytest.raises(RootMismatch, match="old root mismatch") as info:
        verify_diff(_json(), ACCEPTANCE.merkle_root, ACCEPTANCE.merkle_root)
    assert info.value.expected == ACCEPTANCE.merkle_root
    assert info.value.calculated == DECLARED.merkle_root
    with pytest.raises(RootMismatch, match="new root mismatch"):
        verify_diff(_json(), DECLARED.merkle_root, DECLARED.merkle_root)


def _entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in data["proofs"] if e["code"] == code)


def test_changed_resource_claimed_unchanged_is_caught() -> None:
    data = _json()
    data["changed"] = []
    data["counts"] = {**data["counts"], "changed": 0, "unchanged": 27}
    data["ratio_bp"] = change_ratio_bp(2, 1, 0, 28)
    with pytest.raises(DiffInvalid, match="changed does not match the proofs"):
        verify_diff(data, DECLARED.merkle_root, ACCEPTANCE.merkle_root)
    # ... and hiding the change by showing the old resource on the new side breaks its proof
    entry = _entry(data, "301003/000003")
    entry["new"]["resource"] = entry["old"]["resource"]
    with pytest.raises(DiffInvalid, match="resource 301003/000003 is not leaf 2 of the new root"):
        verify_diff(data, DECLARED.merkle_root, ACCEPTANCE.merkle_root)


def test_tampered_resource_content_breaks_its_proof() -> None:
    data = _json()
    entry = _entry(data, "301001/000001")
    entry["old"]["resource"]["name"] = "篡改"
    with pytest.raises(DiffInvalid, match="301001/000001 is not leaf 0 of the old root"):
        verify_diff(data, DECLARED.merkle_root, ACCEPTANCE.merkle_root)


def test_dropped_resource_is_caught() -> None:
    data = _json()
    data["proofs"] = [e for e in data["proofs"] if e["code"] != "301002/000002"]
    with pytest.raises(DiffInvalid, match="old: proofs cover 27 of 28 resources"):
        verify_diff(data, DECLARED.merkle_root, ACCEPTANCE.merkle_root)


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda d: d.update(ratio_bp=1400), "ratio_bp does not match"),
        (lambda d: d["added"].pop(), "added does not match"),
        (lambda d: d["removed"].append("301001/000001"), "removed does not match"),
        (lambda d: d["counts"].update(unchanged=25), "counts does not match"),
        (lambda d: d["changed"][0]["changes"].pop(), "changed does not match"),
        (lambda d: d.update(schema="x"), "schema is 'x'"),
        (lambda d: d.update(extra=1), "unknown field"),
        (
            lambda d: d["old"].update(resource_count=27),
            "audit path has 4 hashes, want 3 for leaf 26 of 27",
        ),
        (lambda d: d["proofs"][0]["old"].update(leaf_index=1), "is not leaf 1 of the old root"),
        (
            lambda d: d["proofs"][1]["old"].update(leaf_index=0),
            "leaf_index: 0 is out of range or repeated",
        ),
        (lambda d: d["proofs"][1]["old"].update(leaf_index=28), "leaf_index: 28 is out of range"),
        (lambda d: d["proofs"][0]["old"]["audit_path"].pop(), "bad proof for 301001/000001"),
        (lambda d: d["proofs"][0].update(code="301001/000002"), "its code is not 301001/000002"),
        (lambda d: d["proofs"].append(clone(d["proofs"][0])), "duplicate resource code"),
        (lambda d: d["proofs"][0].update(old=None, new=None), "in neither catalog"),
        (lambda d: d.update(algorithm="sha256"), "not leaf 0 of the old root"),
    ],
)
def test_inconsistent_diffs_are_rejected(mutate: Any, message: str) -> None:
    data = _json()
    mutate(data)
    with pytest.raises(DiffInvalid, match=message):
        verify_diff(data, DECLARED.merkle_root, ACCEPTANCE.merkle_root)


def test_change_ratio_definition() -> None:
    assert change_ratio_bp(0, 0, 0, 0) == 0
    assert change_ratio_bp(1, 0, 0, 0) == 10000  # max(|old|, 1)
    assert change_ratio_bp(0, 0, 3, 20) == 1500  # exactly 15 %
    assert change_ratio_bp(1, 0, 2, 20) == 1500
    assert change_ratio_bp(0, 0, 1, 3) == 3334  # rounded up, never down
    assert change_ratio_bp(0, 1, 0, 7) == 1429
    assert change_ratio_bp(40, 0, 0, 20) == 20000


def test_diff_of_different_projects_is_refused() -> None:
    a = catalog_from_document(document(2))
    b = catalog_from_document(document(2, project_code="BJ-2026-0002"))
    with pytest.raises(CatalogInvalid, match="catalogs of different projects"):
        diff_catalogs(a, b)


def test_sha256_diff_verifies_with_sha256_roots() -> None:
    a, b = catalog_from_document(document(3)), catalog_from_document(document(4))
    d = diff_catalogs(a, b, hasher=SHA256_HASHER)
    verify_diff(d.to_json(), a.tree_with(SHA256_HASHER).root, b.tree_with(SHA256_HASHER).root)
    with pytest.raises(DiffInvalid, match="algorithm is 'sha256', verifier uses sm3"):
        from catalog import SM3_HASHER

        verify_diff(d.to_json(), a.merkle_root, b.merkle_root, hasher=SM3_HASHER)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_random_edits_diff_and_verify(data: st.DataObject) -> None:
    old_doc = document(data.draw(st.integers(0, 12)))
    new_doc = clone(old_doc)
    new_doc["kind"] = "acceptance"
    res = new_doc["resources"]
    removed = set()
    for _ in range(data.draw(st.integers(0, 4))):
        if res and data.draw(st.booleans()):
            removed.add(res.pop(data.draw(st.integers(0, len(res) - 1)))["code"])
    changed = set()
    for r in res:
        if data.draw(st.integers(0, 3)) == 0:
            r["name"] += "（修订）"
            changed.add(r["code"])
    added = [resource(100 + k) for k in range(data.draw(st.integers(0, 3)))]
    for r in added:
        res.insert(data.draw(st.integers(0, len(res))), r)
    a, b = catalog_from_document(old_doc), catalog_from_document(new_doc)
    d = diff_catalogs(a, b)
    assert set(d.added) == {r["code"] for r in added}
    assert set(d.removed) == removed
    assert set(d.changed_codes) == changed
    n = len(added) + len(removed) + len(changed)
    assert d.ratio_bp == -(-10000 * n // max(len(old_doc["resources"]), 1))
    verify_diff(json.loads(json.dumps(d.to_json())), a.merkle_root, b.merkle_root)
