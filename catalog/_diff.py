"""Proven diffs between two catalogs (normally declared → acceptance).

Resources are matched by ``code``. A diff lists the codes added and removed, the changed
resources with their field-level changes (JSON paths inside the resource; arrays compared by
position), the change ratio and, for *every* resource of either catalog, its leaf and inclusion
proof in its catalog's Merkle root. Whoever holds the two anchored roots and the diff can
therefore recompute and check everything (:func:`verify_diff`), including that no resource was
left out (the old and new indices must cover each tree exactly).

Change ratio (art. 16, the 15% rule), in basis points::

    ratio_bp = ceil(10000 * (added + removed + changed) / max(old_count, 1))

Resource-weighted and rounded *up*, so a change just over 15 % never reads as 1500 bp.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sm_crypto

from ._catalog import Catalog
from ._errors import CatalogInvalid, DiffInvalid, ProofInvalid, RootMismatch
from ._jcs import canonicalize
from ._merkle import SM3_HASHER, Hasher, InclusionProof, hasher_by_name, verify_inclusion
from ._parse import json_path

#: art. 16: a change of up to 15 % may be made after a filing (备案); above, only after approval
FILING_LIMIT_BP = 1500
#: the ratio recorded at acceptance is capped at 100 % (the contract's ``MAX_BP``); added
#: resources can take the computed ratio above it
RECORDED_RATIO_LIMIT_BP = 10_000

__all__ = [
    "CatalogDiff",
    "DIFF_SCHEMA_ID",
    "FILING_LIMIT_BP",
    "RECORDED_RATIO_LIMIT_BP",
    "change_ratio_bp",
    "diff_catalogs",
    "field_changes",
    "verify_diff",
]

DIFF_SCHEMA_ID = "mulu.catalog-diff/v1"
_MISSING = object()


def change_ratio_bp(added: int, removed: int, changed: int, old_count: int) -> int:
    """``ceil(10000 * (added + removed + changed) / max(old_count, 1))``."""
    num = 10000 * (added + removed + changed)
    den = max(old_count, 1)
    return -(-num // den)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def field_changes(old: Any, new: Any, path: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """Leaf-level differences between two JSON values: ``[{path, old?, new?}]`` (absent side
    omitted); objects by key (sorted), arrays by position."""
    out: list[dict[str, Any]] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            out += field_changes(old.get(key, _MISSING), new.get(key, _MISSING), (*path, key))
    elif isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            out += field_changes(
                old[i] if i < len(old) else _MISSING,
                new[i] if i < len(new) else _MISSING,
                (*path, i),
            )
    elif old is _MISSING and new is _MISSING:
        pass
    elif old is _MISSING or new is _MISSING or not _same(old, new):
        change: dict[str, Any] = {"path": json_path(path)}
        if old is not _MISSING:
            change["old"] = old
        if new is not _MISSING:
            change["new"] = new
        out.append(change)
    return out


@dataclass(frozen=True)
class CatalogDiff:
    """A diff and its proofs; :meth:`to_json` is the form the ledger's digest covers."""

    data: dict[str, Any] = field(repr=False)

    @property
    def ratio_bp(self) -> int:
        return int(self.data["ratio_bp"])

    @property
    def added(self) -> list[str]:
        return list(self.data["added"])

    @property
    def removed(self) -> list[str]:
        return list(self.data["removed"])

    @property
    def changed(self) -> list[dict[str, Any]]:
        return list(self.data["changed"])

    @property
    def changed_codes(self) -> list[str]:
        return [c["code"] for c in self.data["changed"]]

    @property
    def unchanged_count(self) -> int:
        return int(self.data["counts"]["unchanged"])

    @property
    def old_root(self) -> bytes:
        return bytes.fromhex(self.data["old"]["merkle_root"])

    @property
    def new_root(self) -> bytes:
        return bytes.fromhex(self.data["new"]["merkle_root"])

    def to_json(self) -> dict[str, Any]:
        return self.data

    @property
    def canonical(self) -> bytes:
        return canonicalize(self.data)

    @property
    def digest(self) -> bytes:
        """SM3 of the diff's RFC 8785 bytes (what the ledger records with the ratio)."""
        return sm_crypto.sm3(self.canonical)

    @classmethod
    def from_json(cls, data: Any, *, hasher: Hasher | None = None) -> CatalogDiff:
        """Parse and self-check a diff (proofs against its *own* roots); see :func:`verify_diff`."""
        return _check(data, hasher)

    def __repr__(self) -> str:
        return (
            f"CatalogDiff(+{len(self.added)} -{len(self.removed)} ~{len(self.changed)} "
            f"={self.unchanged_count}, {self.ratio_bp} bp)"
        )


def _side(cat: Catalog, hasher: Hasher) -> dict[str, Any]:
    return {
        "kind": cat.kind.value,
        "version": cat.version,
        "digest": cat.digest.hex(),
        "merkle_root": cat.tree_with(hasher).root.hex(),
        "resource_count": cat.resource_count,
    }


