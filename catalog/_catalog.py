"""A loaded catalog: the document as given, its canonical bytes, SM3 digest and Merkle tree."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from functools import cached_property
from typing import Any

from pydantic import ValidationError

import sm_crypto

from ._errors import CatalogInvalid, CatalogTooLarge, ProofInvalid
from ._fast import fast_problems
from ._jcs import canonicalize_plain
from ._merkle import SM3_HASHER, Hasher, InclusionProof, MerkleTree
from ._model import CatalogKind, CatalogModel, _CrossFieldError
from ._parse import DEFAULT_MAX_BYTES, json_path, parse_json, read_limited, relative_parts
from ._raw import c_canonical, raw_canonical
from ._scan import scan_canonical, scanned_head

__all__ = ["Catalog", "catalog_from_document", "load_catalog", "read_catalog", "validate_document"]

_RESOURCES_SLOT = b'"resources":[]'
_FIRST_RESOURCE = b'"resources":[{"classification":{"catalogue":"'


def _canonical_starts() -> tuple[bytes, ...]:
    """How the canonical bytes of a catalog can begin: with one of the model's members in
    sorted order up to the first required one (today ``declared_digest`` or ``kind``)."""
    starts = []
    for name, required in sorted(
        (info.alias or name, info.is_required()) for name, info in CatalogModel.model_fields.items()
    ):
        starts.append(b'{"' + name.encode("ascii") + b'":')
        if required:
            break
    return tuple(starts)


_CANONICAL_STARTS = _canonical_starts()
_CONTROLS = [bytes([c]) for c in range(0x20)]  # one memchr each: faster than a regex

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _CrossFieldError):
            out.extend(
                (json_path((*loc, *relative_parts(rel))), msg) for rel, msg in cause.problems
            )
            continue
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (not in schema mulu.catalog/v1)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append((json_path(loc), msg))
    return out


def validate_document(document: Any) -> CatalogModel:
    """Validate a parsed JSON value against the model; :class:`CatalogInvalid` with JSON paths."""
    if not isinstance(document, dict):
        raise CatalogInvalid.at("$", f"a catalog is a JSON object, got {type(document).__name__}")
    try:
        return CatalogModel.model_validate(document)
    except ValidationError as exc:
        raise CatalogInvalid(_problems(exc)) from None


def _check(document: Any) -> None:
    """Fast validation; on failure the model itself words the errors (one source of messages)."""
    if not isinstance(document, dict):
        raise CatalogInvalid.at("$", f"a catalog is a JSON object, got {type(document).__name__}")
    outcome = fast_problems(document)
    if outcome is None:
        return
    validate_document(document)
    # the model accepted what the fast checker refused: report the fast checker's findings
    if isinstance(outcome, ValidationError):  # pragma: no cover - the two are kept equivalent
        raise CatalogInvalid(_problems(outcome))
    raise CatalogInvalid((json_path(relative_parts(p)), m) for p, m in outcome)  # pragma: no cover


def _same_members(data: bytes, canonical: bytes) -> bool:
    """True when ``data`` provably holds no duplicate key, given the canonical bytes of what a
    last-key-wins parser made of it.

    Without any backslash in ``data``, every string in it is written exactly as JCS writes it
    (no escapes, and JSON forbids raw control characters), so the colons inside strings are the
    same in both texts; every other colon separates one object member. A dropped duplicate
    member therefore leaves ``canonical`` with fewer colons. When this returns False the caller
    uses the exact parser, which finds (and names) any duplicate.

    Shortcut for minified input (not one whitespace byte): ``canonical`` of a *valid* document
    writes every token of ``data`` as ``data`` does (strings as above; its only numbers are
    integers, which JSON writes one way), so it is ``data`` reordered, shorter by exactly the
    dropped members: equal lengths prove that nothing was dropped, without counting.
    """
    if b"\\" in data:
        return False
    if len(data) == len(canonical) and not (
        b" " in data or b"\n" in data or b"\r" in data or b"\t" in data
    ):
        return True
    return data.count(b":") == canonical.count(b":")


def _canonical(document: dict[str, Any], leaves: list[bytes]) -> bytes:
    """The JCS bytes of ``document``, assembled around the already canonical ``leaves``.

    JCS serialises each member independently, so the document's bytes are the top-level object
    with ``"resources":[...]`` spliced in. The slot text can occur only once: every other
    top-level value is a string or an integer, in which a ``"`` is always escaped.
    """
    shell = canonicalize_plain({**document, "resources": []})
    head, slot, tail = shell.partition(_RESOURCES_SLOT)
    if not slot or _RESOURCES_SLOT in tail:  # pragma: no cover - impossible for a valid document
        return canonicalize_plain(document)
    return b"".join((head, b'"resources":[', b",".join(leaves), b"]", tail))


class Catalog:
    """A validated catalog. Build it with :func:`load_catalog` or :func:`catalog_from_document`.

    ``document`` is the parsed JSON object exactly as given; ``canonical`` its RFC 8785 bytes,
    ``digest`` their SM3, ``leaves[i]`` the RFC 8785 bytes of ``resources[i]`` and
    ``merkle_root`` the RFC 9162 root (SM3) over the leaves.
    """

    _source: bytes  # the bytes given, when ``document`` is parsed from them on first use

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.leaves: list[bytes] = [canonicalize_plain(r) for r in document["resources"]]
        self.canonical: bytes = _canonical(document, self.leaves)

    @classmethod
    def _scanned(cls, document: dict[str, Any], canonical: bytes, leaves: list[bytes]) -> Catalog:
        """From canonical bytes that :func:`scan_canonical` proved valid, and their leaves."""
        self = cls.__new__(cls)
        self.document = document
        self.canonical = canonical
        self.leaves = leaves
        return self

    @classmethod
    def _raw(cls, source: bytes, canonical: bytes, leaves: list[bytes]) -> Catalog:
        """From ``source`` whose canonical bytes :func:`scan_canonical` proved valid (``source``
        itself, or what :func:`raw_canonical` made of it); ``document`` is parsed from
        ``source`` when first used."""
        self = cls.__new__(cls)
        self._source = source
        self.canonical = canonical
        self.leaves = leaves
        project_code, kind, self.version = scanned_head(canonical)
        self.project_code, self.kind = project_code, CatalogKind(kind)
        return self

    @cached_property
    def document(self) -> dict[str, Any]:
        """The parsed JSON object exactly as given (member order included)."""
        document: dict[str, Any] = (
            _orjson.loads(self._source) if _orjson is not None else parse_json(self._source)
        )
        return document

    def __repr__(self) -> str:
        return (
            f"Catalog({self.project_code} {self.kind.value} v{self.version}, "
            f"{self.resource_count} resources, digest {self.digest.hex()[:16]}…)"
        )

    @cached_property
    def _codes(self) -> dict[str, int]:
        return {r["code"]: i for i, r in enumerate(self.document["resources"])}

    @cached_property
    def model(self) -> CatalogModel:
        """The pydantic model of the document (built on first use)."""
        return CatalogModel.model_validate(self.document)

    @cached_property
    def digest(self) -> bytes:
        """SM3 of the canonical bytes."""
        return sm_crypto.sm3(self.canonical)

    @cached_property
    def tree(self) -> MerkleTree:
        return MerkleTree(self.leaves, SM3_HASHER)

    def tree_with(self, hasher: Hasher) -> MerkleTree:
        return self.tree if hasher is SM3_HASHER else MerkleTree(self.leaves, hasher)

    @property
    def merkle_root(self) -> bytes:
        return self.tree.root

    @property
    def resource_count(self) -> int:
        return len(self.leaves)

    @cached_property
    def project_code(self) -> str:
        return str(self.document["project_code"])

    @cached_property
    def kind(self) -> CatalogKind:
        return CatalogKind(self.document["kind"])

    @cached_property
    def version(self) -> int:
        return int(self.document["version"])

    @property
    def codes(self) -> list[str]:
        return list(self._codes)

    def index_of(self, resource_code: str) -> int:
        try:
            return self._codes[resource_code]
        except KeyError:
            raise ProofInvalid(
                f"resource {resource_code!r} is not in catalog "
                f"{self.project_code} {self.kind.value} v{self.version}"
            ) from None

    def resource(self, resource_code: str) -> dict[str, Any]:
        return dict(self.document["resources"][self.index_of(resource_code)])

    def prove(self, resource_code: str) -> InclusionProof:
        """Inclusion proof of one resource (its leaf bytes included) in :attr:`merkle_root`."""
        index = self.index_of(resource_code)
        proof = self.tree.inclusion_proof(index, leaf=self.leaves[index])
        return dataclasses.replace(proof, resource_code=resource_code)

    def summary(self) -> dict[str, Any]:
        return {
            "project_code": self.project_code,
            "kind": self.kind.value,
            "version": self.version,
            "resource_count": self.resource_count,
            "digest": self.digest.hex(),
            "merkle_root": self.merkle_root.hex(),
        }


def catalog_from_document(document: Any) -> Catalog:
    """Validate an already parsed JSON object and build its :class:`Catalog`."""
    _check(document)
    return Catalog(document)


def _fast_catalog(data: bytes, document: dict[str, Any], *, scan: bool = True) -> Catalog | None:
    """The catalog of ``data`` (parsed by orjson into ``document``) when a fast tier can prove it
    valid; ``None`` sends it to the exact path.

    Tier 1 (unless ``scan`` is false): :func:`scan_canonical` validates the canonical bytes of
    one ``orjson.dumps`` call, and the leaves are slices of them (see ``_scan.py``). Tier 2 (what
    tier 1 declines, e.g. long texts): the fast checker on the dict, then :class:`Catalog`.
    Either way :func:`_same_members` proves no key was duplicated.
    """
    if b"\\" in data:  # _same_members cannot decide: the exact parser will
        return None
    leaves = None
    if scan:
        try:
            canonical = _orjson.dumps(document, option=_orjson.OPT_SORT_KEYS)
        except _orjson.JSONEncodeError:  # pragma: no cover - orjson re-serialises what it parsed
            return None
        leaves = scan_canonical(canonical)
    if leaves is not None:
        cat = Catalog._scanned(document, canonical, leaves)
    elif fast_problems(document) is None:
        cat = Catalog(document)
    else:
        return None
    return cat if _same_members(data, cat.canonical) else None


def _raw_catalog(data: bytes) -> tuple[Catalog | None, bool]:
    """``(catalog, scanned)``: the catalog of ``data`` when :func:`scan_canonical` can prove
    valid either ``data`` itself (already canonical: a stored document, say) or the raw tier's
    sorting of it (``_raw.py``), else ``None``, which sends it to the next tiers.

    ``scanned`` says that the scan saw the sorted bytes and declined them. ``orjson``'s sorted
    re-serialisation of such a document would then be the same bytes, so :func:`load_catalog`
    skips that scan: with no backslash in ``data``, the two serialisations differ only in number
    tokens (``-0``, ``1.0``, ``1E2``), and the scan accepts no number but the plain integers both
    write alike.

    Canonical bytes hold no duplicate member (the scan fixes every object's member sequence),
    but neither the scan nor ``msgspec`` checks the UTF-8 of a string it does not decode, and
    the scan does not look for raw control characters in strings (JSON forbids them; ``msgspec``
    refuses them).
    """
    if b"\\" in data:  # _same_members cannot decide: the exact parser will
        return None, False
    if c_canonical is not None:
        return _c_catalog(data, c_canonical)
    leaves = None
    canonical = data
    looks_canonical = (
        data.startswith(_CANONICAL_STARTS)  # the first member in sorted order; no search
        and (_FIRST_RESOURCE in data or _RESOURCES_SLOT in data)
        and not any(map(data.__contains__, _CONTROLS))
    )
    if looks_canonical:
        leaves = scan_canonical(data)  # a stored document, say
    if leaves is None:
        sorted_ = raw_canonical(data)
        if sorted_ is None:
            return None, False
        if looks_canonical and sorted_ == data:  # the bytes the scan just declined
            return None, True
        canonical = sorted_
        leaves = scan_canonical(canonical)
        if leaves is None:
            return None, True
        if not _same_members(data, canonical):
            return None, False
    try:
        canonical.decode("utf-8")
    except UnicodeDecodeError:
        return None, False
    return Catalog._raw(data, canonical, leaves), False


def _c_catalog(data: bytes, sort: Callable[[bytes], bytes | None]) -> tuple[Catalog | None, bool]:
    """:func:`_raw_catalog` with the C pass (``catalog/_canon.c``) in place of ``msgspec``.

    The C pass sorts the members, and itself declines what would need a decision: an escape, a
    number other than a short integer, ``-0``, a duplicate key, invalid UTF-8, a control
    character in a string, a non-ASCII key, deep nesting. What it returns is therefore the
    document's RFC 8785 bytes, and also what ``orjson`` would write sorted (hence ``scanned``
    when the scan declines it); no UTF-8 or duplicate-key check is left to do here.
    """
    canonical = sort(data)
    if canonical is None:
        return None, False
    leaves = scan_canonical(canonical)
    if leaves is None:
        return None, True
    return Catalog._raw(data, canonical, leaves), False


def load_catalog(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Catalog:
    """Parse (strictly) and validate catalog bytes.

    Fast paths: the raw tier (``_raw.py``) sorts the members without decoding them (or takes
    already canonical bytes as they are) and :func:`scan_canonical` validates the result; else
    ``orjson`` parses and :func:`_fast_catalog` validates. Either proves no key was duplicated.
    Anything else (an error, an escape, a doubt) goes through the exact path:
    :func:`parse_json` (duplicate keys, NaN, UTF-8, depth, surrogates named by JSON path) and
    the model. All paths accept the same documents and give the same bytes.
    """
    if isinstance(data, bytes | bytearray | memoryview) and len(data) > max_bytes:
        raise CatalogTooLarge(len(data), max_bytes)
    scanned = False
    if type(data) is bytes:
        cat, scanned = _raw_catalog(data)
        if cat is not None:
            return cat
    if _orjson is not None and isinstance(data, bytes) and not data.startswith(b"\xef\xbb\xbf"):
        try:
            document = _orjson.loads(data)
        except _orjson.JSONDecodeError:
            document = None
        if type(document) is dict:
            cat = _fast_catalog(data, document, scan=not scanned)
            if cat is not None:
                return cat
    return catalog_from_document(parse_json(data, max_bytes=max_bytes))


def read_catalog(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Catalog:
    """Read a catalog file; an oversized file is refused by its size before it is read."""
    return load_catalog(read_limited(path, max_bytes=max_bytes), max_bytes=max_bytes)
