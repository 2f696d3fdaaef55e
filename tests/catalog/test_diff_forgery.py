"""Adversarial diffs and proofs: forgeries against the two genuine roots must be refused.

The attacker holds the genuine catalogs (so every leaf and audit path) and writes any diff JSON
or proof JSON; the verifier holds only the anchored roots. Attempts already covered by
``test_diff.py`` / ``test_merkle.py`` are not repeated here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog import (
    SHA256_HASHER,
    DiffInvalid,
    InclusionProof,
    ProofInvalid,
    RootMismatch,
    canonicalize,
    catalog_from_document,
    diff_catalogs,
    read_catalog,
    verify_diff,
    verify_inclusion,
)
from catalog._diff import _body

from ._helpers import EXAMPLES, document

DECLARED = read_catalog(EXAMPLES / "declared.json")
ACCEPTANCE = read_catalog(EXAMPLES / "acceptance.json")
OLD, NEW = DECLARED.merkle_root, ACCEPTANCE.merkle_root
HONEST = diff_catalogs(DECLARED, ACCEPTANCE)
CHANGED = "301003/000003"  # the one changed resource of the example diff


def _json() -> dict[str, Any]:
    return json.loads(json.dumps(HONEST.to_json(), ensure_ascii=False))


def _consistent(data: dict[str, Any]) -> dict[str, Any]:
    """Make the summary (added/removed/changed/counts/ratio) agree with the forged proofs, as a
    careful forger would, so only the proofs themselves can give the forgery away."""
    data.update(
        _body(data["project_code"], data["algorithm"], data["old"], data["new"], data["proofs"])
    )
    return data


def _entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in data["proofs"] if e["code"] == code)


# --- the tree size is bound to the root: an "empty" side needs the empty tree's root ---------


def _empty_side(data: dict[str, Any], name: str) -> None:
    other = "new" if name == "old" else "old"
    data[name]["resource_count"] = 0
    data["proofs"] = [{**e, name: None} for e in data["proofs"] if e[other] is not None]


@pytest.mark.parametrize("sides", [("old", "new"), ("new",), ("old",)])
def test_a_genuine_root_claimed_empty_is_refused(sides: tuple[str, ...]) -> None:
    """Leaving out every proof of a side and calling it empty covers "all" its leaves: claimed
    empty on both sides the diff reads "nothing changed, 0 bp"; an empty new side reads
    "everything removed", an empty old side "everything added"."""
    data = _json()
    for name in sides:
        _empty_side(data, name)
    _consistent(data)
    if len(sides) == 2:
        assert data["ratio_bp"] == 0 and data["counts"] == dict.fromkeys(data["counts"], 0)
    name = sides[0]
    with pytest.raises(
        DiffInvalid, match=rf"{name}\.resource_count is 0 but {name}\.merkle_root is not the empty"
    ):
        verify_diff(data, OLD, NEW)


def test_an_honest_diff_with_an_empty_catalog_still_verifies() -> None:
    empty, full = catalog_from_document(document(0)), catalog_from_document(document(3))
    for a, b in ((empty, full), (full, empty), (empty, empty)):
        d = json.loads(json.dumps(diff_catalogs(a, b).to_json()))
        verify_diff(d, a.merkle_root, b.merkle_root, old_count=a.resource_count)
    d = diff_catalogs(empty, full, hasher=SHA256_HASHER).to_json()
    verify_diff(d, empty.tree_with(SHA256_HASHER).root, full.tree_with(SHA256_HASHER).root)


# --- a resource must be the value its leaf bytes denote ---------------------------------------


def _spell_ints_as_floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _spell_ints_as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_spell_ints_as_floats(v) for v in value]
    if type(value) is int:
        return float(value)
    return value


def test_a_resource_spelled_differently_but_with_the_same_leaf_is_not_a_change() -> None:
    """``4.0`` and ``4`` have the same RFC 8785 bytes, so the proof of the old leaf still holds,
    but a field-by-field comparison of the parsed values would see a change: three unchanged
    resources read as changed, 1429 bp (filing) becomes 2500 bp (change approval)."""
    data = _json()
    spelled = 0
    for e in data["proofs"]:
        if e["old"] and e["new"] and e["code"] != CHANGED and spelled < 3:
            if any(type(item.get("length")) is int for item in e["old"]["resource"]["items"]):
                e["old"]["resource"] = _spell_ints_as_floats(e["old"]["resource"])
                spelled += 1
    assert spelled == 3
    _consistent(data)
    assert data["counts"]["changed"] == 4 and data["ratio_bp"] == 2500
    with pytest.raises(DiffInvalid, match=r"old\.resource: not the value its leaf bytes denote"):
        verify_diff(data, OLD, NEW)


def test_a_resource_with_reordered_keys_is_the_same_leaf_and_still_verifies() -> None:
    data = _json()
    entry = _entry(data, "301001/000001")
    entry["old"]["resource"] = dict(reversed(list(entry["old"]["resource"].items())))
    verify_diff(data, OLD, NEW)


# --- a standalone proof's resource_code must be its leaf's code -------------------------------


def test_an_inclusion_proof_naming_another_resource_is_refused() -> None:
    proof = DECLARED.prove(DECLARED.codes[3]).to_json()
    verify_inclusion(InclusionProof.from_json(proof), OLD)
    forged = {**proof, "resource_code": "301001/000029"}  # not in the declared catalog
    with pytest.raises(ProofInvalid, match="resource_code is '301001/000029', the leaf's code is"):
        verify_inclusion(InclusionProof.from_json(forged), OLD)
    without_leaf = {k: v for k, v in forged.items() if k != "leaf"}
    with pytest.raises(ProofInvalid, match="resource_code '301001/000029' without the leaf"):
        verify_inclusion(InclusionProof.from_json(without_leaf), OLD)
    # a bare leaf-hash proof (no code, no leaf) still proves just the hash
    bare = {k: v for k, v in proof.items() if k not in ("leaf", "resource_code")}
    verify_inclusion(InclusionProof.from_json(bare), OLD)


def test_a_leaf_that_is_not_a_resource_object_cannot_carry_a_code() -> None:
    from catalog import MerkleTree

    tree = MerkleTree([b"[1]", b"not json"])
    for i, leaf in enumerate((b"[1]", b"not json")):
        proof = InclusionProof.from_json(
            {**tree.inclusion_proof(i, leaf=leaf).to_json(), "resource_code": "x"}
        )
        with pytest.raises(ProofInvalid, match="the leaf is not a resource"):
            verify_inclusion(proof, tree.root)


# --- one encoding per diff: the spellings diff_catalogs writes, exact JSON types --------------


def _upper(data: dict[str, Any]) -> None:
    data["old"]["merkle_root"] = data["old"]["merkle_root"].upper()


def _spaced(data: dict[str, Any]) -> None:
    root = data["new"]["merkle_root"]
    data["new"]["merkle_root"] = " ".join(root[i : i + 2] for i in range(0, len(root), 2))


def _path_upper(data: dict[str, Any]) -> None:
    side = data["proofs"][0]["old"]
    side["audit_path"] = [p.upper() for p in side["audit_path"]]


def _path_dict(data: dict[str, Any]) -> None:
    side = data["proofs"][0]["old"]
    side["audit_path"] = dict.fromkeys(side["audit_path"], 0)


def _reversed(data: dict[str, Any]) -> None:
    """Proofs (and so added/removed/changed) listed in another order than document order."""
    data["proofs"].reverse()
    _consistent(data)
    assert data["added"] == ["301002/000030", "301001/000029"]


@pytest.mark.parametrize(
    "mutate,message",
    [
        (_upper, r"old\.merkle_root: want 64 lower-case hex digits, got '[0-9A-F]{64}'"),
        (_spaced, r"new\.merkle_root: want 64 lower-case hex digits"),
        (_path_upper, r"proofs\[0\]\.old: bad proof .*audit_path\[0\]: want 64 lower-case hex"),
        (_path_dict, r"proofs\[0\]\.old: bad proof .*audit_path: want a list of hashes"),
        (lambda d: d["old"].update(verified=True), r"old: unknown field\(s\) verified"),
        (
            lambda d: d.update(ratio_bp=float(d["ratio_bp"])),
            r"ratio_bp does not match the proofs: claimed 1429\.0, recomputed 1429",
        ),
        (
            lambda d: d["counts"].update(unchanged=26.0),
            r"counts does not match .*'unchanged': 26\.0",
        ),
        (
            lambda d: d.update(ratio_bp=float("nan")),
            "ratio_bp does not match the proofs: claimed nan",
        ),
        (lambda d: d.update(algorithm="md5"), "algorithm: unknown hash algorithm 'md5'"),
        (_reversed, "proofs: want the old catalog's resources in its order"),
    ],
)
def test_other_spellings_of_the_same_diff_are_refused(mutate: Any, message: str) -> None:
    """Not a misstatement, but a second encoding (another digest than the one the ledger
    records) or an error that is not a DiffInvalid."""
    data = _json()
    mutate(data)
    with pytest.raises(DiffInvalid, match=message):
        verify_diff(data, OLD, NEW)


# --- attempts that are refused (not covered by test_diff.py) ----------------------------------


@pytest.mark.parametrize("index", [-1, True, False, "0", 0.0, 2**64, None, [0]])
def test_leaf_index_must_be_an_int_in_range(index: Any) -> None:
    data = _json()
    data["proofs"][1]["old"]["leaf_index"] = index
    with pytest.raises(DiffInvalid, match=r"proofs\[1\]\.old\.leaf_index: .* out of range"):
        verify_diff(data, OLD, NEW)


@pytest.mark.parametrize("count", [-1, True, 28.0, "28", None])
def test_resource_count_must_be_a_non_negative_int(count: Any) -> None:
    data = _json()
    data["old"]["resource_count"] = count
    with pytest.raises(DiffInvalid, match="old.resource_count: want a non-negative integer"):
        verify_diff(data, OLD, NEW)


def test_a_larger_resource_count_cannot_be_covered() -> None:
    """With count 29 the paths of the old tree no longer fit (and leaf 28 does not exist)."""
    data = _json()
    data["old"]["resource_count"] = 29
    with pytest.raises(DiffInvalid, match="bad proof|not leaf"):
        verify_diff(_consistent(data), OLD, NEW)


def test_swapping_the_old_and_new_side_of_an_entry_is_refused() -> None:
    data = _json()
    entry = _entry(data, CHANGED)
    entry["old"], entry["new"] = entry["new"], entry["old"]
    with pytest.raises(DiffInvalid, match=rf"resource {CHANGED} is not leaf \d+ of the old root"):
        verify_diff(_consistent(data), OLD, NEW)


def test_swapping_whole_sides_is_a_root_mismatch() -> None:
    data = _json()
    data["old"], data["new"] = data["new"], data["old"]
    for e in data["proofs"]:
        e["old"], e["new"] = e["new"], e["old"]
    data["proofs"].sort(key=lambda e: (e["old"] is None, (e["old"] or e["new"])["leaf_index"]))
    _consistent(data)
    with pytest.raises(RootMismatch, match="old root mismatch"):
        verify_diff(data, OLD, NEW)


def test_a_changed_resource_split_into_removed_and_added_is_refused() -> None:
    data = _json()
    entry = _entry(data, CHANGED)
    data["proofs"].append({"code": CHANGED, "old": None, "new": entry["new"]})
    entry["new"] = None
    with pytest.raises(DiffInvalid, match=f"duplicate resource code '{CHANGED}'"):
        verify_diff(_consistent(data), OLD, NEW)


def test_one_leaf_proved_twice_under_two_codes_is_refused() -> None:
    """Hide an added resource by proving another new leaf in its place (and a removed one the
    same way): the leaf's own code gives it away, and so would the repeated index."""
    data = _json()
    entry = _entry(data, "301001/000029")
    entry["new"] = json.loads(json.dumps(_entry(data, "301001/000001")["new"]))
    with pytest.raises(DiffInvalid, match=r"new\.resource: its code is not 301001/000029"):
        verify_diff(_consistent(data), OLD, NEW)
    entry["new"]["resource"]["code"] = "301001/000029"
    with pytest.raises(DiffInvalid, match="out of range or repeated"):
        verify_diff(_consistent(data), OLD, NEW)


