"""RFC 9162 (RFC 6962) Merkle tree over a list of leaves, with a pluggable hasher.

Tree shape (RFC 9162 §2.1.1): ``MTH({}) = HASH()``, leaf ``HASH(0x00 || d)``, node
``HASH(0x01 || left || right)``, a list of ``n`` leaves split at the largest power of two
smaller than ``n``. Built level by level: the rightmost node of an odd level is carried up
unchanged, which yields exactly the recursive definition. Each level is kept as one ``bytes``
blob of ``size * 32`` bytes, so hashing a pair is one slice of the blob fed to a copy of a
hasher pre-fed with the domain prefix; for SM3 a whole level is one call instead
(``sm_crypto.sm3_each`` for the leaves, ``sm3_chunks`` for the levels above).

Inclusion proofs follow RFC 9162 §2.1.3; verification raises (never returns a bool).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import sm_crypto

from ._errors import ProofInvalid, RootMismatch

__all__ = [
    "Hasher",
    "InclusionProof",
    "LogHasher",
    "MerkleTree",
    "SHA256_HASHER",
    "SM3_HASHER",
    "hasher_by_name",
    "root_from_inclusion_proof",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
MAX_PROOF_LENGTH = 64


@runtime_checkable
class Hasher(Protocol):
    """What a tree needs from a hash function (transparency-dev's ``LogHasher``)."""

    name: str
    size: int

    def hash_leaf(self, leaf: bytes) -> bytes: ...

    def hash_children(self, left: bytes, right: bytes) -> bytes: ...

    def empty_root(self) -> bytes: ...


class LogHasher:
    """RFC 6962 domain-separated hashing over any hashlib-style constructor."""

    def __init__(
        self,
        name: str,
        new: Callable[[bytes], Any],
        *,
        each: Callable[[bytes, list[bytes] | tuple[bytes, ...]], bytes] | None = None,
        chunks: Callable[[bytes, bytes, int], bytes] | None = None,
    ) -> None:
        """``each(prefix, messages)`` and ``chunks(prefix, data, size)``, when given, hash many
        messages per call (``sm_crypto.sm3_each`` / ``sm3_chunks``) for the bulk helpers."""
        self.name = name
        self._new = new
        self._each = each
        self._chunks = chunks
        self._leaf = new(LEAF_PREFIX)
        self._node = new(NODE_PREFIX)
        self._empty: bytes = new(b"").digest()
        self.size = len(self._empty)

    def __repr__(self) -> str:
        return f"LogHasher({self.name!r})"

    def hash_leaf(self, leaf: bytes) -> bytes:
        h = self._leaf.copy()
        h.update(leaf)
        return bytes(h.digest())

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        h = self._node.copy()
        h.update(left)
        h.update(right)
        return bytes(h.digest())

    def empty_root(self) -> bytes:
        return bytes(self._empty)

    # bulk helpers used by MerkleTree (optional for other hashers)
    def hash_leaves(self, leaves: Sequence[bytes]) -> bytes:
        """Concatenated leaf hashes of ``leaves``."""
        if self._each is not None:
            try:
                return self._each(LEAF_PREFIX, leaves)  # type: ignore[arg-type]
            except TypeError:  # not a list or tuple of exactly bytes: checked before hashing
                pass
        proto = self._leaf
        out: list[bytes] = []
        append = out.append
        for leaf in leaves:
            h = proto.copy()
            h.update(leaf)
            append(h.digest())
        return b"".join(out)

    def hash_level(self, level: bytes) -> bytes:
        """The next level up from a blob of ``n`` hashes (odd last node carried up)."""
        size = self.size
        pair = 2 * size
        count = len(level) // size
        if self._chunks is not None and type(level) is bytes:
            body = (count // 2) * pair
            up = self._chunks(NODE_PREFIX, level if body == len(level) else level[:body], pair)
            return up + level[-size:] if count % 2 else up
        proto = self._node
        out: list[bytes] = []
        append = out.append
        view = memoryview(level)
        for start in range(0, (count // 2) * pair, pair):
            h = proto.copy()
            h.update(view[start : start + pair])
            append(h.digest())
        if count % 2:
            append(level[-size:])
        return b"".join(out)


SM3_HASHER = LogHasher("sm3", sm_crypto.new, each=sm_crypto.sm3_each, chunks=sm_crypto.sm3_chunks)
SHA256_HASHER = LogHasher("sha256", hashlib.sha256)
_BY_NAME = {"sm3": SM3_HASHER, "sha256": SHA256_HASHER}


def hasher_by_name(name: str) -> LogHasher:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ProofInvalid(
            f"unknown hash algorithm {name!r} (want one of {sorted(_BY_NAME)})"
        ) from None


@dataclass(frozen=True)
class InclusionProof:
    """Proof that ``leaf_hash`` is leaf ``leaf_index`` of the tree of ``tree_size`` leaves.

    ``root`` is the root the prover computed (informative; verification takes the trusted root
    as a separate argument). ``leaf`` optionally carries the leaf bytes themselves.
    """

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: tuple[bytes, ...]
    root: bytes
    algorithm: str = "sm3"
    leaf: bytes | None = None
    resource_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "algorithm": self.algorithm,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "audit_path": [p.hex() for p in self.audit_path],
            "root": self.root.hex(),
        }
        if self.resource_code is not None:
            out["resource_code"] = self.resource_code
        if self.leaf is not None:
            out["leaf"] = self.leaf.decode("utf-8")
        return out

    @classmethod
    def from_json(cls, data: Any) -> InclusionProof:
        """Parse the JSON form; raises :class:`ProofInvalid` naming the bad field."""
        if not isinstance(data, dict):
            raise ProofInvalid("proof: want a JSON object")
        known = {
            "algorithm",
            "leaf_index",
            "tree_size",
            "leaf_hash",
            "audit_path",
            "root",
            "leaf",
            "resource_code",
        }
        extra = sorted(set(data) - known)
        if extra:
            raise ProofInvalid(f"proof: unknown field(s) {', '.join(extra)}")
        algorithm = data.get("algorithm", "sm3")
        size = hasher_by_name(algorithm).size if isinstance(algorithm, str) else 0
        if not size:
            raise ProofInvalid("proof.algorithm: want a string")

        def _int(key: str) -> int:
            value = data.get(key)
            if type(value) is not int or value < 0:
                raise ProofInvalid(f"proof.{key}: want a non-negative integer, got {value!r}")
            return value

        def _hash(key: str, value: Any) -> bytes:
            if not isinstance(value, str):
                raise ProofInvalid(f"proof.{key}: want {2 * size} hex digits, got {value!r}")
            try:
                raw = bytes.fromhex(value)
            except ValueError:
                raise ProofInvalid(f"proof.{key}: not hex: {value!r}") from None
            if len(raw) != size:
                raise ProofInvalid(f"proof.{key}: {len(raw)} bytes, want {size}")
            return raw

        path = data.get("audit_path")
        if not isinstance(path, list):
            raise ProofInvalid("proof.audit_path: want a list of hashes")
        leaf = data.get("leaf")
        if leaf is not None and not isinstance(leaf, str):
            raise ProofInvalid("proof.leaf: want the leaf's canonical JSON text")
        code = data.get("resource_code")
        if code is not None and not isinstance(code, str):
            raise ProofInvalid("proof.resource_code: want a string")
        return cls(
            leaf_index=_int("leaf_index"),
            tree_size=_int("tree_size"),
            leaf_hash=_hash("leaf_hash", data.get("leaf_hash")),
            audit_path=tuple(_hash(f"audit_path[{i}]", p) for i, p in enumerate(path)),
            root=_hash("root", data.get("root")),
            algorithm=algorithm,
            leaf=leaf.encode("utf-8") if leaf is not None else None,
            resource_code=code,
        )


class MerkleTree:
    """An RFC 9162 Merkle tree over ``leaves`` (bytes), levels kept for proofs."""

    def __init__(self, leaves: Sequence[bytes], hasher: Hasher = SM3_HASHER) -> None:
        self.hasher = hasher
        self.size = len(leaves)
        self._levels: list[bytes] = []
        hs = hasher.size
        if isinstance(hasher, LogHasher):
            level = hasher.hash_leaves(leaves)
            self._levels.append(level)
            while len(level) > hs:
                level = hasher.hash_level(level)
                self._levels.append(level)
        else:
            nodes = [hasher.hash_leaf(leaf) for leaf in leaves]
            self._levels.append(b"".join(nodes))
            while len(nodes) > 1:
                nxt = [
                    hasher.hash_children(nodes[i], nodes[i + 1])
                    for i in range(0, len(nodes) - 1, 2)
                ]
                if len(nodes) % 2:
                    nxt.append(nodes[-1])
                nodes = nxt
                self._levels.append(b"".join(nodes))
        self.root: bytes = self._levels[-1] if self.size else hasher.empty_root()

    def __len__(self) -> int:
        return self.size

    def leaf_hash(self, index: int) -> bytes:
        self._check_index(index)
        hs = self.hasher.size
        return self._levels[0][index * hs : (index + 1) * hs]

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise ProofInvalid(f"leaf index {index} out of range: tree size is {self.size}")

    def audit_path(self, index: int) -> tuple[bytes, ...]:
        self._check_index(index)
        hs = self.hasher.size
        path = []
        for level in self._levels[:-1]:
            count = len(level) // hs
            sibling = index ^ 1
            if sibling < count:
                path.append(level[sibling * hs : (sibling + 1) * hs])
            index >>= 1
        return tuple(path)

    def inclusion_proof(self, index: int, *, leaf: bytes | None = None) -> InclusionProof:
        return InclusionProof(
            leaf_index=index,
            tree_size=self.size,
            leaf_hash=self.leaf_hash(index),
            audit_path=self.audit_path(index),
            root=self.root,
            algorithm=self.hasher.name,
            leaf=leaf,
        )


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, path: Sequence[bytes], hasher: Hasher = SM3_HASHER
) -> bytes:
    """The root implied by an audit path (RFC 9162 §2.1.3.2); raises on malformed input."""
    hs = hasher.size
    if type(index) is not int or type(size) is not int or index < 0 or size < 0:
        raise ProofInvalid(f"index and size must be non-negative integers, got {index!r}, {size!r}")
    if index >= size:
        raise ProofInvalid(f"leaf index {index} out of range: tree size is {size}")
    if len(leaf_hash) != hs:
        raise ProofInvalid(f"leaf hash is {len(leaf_hash)} bytes, want {hs}")
    want = _path_length(index, size)
    if len(path) != want:
        raise ProofInvalid(
            f"audit path has {len(path)} hashes, want {want} for leaf {index} of {size}"
        )
    for i, node in enumerate(path):
        if len(node) != hs:
            raise ProofInvalid(f"audit path[{i}] is {len(node)} bytes, want {hs}")
    fn, sn, r = index, size - 1, leaf_hash
    for node in path:
        if fn & 1 or fn == sn:
            r = hasher.hash_children(node, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hasher.hash_children(r, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable once the length matched; kept as the RFC's final check
        raise ProofInvalid("audit path does not reach the root")
    return r


def _path_length(index: int, size: int) -> int:
    """Length of the audit path of leaf ``index`` in a tree of ``size`` (``index < size``)."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner + border


def _check_resource_code(code: str, leaf: bytes | None) -> None:
    """The code a proof names must be its leaf's ``code``: only the leaf bytes are proven."""
    if leaf is None:
        raise ProofInvalid(
            f"proof names resource_code {code!r} without the leaf: only the leaf's bytes can "
            "say which resource it is"
        )
    try:
        value = json.loads(leaf)
    except ValueError:  # also not UTF-8
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        raise ProofInvalid(
            f"proof names resource_code {code!r} but the leaf is not a resource "
            "(a JSON object with a code)"
        )
    if value["code"] != code:
        raise ProofInvalid(
            f"proof's resource_code is {code!r}, the leaf's code is {value['code']!r}"
        )


def verify_inclusion(
    proof: InclusionProof,
    root: bytes,
    hasher: Hasher | None = None,
    *,
    leaf: bytes | None = None,
    tree_size: int | None = None,
) -> None:
    """Check ``proof`` against the trusted ``root``; returns ``None`` or raises.

    With ``leaf`` (or ``proof.leaf``) the leaf bytes are hashed and must equal ``proof.leaf_hash``;
    a proof naming a ``resource_code`` needs them, and they must be a resource with that code.
    An RFC 9162 audit path does not always pin the tree size (leaf 0 of 3 and of 4 combine the
    same way), so pass the trusted ``tree_size`` (the anchored resource count) when known.
    Raises :class:`RootMismatch` (``.expected`` = ``root``, ``.calculated``) when the path leads
    elsewhere, :class:`ProofInvalid` when the proof is malformed.
    """
    if hasher is None:
        hasher = hasher_by_name(proof.algorithm)
    elif hasher.name != proof.algorithm:
        raise ProofInvalid(f"proof uses {proof.algorithm}, verifier uses {hasher.name}")
    if len(root) != hasher.size:
        raise ProofInvalid(f"root is {len(root)} bytes, want {hasher.size}")
    if tree_size is not None and tree_size != proof.tree_size:
        raise ProofInvalid(f"proof is for a tree of {proof.tree_size} leaves, want {tree_size}")
    data = leaf if leaf is not None else proof.leaf
    if data is not None:
        calculated_leaf = hasher.hash_leaf(data)
        if calculated_leaf != proof.leaf_hash:
            raise RootMismatch(proof.leaf_hash, calculated_leaf, what="leaf hash")
    if proof.resource_code is not None:
        _check_resource_code(proof.resource_code, data)
    calculated = root_from_inclusion_proof(
        proof.leaf_index, proof.tree_size, proof.leaf_hash, proof.audit_path, hasher
    )
    if calculated != root:
        raise RootMismatch(root, calculated)