def _body(
    project_code: str,
    algorithm: str,
    old: dict[str, Any],
    new: dict[str, Any],
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    """Everything but the proofs, computed from the entries (shared by build and check)."""
    added, removed, changed = [], [], []
    unchanged = 0
    for e in entries:
        o, n = e["old"], e["new"]
        if o is None:
            added.append(e["code"])
        elif n is None:
            removed.append(e["code"])
        else:
            changes = field_changes(o["resource"], n["resource"])
            if changes:
                changed.append({"code": e["code"], "changes": changes})
            else:
                unchanged += 1
    return {
        "schema": DIFF_SCHEMA_ID,
        "algorithm": algorithm,
        "project_code": project_code,
        "old": old,
        "new": new,
        "added": added,
        "removed": removed,
        "changed": changed,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": unchanged,
        },
        "ratio_bp": change_ratio_bp(len(added), len(removed), len(changed), old["resource_count"]),
    }


def diff_catalogs(old: Catalog, new: Catalog, *, hasher: Hasher = SM3_HASHER) -> CatalogDiff:
    """The proven diff from ``old`` to ``new`` (same project)."""
    if old.project_code != new.project_code:
        raise CatalogInvalid.at(
            "$.project_code",
            f"catalogs of different projects: {old.project_code} vs {new.project_code}",
        )
    old_tree, new_tree = old.tree_with(hasher), new.tree_with(hasher)

    def side(cat: Catalog, tree: Any, index: int) -> dict[str, Any]:
        return {
            "leaf_index": index,
            "resource": cat.document["resources"][index],
            "audit_path": [p.hex() for p in tree.audit_path(index)],
        }

    entries: list[dict[str, Any]] = []
    for i, code in enumerate(old.codes):
        j = new._codes.get(code)
        entries.append(
            {
                "code": code,
                "old": side(old, old_tree, i),
                "new": None if j is None else side(new, new_tree, j),
            }
        )
    for j, code in enumerate(new.codes):
        if code not in old._codes:
            entries.append({"code": code, "old": None, "new": side(new, new_tree, j)})
    data = _body(old.project_code, hasher.name, _side(old, hasher), _side(new, hasher), entries)
    data["proofs"] = entries
    return CatalogDiff(data)


_SIDE_FIELDS = frozenset({"kind", "version", "digest", "merkle_root", "resource_count"})
_LOWER_HEX = re.compile("[0-9a-f]*")


