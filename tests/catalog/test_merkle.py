"""RFC 9162 Merkle tree: RFC 6962 reference values, naive cross-check, proofs, mutations."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import (
    SHA256_HASHER,
    SM3_HASHER,
    InclusionProof,
    MerkleTree,
    ProofInvalid,
    RootMismatch,
    root_from_inclusion_proof,
    verify_inclusion,
)

from ._helpers import VECTORS, ref_path, ref_root

RFC = json.loads((VECTORS / "merkle" / "rfc6962_sha256.json").read_text(encoding="utf-8"))
LEAVES = [bytes.fromhex(h) for h in RFC["leaf_inputs_hex"]]


@pytest.mark.parametrize("size", range(len(RFC["roots_by_size_hex"])))
def test_sha256_roots_match_rfc6962(size: int) -> None:
    tree = MerkleTree(LEAVES[:size], SHA256_HASHER)
    assert tree.root.hex() == RFC["roots_by_size_hex"][size]


def test_sha256_leaf_hashes_match_rfc6962() -> None:
    tree = MerkleTree(LEAVES, SHA256_HASHER)
    assert [tree.leaf_hash(i).hex() for i in range(8)] == RFC["leaf_hashes_hex"]
    assert [SHA256_HASHER.hash_leaf(x).hex() for x in LEAVES] == RFC["leaf_hashes_hex"]
    assert SHA256_HASHER.empty_root().hex() == RFC["roots_by_size_hex"][0]


@pytest.mark.parametrize(
    "case", RFC["inclusion_proofs"], ids=lambda c: f"{c['leaf_index']}of{c['tree_size']}"
)
def test_sha256_inclusion_proofs_match_rfc6962(case: dict) -> None:
    size, index = case["tree_size"], case["leaf_index"]
    tree = MerkleTree(LEAVES[:size], SHA256_HASHER)
    proof = tree.inclusion_proof(index)
    assert [p.hex() for p in proof.audit_path] == case["audit_path_hex"]
    root = bytes.fromhex(RFC["roots_by_size_hex"][size])
    verify_inclusion(proof, root, SHA256_HASHER)
    given_path = tuple(bytes.fromhex(h) for h in case["audit_path_hex"])
    assert (
        root_from_inclusion_proof(index, size, tree.leaf_hash(index), given_path, SHA256_HASHER)
        == root
    )


def test_sm3_hasher_domain_separation() -> None:
    import sm_crypto

    assert SM3_HASHER.hash_leaf(b"abc") == sm_crypto.sm3(b"\x00abc")
    assert SM3_HASHER.hash_children(b"a" * 32, b"b" * 32) == sm_crypto.sm3(
        b"\x01" + b"a" * 32 + b"b" * 32
    )
    assert SM3_HASHER.empty_root() == sm_crypto.sm3(b"")
    assert MerkleTree([], SM3_HASHER).root == sm_crypto.sm3(b"")


@pytest.mark.parametrize("algorithm,hasher", [("sm3", SM3_HASHER), ("sha256", SHA256_HASHER)])
def test_optimised_tree_matches_naive_reference(algorithm: str, hasher: object) -> None:
    leaves = [os.urandom(i % 7) for i in range(70)]
    for n in range(0, 70):
        tree = MerkleTree(leaves[:n], hasher)  # type: ignore[arg-type]
        assert tree.root == ref_root(leaves[:n], algorithm), n
        for m in range(n):
            assert list(tree.audit_path(m)) == ref_path(m, leaves[:n], algorithm), (n, m)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=300), st.data())
def test_hypothesis_tree_matches_reference(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree(leaves)
    assert tree.root == ref_root(leaves)
    m = data.draw(st.integers(0, len(leaves) - 1))
    assert list(tree.audit_path(m)) == ref_path(m, leaves)


class _PlainHasher:
    """A hasher with only the three protocol methods (no bulk helpers)."""

    name = "sm3"
    size = 32

    def hash_leaf(self, leaf: bytes) -> bytes:
        return SM3_HASHER.hash_leaf(leaf)

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        return SM3_HASHER.hash_children(left, right)

    def empty_root(self) -> bytes:
        return SM3_HASHER.empty_root()


def test_pluggable_hasher_without_bulk_helpers() -> None:
    leaves = [bytes([i]) for i in range(37)]
    plain = MerkleTree(leaves, _PlainHasher())
    assert plain.root == MerkleTree(leaves).root
    assert plain.audit_path(21) == MerkleTree(leaves).audit_path(21)


def _shape(index: int, size: int) -> list[bool]:
    """Left/right pattern of an audit path: True where the sibling is on the left."""
    out = []
    fn, sn = index, size - 1
    while sn:
        if fn & 1 or fn == sn:
            out.append(True)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            out.append(False)
        fn, sn = fn >> 1, sn >> 1
    return out


def _rejected(proof: InclusionProof, root: bytes, hasher: object = SHA256_HASHER) -> bool:
    try:
        verify_inclusion(proof, root, hasher)  # type: ignore[arg-type]
    except ProofInvalid:  # RootMismatch included
        return True
    return False


def test_every_proof_of_every_size_up_to_300_verifies() -> None:
    leaves = [i.to_bytes(2, "big") for i in range(300)]
    checked = 0
    for n in range(1, 301):
        tree = MerkleTree(leaves[:n])
        for i in range(n):
            verify_inclusion(tree.inclusion_proof(i), tree.root, leaf=leaves[i])
            checked += 1
    assert checked == 300 * 301 // 2


def test_every_mutated_proof_index_or_size_fails() -> None:
    """Each leaf of each size 1..300 gets a wrong index, a wrong size and truncated/extended
    paths; small trees (and every 31st leaf) also get a bit flipped in each path element and
    the leaf hash. SHA-256 trees: the verifier's logic is the same, the hash faster."""
    leaves = [i.to_bytes(2, "big") for i in range(300)]
    flipped = 0
    for n in range(1, 301):
        tree = MerkleTree(leaves[:n], SHA256_HASHER)
        root = tree.root
        for i in range(n):
            proof = tree.inclusion_proof(i)
            path, leaf_hash = proof.audit_path, proof.leaf_hash
            j = i ^ 1 if (i ^ 1) < n else i - 1
            if j >= 0:
                assert _rejected(InclusionProof(j, n, leaf_hash, path, root, "sha256"), root)
            assert _rejected(InclusionProof(i + n, n, leaf_hash, path, root, "sha256"), root)
            m = (n + 1, n - 1, 2 * n, n // 2)[i % 4]
            if m <= i or _shape(i, m) != _shape(i, n):  # same shape: see the next test
                assert _rejected(InclusionProof(i, m, leaf_hash, path, root, "sha256"), root)
            if path:
                assert _rejected(InclusionProof(i, n, leaf_hash, path[:-1], root, "sha256"), root)
            assert _rejected(InclusionProof(i, n, leaf_hash, path + (root,), root, "sha256"), root)
            if n <= 40 or i % 31 == 0:
                for k in range(len(path)):
                    bad = list(path)
                    bad[k] = bytes([bad[k][0] ^ 8]) + bad[k][1:]
                    assert _rejected(
                        InclusionProof(i, n, leaf_hash, tuple(bad), root, "sha256"), root
                    )
                    flipped += 1
                bad_leaf = bytes([leaf_hash[0] ^ 1]) + leaf_hash[1:]
                assert _rejected(InclusionProof(i, n, bad_leaf, path, root, "sha256"), root)
    assert flipped > 1000


def test_size_is_not_pinned_by_every_path_but_by_the_trusted_size() -> None:
    # leaf 0 of 3 and leaf 0 of 4 combine the same way: RFC 9162 verification alone accepts
    # the claimed size 4; passing the anchored size rejects it.
    tree = MerkleTree([b"a", b"b", b"c"])
    proof = tree.inclusion_proof(0)
    claimed = InclusionProof(0, 4, proof.leaf_hash, proof.audit_path, tree.root)
    verify_inclusion(claimed, tree.root)
    with pytest.raises(ProofInvalid, match="tree of 4 leaves, want 3"):
        verify_inclusion(claimed, tree.root, tree_size=3)


def test_root_mismatch_carries_both_roots() -> None:
    tree = MerkleTree([b"a", b"b", b"c"])
    other = MerkleTree([b"a", b"b", b"x"]).root
    proof = tree.inclusion_proof(1)
    with pytest.raises(RootMismatch, match="root mismatch: expected") as info:
        verify_inclusion(proof, other)
    assert info.value.expected == other
    assert info.value.calculated == tree.root


def test_leaf_bytes_are_checked_against_the_leaf_hash() -> None:
    tree = MerkleTree([b"a", b"b"])
    proof = tree.inclusion_proof(1, leaf=b"b")
    verify_inclusion(proof, tree.root)
    with pytest.raises(RootMismatch, match="leaf hash mismatch"):
        verify_inclusion(proof, tree.root, leaf=b"c")


@pytest.mark.parametrize(
    "index,size,leaf_len,path_len,message",
    [
        (0, 0, 32, 0, "out of range: tree size is 0"),
        (5, 5, 32, 3, "out of range"),
        (-1, 5, 32, 3, "non-negative"),
        (0, 5, 31, 3, "leaf hash is 31 bytes, want 32"),
        (0, 5, 32, 2, "audit path has 2 hashes, want 3"),
        (0, 5, 32, 4, "audit path has 4 hashes, want 3"),
    ],
)
def test_malformed_proofs_raise_with_got_and_want(
    index: int, size: int, leaf_len: int, path_len: int, message: str
) -> None:
    with pytest.raises(ProofInvalid, match=message):
        root_from_inclusion_proof(index, size, b"\0" * leaf_len, [b"\0" * 32] * path_len)


def test_proof_json_round_trip_and_errors() -> None:
    tree = MerkleTree([b"a", b"b", b"c", b"d", b"e"])
    proof = tree.inclusion_proof(3, leaf=b"d")
    data = json.loads(json.dumps(proof.to_json()))
    assert InclusionProof.from_json(data) == proof
    assert data["algorithm"] == "sm3" and data["tree_size"] == 5 and data["leaf_index"] == 3
    verify_inclusion(InclusionProof.from_json(data), tree.root)
    for key, value, message in [
        ("leaf_index", "3", "leaf_index: want a non-negative integer"),
        ("leaf_index", True, "leaf_index: want a non-negative integer"),
        ("root", "zz", "root: not hex"),
        ("leaf_hash", "00", "leaf_hash: 1 bytes, want 32"),
        ("audit_path", "00", "audit_path: want a list"),
        ("algorithm", "md5", "unknown hash algorithm 'md5'"),
        ("surprise", 1, "unknown field"),
    ]:
        with pytest.raises(ProofInvalid, match=message):
            InclusionProof.from_json({**data, key: value})
    with pytest.raises(ProofInvalid, match="want a JSON object"):
        InclusionProof.from_json([])


def test_sha256_proof_is_refused_by_sm3_verifier() -> None:
    tree = MerkleTree([b"a", b"b"], SHA256_HASHER)
    with pytest.raises(ProofInvalid, match="proof uses sha256, verifier uses sm3"):
        verify_inclusion(tree.inclusion_proof(0), tree.root, SM3_HASHER)
    verify_inclusion(tree.inclusion_proof(0), tree.root)  # algorithm taken from the proof
