"""Strict JSON reading: size limit first, UTF-8, no duplicate keys, no NaN/Infinity, bounded depth.

Only standard JSON is accepted (RFC 8259): the ``json`` module's extensions (``NaN``,
``Infinity``) are refused, a duplicate key is an error (not "last one wins"), and a string
with a lone surrogate escape (``"\\ud800"``) is refused because it is not Unicode text.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._errors import CatalogInvalid, CatalogTooLarge

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "json_path",
    "parse_json",
    "read_limited",
    "relative_parts",
]

#: default size limit of a catalog document: 16 MiB (a 10,000-resource catalog is ~10 MB)
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: deepest nesting accepted (a catalog needs 5: catalog → resources → resource → items → item)
MAX_DEPTH = 32
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]


def _nesting_exceeds(data: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a scan, no recursion).

    Run before the recursive ``json`` parser whenever orjson (depth-limited to 1024) has not
    already accepted the text: some libraries (web3) raise the interpreter's recursion limit,
    and the C parser would then overflow the stack on a few hundred thousand ``[``.
    """
    depth = 0
    for byte in _STRING.sub(b"", data).translate(None, _NOT_BRACKET):
        if byte == 91 or byte == 123:  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


class _DupMarker:
    """Stands in for a duplicated key's value during the second, locating parse."""


def _strict_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return obj


def _marking_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        obj[key] = _DupMarker() if key in obj else value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_path(parts: Iterator[str | int] | tuple[str | int, ...] | list[str | int]) -> str:
    """``("resources", 3, "code")`` → ``$.resources[3].code``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def relative_parts(rel: str) -> tuple[str | int, ...]:
    """``"resources[2].code"`` → ``("resources", 2, "code")``."""
    parts: list[str | int] = []
    for segment in rel.split("."):
        name, *indices = segment.replace("]", "").split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indices)
    return tuple(parts)


def _find(obj: Any, pred: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(obj, path)]
    while stack:
        value, where = stack.pop()
        if pred(value):
            return where
        if isinstance(value, dict):  # pushed in reverse: found in document order
            stack.extend(reversed([(v, (*where, k)) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, (*where, i)) for i, v in enumerate(value)]))
    return None


def _too_deep(obj: Any, limit: int) -> tuple[str | int, ...] | None:
    """Path of the first container nested deeper than ``limit``, or ``None``."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(obj, ())]
    while stack:
        value, where = stack.pop()
        if len(where) >= limit:
            return where
        if type(value) is dict:
            stack.extend((v, (*where, k)) for k, v in value.items() if type(v) in (dict, list))
        elif type(value) is list:
            stack.extend((v, (*where, i)) for i, v in enumerate(value) if type(v) in (dict, list))
    return None


def _has_surrogate(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _loads(text: str, pairs: Any) -> Any:
    """``json.loads`` with ``pairs`` as the object hook; a failure is :class:`CatalogInvalid`
    (a :class:`_Duplicate` raised by ``pairs`` goes through)."""
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except _Duplicate:
        raise
    except json.JSONDecodeError as exc:
        raise CatalogInvalid.at(
            "$", f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise CatalogInvalid.at("$", f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # NaN/Infinity, integer too long to convert
        raise CatalogInvalid.at("$", f"not JSON: {exc}") from None


def parse_json(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse ``data`` strictly; raise :class:`CatalogInvalid` naming where it went wrong."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CatalogInvalid.at("$", f"want bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise CatalogTooLarge(len(data), max_bytes)
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):
        raise CatalogInvalid.at("$", "starts with a UTF-8 byte-order mark; save without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogInvalid.at(
            "$", f"not UTF-8: byte {exc.start} ({data[exc.start]:#04x}): {exc.reason}"
        ) from None
    safe = False  # orjson accepted it, so it nests at most 1024 deep
    if _orjson is not None:
        try:
            _orjson.loads(data)
            safe = True
        except _orjson.JSONDecodeError:
            pass
    if not safe and _nesting_exceeds(data, MAX_DEPTH):
        raise CatalogInvalid.at("$", f"nested too deeply (more than {MAX_DEPTH} levels)")
    try:
        obj = _loads(text, _strict_pairs)
    except _Duplicate as dup:
        # The strict parse stopped at the first duplicate, before reading the rest: parse again,
        # marking duplicates, to locate it. That parse can still fail further on (a syntax
        # error, NaN, ...): then the document is not JSON at all, and that is what is reported.
        marked = _loads(text, _marking_pairs)
        found = _find(marked, lambda v: isinstance(v, _DupMarker))
        raise CatalogInvalid.at(json_path(found or ()), f"duplicate key {dup.key!r}") from None
    deep = _too_deep(obj, MAX_DEPTH)
    if deep is not None:
        raise CatalogInvalid.at(
            json_path(deep), f"nested too deeply (more than {MAX_DEPTH} levels)"
        )
    if _SURROGATE_ESCAPE.search(data):
        where = _find(obj, _has_surrogate)
        if where is not None:
            raise CatalogInvalid.at(json_path(where), "string holds a lone surrogate escape")
        if _find(obj, lambda v: isinstance(v, dict) and any(_has_surrogate(k) for k in v)):
            raise CatalogInvalid.at("$", "an object key holds a lone surrogate escape")
    return obj


def read_limited(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file, refusing it by its size (``stat``) before reading anything."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise CatalogTooLarge(size, max_bytes)
        with p.open("rb") as fh:
            # a buffer the size the file says it has: read(max_bytes + 1) would allocate (and
            # fault in) the whole limit for every file, 6x the read of a 100 KB catalog
            want = min(size, max_bytes) + 1
            data = fh.read(want)
            if len(data) == want:  # it grew since the stat, or has no size (a pipe, /proc)
                data += fh.read(max_bytes + 1 - len(data))
    except OSError as exc:
        raise CatalogInvalid.at("$", f"cannot read {p}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise CatalogTooLarge(len(data), max_bytes)
    return data