def test_the_new_leaf_index_of_an_entry_cannot_be_its_old_one() -> None:
    data = _json()
    entry = next(
        e
        for e in data["proofs"]
        if e["old"] and e["new"] and e["old"]["leaf_index"] != e["new"]["leaf_index"]
    )
    entry["new"]["leaf_index"] = entry["old"]["leaf_index"]
    with pytest.raises(DiffInvalid, match="out of range or repeated|not leaf"):
        verify_diff(data, OLD, NEW)


def test_a_fabricated_resource_is_not_a_leaf() -> None:
    """Rename an added resource (and its leaf's code): the leaf is no longer in the tree."""
    data = _json()
    entry = _entry(data, "301001/000029")
    entry["code"] = entry["new"]["resource"]["code"] = "301001/000099"
    with pytest.raises(
        DiffInvalid, match=r"resource 301001/000099 is not leaf \d+ of the new root"
    ):
        verify_diff(_consistent(data), OLD, NEW)


@pytest.mark.parametrize(
    "path",
    [
        "deadbeef",  # a string, not a list
        ["zz" * 32],  # not hex
        ["00" * 31],  # a hash of the wrong size
        [None],
    ],
)
def test_malformed_audit_paths_are_refused(path: Any) -> None:
    data = _json()
    data["proofs"][0]["old"]["audit_path"] = path
    with pytest.raises(DiffInvalid, match=r"proofs\[0\]\.old"):
        verify_diff(data, OLD, NEW)


def test_a_resource_that_cannot_be_canonicalised_is_a_typed_error() -> None:
    data = _json()
    data["proofs"][0]["old"]["resource"]["x"] = float("nan")
    with pytest.raises(DiffInvalid, match=r"proofs\[0\]\.old: bad proof for 301001/000001"):
        verify_diff(data, OLD, NEW)


def test_the_diffs_canonical_form_is_unchanged_by_the_checks() -> None:
    data = _json()
    verify_diff(data, OLD, NEW)
    assert canonicalize(data) == HONEST.canonical