def _brief(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hex(value: Any, size: int, what: str) -> bytes:
    """``size`` bytes in lower-case hex, the one spelling :func:`diff_catalogs` writes (so a
    diff has one encoding, and one digest)."""
    if not isinstance(value, str) or len(value) != 2 * size or not _LOWER_HEX.fullmatch(value):
        raise ValueError(f"{what}: want {2 * size} lower-case hex digits, got {_brief(value)}")
    return bytes.fromhex(value)


def _fail(msg: str) -> DiffInvalid:
    return DiffInvalid(f"diff: {msg}")


def _check(data: Any, hasher: Hasher | None) -> CatalogDiff:
    if isinstance(data, CatalogDiff):
        data = data.data
    if not isinstance(data, Mapping):
        raise _fail("want a JSON object")
    if data.get("schema") != DIFF_SCHEMA_ID:
        raise _fail(f"schema is {data.get('schema')!r}, want {DIFF_SCHEMA_ID!r}")
    algorithm = data.get("algorithm")
    if hasher is None:
        if not isinstance(algorithm, str):
            raise _fail("algorithm: want a string")
        try:
            hasher = hasher_by_name(algorithm)
        except ProofInvalid as exc:
            raise _fail(f"algorithm: {exc}") from None
    elif algorithm != hasher.name:
        raise _fail(f"algorithm is {algorithm!r}, verifier uses {hasher.name}")
    sides: dict[str, dict[str, Any]] = {}
    for name in ("old", "new"):
        side = data.get(name)
        if not isinstance(side, Mapping):
            raise _fail(f"{name}: want an object")
        count = side.get("resource_count")
        if type(count) is not int or count < 0:
            raise _fail(f"{name}.resource_count: want a non-negative integer")
        unknown = set(side) - _SIDE_FIELDS
        if unknown:
            raise _fail(f"{name}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        try:
            root = _hex(side.get("merkle_root"), hasher.size, f"{name}.merkle_root")
        except ValueError as exc:
            raise _fail(str(exc)) from None
        # the proofs bind a non-empty tree's size to its root (they must cover every leaf
        # position of that root's shape); with no proofs only the root itself can
        if count == 0 and root != hasher.empty_root():
            raise _fail(
                f"{name}.resource_count is 0 but {name}.merkle_root is not the empty tree's "
                f"root ({hasher.name} of no bytes): the catalog has resources the diff leaves out"
            )
        sides[name] = {"count": count, "root": root, "seen": set()}
    entries = data.get("proofs")
    if not isinstance(entries, list):
        raise _fail("proofs: want a list")
    codes: set[str] = set()
    for k, e in enumerate(entries):
        where = f"proofs[{k}]"
        if not isinstance(e, Mapping) or set(e) != {"code", "old", "new"}:
            raise _fail(f"{where}: want an object with code, old and new")
        code = e["code"]
        if not isinstance(code, str) or code in codes:
            raise _fail(f"{where}.code: missing or duplicate resource code {code!r}")
        codes.add(code)
        if e["old"] is None and e["new"] is None:
            raise _fail(f"{where}: resource {code} is in neither catalog")
        for name in ("old", "new"):
            s = e[name]
            if s is None:
                continue
            if not isinstance(s, Mapping) or set(s) != {"leaf_index", "resource", "audit_path"}:
                raise _fail(f"{where}.{name}: want leaf_index, resource and audit_path")
            resource = s["resource"]
            if not isinstance(resource, Mapping) or resource.get("code") != code:
                raise _fail(f"{where}.{name}.resource: its code is not {code}")
            index, info = s["leaf_index"], sides[name]
            if type(index) is not int or not 0 <= index < info["count"] or index in info["seen"]:
                raise _fail(
                    f"{where}.{name}.leaf_index: {index!r} is out of range or repeated "
                    f"(tree size {info['count']})"
                )
            info["seen"].add(index)
            path = s["audit_path"]
            try:
                leaf = canonicalize(resource)
                # field changes are computed from the resources, the proof holds for the leaf
                # bytes: they must be one value (4.0 and 4 share a leaf but compare as changed)
                value = json.loads(leaf)
                if not _same(value, resource):
                    at = next(iter(field_changes(value, resource)), {"path": "$"})["path"]
                    raise _fail(
                        f"{where}.{name}.resource: not the value its leaf bytes denote, at {at} "
                        "(a number or type written otherwise than in the leaf, e.g. 4.0 for 4)"
                    )
                if not isinstance(path, list):
                    raise TypeError(f"audit_path: want a list of hashes, got {_brief(path)}")
                hashes = tuple(_hex(p, hasher.size, f"audit_path[{i}]") for i, p in enumerate(path))
                proof = InclusionProof(
                    index, info["count"], hasher.hash_leaf(leaf), hashes, info["root"], hasher.name
                )
                verify_inclusion(proof, info["root"], hasher)
            except RootMismatch as exc:
                raise DiffInvalid(
                    f"diff: {where}.{name}: resource {code} is not leaf {index} "
                    f"of the {name} root: {exc}"
                ) from exc
            except (ProofInvalid, CatalogInvalid, TypeError, ValueError) as exc:
                raise _fail(f"{where}.{name}: bad proof for {code}: {exc}") from exc
    for name, info in sides.items():
        if len(info["seen"]) != info["count"]:
            raise _fail(f"{name}: proofs cover {len(info['seen'])} of {info['count']} resources")
    order = [(e["old"] is None, (e["old"] or e["new"])["leaf_index"]) for e in entries]
    if order != sorted(order):  # the order diff_catalogs writes (and added/removed follow)
        raise _fail(
            "proofs: want the old catalog's resources in its order, then the added ones in "
            "the new catalog's order"
        )
    project_code = data.get("project_code")
    expected = _body(project_code, hasher.name, data["old"], data["new"], entries)  # type: ignore[arg-type]
    for key, want in expected.items():
        got = data.get(key, _MISSING)
        if got is _MISSING or not _same(got, want):  # exact types: 1429.0 is not 1429
            raise _fail(
                f"{key} does not match the proofs: claimed {_short(got)}, recomputed {_short(want)}"
            )
    extra = set(data) - set(expected) - {"proofs"}
    if extra:
        raise _fail(f"unknown field(s) {', '.join(sorted(extra))}")
    return CatalogDiff(dict(data))


def _short(value: Any) -> str:
    if value is _MISSING:
        return "(missing)"
    try:
        text = canonicalize(value).decode("utf-8")
    except CatalogInvalid:  # NaN, a lone surrogate
        return _brief(value)
    if not _same(value, json.loads(text)):  # 1429.0 would read 1429: show it as written
        return _brief(value)
    return text if len(text) <= 160 else text[:157] + "..."


def verify_diff(
    diff: CatalogDiff | Mapping[str, Any],
    old_root: bytes,
    new_root: bytes,
    *,
    hasher: Hasher | None = None,
    old_count: int | None = None,
    new_count: int | None = None,
) -> None:
    """Check a diff against the two anchored roots (and resource counts, when known); ``None``
    or raise.

    The sides' ``kind``, ``version`` and ``digest`` and the ``project_code`` are informative: the
    diff cannot prove them; look them up with the roots in the ledger's anchor records.

    Raises :class:`RootMismatch` when the diff is about other roots, :class:`DiffInvalid` when
    a proof fails, a resource is missing or repeated, or any claimed list, count, field change
    or ratio differs from what the proven leaves give (e.g. "unchanged" but the leaves differ).
    """
    checked = _check(diff, hasher)
    if checked.old_root != old_root:
        raise RootMismatch(old_root, checked.old_root, what="old root")
    if checked.new_root != new_root:
        raise RootMismatch(new_root, checked.new_root, what="new root")
    for name, want in (("old", old_count), ("new", new_count)):
        got = checked.data[name]["resource_count"]
        if want is not None and got != want:
            raise _fail(f"{name}.resource_count is {got}, the anchored count is {want}")
