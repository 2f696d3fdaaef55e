"""RFC 8785 (JCS) canonical bytes: the ``rfc8785`` package, with a byte-identical fast path.

``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` produces exactly
the JCS bytes (after UTF-8 encoding) for a *plain* value:

- objects with ``str`` keys whose code-point order equals their UTF-16 code-unit order (true
  whenever no key holds a character at or above U+D800: only astral characters, which UTF-16
  encodes as surrogates 0xD800-0xDBFF, sort differently against U+E000-U+FFFF);
- arrays, strings (both escape only ``"``, ``\\`` and U+0000-U+001F, with the same short forms
  and lower-case ``\\u00xx``), ``true``/``false``/``null``;
- integers inside the IEEE-754 safe range ``[-(2**53-1), 2**53-1]``.

``orjson.dumps(obj, option=OPT_SORT_KEYS)`` writes the same bytes for the same plain values, about
five times faster than the ``json`` module; it is used when installed.

Floats need ECMAScript number formatting, so anything else (floats, big integers, exotic keys,
other types) goes to ``rfc8785.dumps``. ``tests/catalog/test_jcs.py`` checks both paths agree
byte for byte on generated values.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from ._errors import CatalogInvalid

__all__ = ["SAFE_INT_MAX", "canonicalize", "canonicalize_plain", "is_plain"]

SAFE_INT_MAX = 2**53 - 1

_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; json is the fallback
    _orjson = None  # type: ignore[assignment]


def _dumps_json(obj: Any) -> bytes:
    return _encode(obj).encode("utf-8")


if _orjson is not None:
    _SORT = _orjson.OPT_SORT_KEYS
    _odumps = _orjson.dumps

    def _dumps_fast(obj: Any) -> bytes:
        return _odumps(obj, option=_SORT)

    _FAST_ERRORS: tuple[type[Exception], ...] = (UnicodeEncodeError, _orjson.JSONEncodeError)
else:  # pragma: no cover
    _dumps_fast = _dumps_json
    _FAST_ERRORS = (UnicodeEncodeError,)


def is_plain(obj: Any) -> bool:
    """True when the fast path is known to produce the JCS bytes of ``obj``."""
    stack = [obj]
    pop, push = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is str or kind is bool or value is None:
            continue
        if kind is dict:
            for key in value:
                if not (type(key) is str and (key.isascii() or max(key, default="") < "\ud800")):
                    return False
            push(value.values())
        elif kind is list:
            push(value)
        elif kind is int:
            if not -SAFE_INT_MAX <= value <= SAFE_INT_MAX:
                return False
        else:
            return False
    return True


def canonicalize_plain(obj: Any) -> bytes:
    """The fast path only; the caller guarantees :func:`is_plain` (e.g. validated by a model)."""
    try:
        return _dumps_fast(obj)
    except _FAST_ERRORS as exc:
        raise CatalogInvalid.at("$", "string holds a lone surrogate (not valid Unicode)") from exc


def canonicalize(obj: Any) -> bytes:
    """RFC 8785 bytes of ``obj``: the fast path when it is plain, ``rfc8785.dumps`` otherwise."""
    if is_plain(obj):
        return canonicalize_plain(obj)
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        raise CatalogInvalid.at("$", f"not canonicalisable: {exc}") from exc
