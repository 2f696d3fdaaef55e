"""The C canonicaliser (``catalog._canon.canonical``): RFC 8785 bytes of one JSON object, or
``None`` (declined) for anything outside the subset it handles.

Checked against an independent pure-Python reference (``_expected``: ``json.loads`` with hooks
plus explicit byte checks) and, for generated documents, against what the generated value
says the answer must be:

- it declines exactly: not one complete JSON object text (RFC 8259, JSON whitespace only, no
  BOM), any backslash, a raw control character or invalid UTF-8 in a string, a non-ASCII key,
  a number that is not a plain integer of at most 15 digits (or is ``-0``), a duplicate key in
  one object, nesting deeper than ``MAX_DEPTH`` (64) objects and arrays;
- otherwise it returns exactly ``rfc8785.dumps(json.loads(data))``, non-ASCII strings verbatim;
- on generated documents in several serialisations, on byte mutations of those and of the
  example catalogs, on explicit edge cases for every rule, on large inputs (5 MB, 200,000
  members), and over many calls: no memory or reference growth; already canonical input comes
  back as the same object, anything else as a new one.
"""

from __future__ import annotations

import codecs
import gc
import json
import random
import re
import sys
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog._canon import MAX_DEPTH, canonical

from ._helpers import EXAMPLES, shuffled

# --- the reference: the spec, written independently of the C code ----------------------------

DEPTH = 64  # the spec's limit, not read from the module (test_max_depth_is_64 checks both)
DIGITS = 15  # the most digits of an integer, sign not counted
_STRING = re.compile(rb'"[^"]*"')  # a string token, once there is no backslash at all
_CONTROL = re.compile(rb"[\x00-\x1f]")


class _Declined(Exception):
    """Raised by the ``json.loads`` hooks for what parses but is declined."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Declined("duplicate key")
    if not all(k.isascii() for k in keys):
        raise _Declined("non-ASCII key")
    return dict(pairs)


def _integer(token: str) -> int:
    if token == "-0" or len(token.removeprefix("-")) > DIGITS:
        raise _Declined(f"number {token}")
    return int(token)


def _not_integer(token: str) -> Any:
    raise _Declined(f"number {token}")


def _depth(value: Any) -> int:
    """Levels of objects and arrays: ``{}`` is 1, ``{"a": []}`` is 2."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _expected(data: bytes) -> bytes | None:
    """What ``canonical(data)`` must return, by the spec."""
    if b"\\" in data or data.startswith(codecs.BOM_UTF8):
        return None
    try:
        text = data.decode("utf-8")  # strict: what Python refuses is not UTF-8
    except UnicodeDecodeError:
        return None
    # json's C decoder recurses once per level, bounded only by the recursion limit, which
    # py_ecc (imported by other tests in the same worker) raises to 100,000: 100,000 levels
    # then overflow the C stack. Bound it here; anything that deep is declined anyway.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(min(limit, 4 * DEPTH + 1000))
    try:
        value = json.loads(  # strict=True: no raw control character inside a string
            text,
            object_pairs_hook=_members,
            parse_int=_integer,
            parse_float=_not_integer,
            parse_constant=_not_integer,  # NaN, Infinity, -Infinity
        )
    except (ValueError, _Declined, RecursionError):
        return None
    finally:
        sys.setrecursionlimit(limit)
    if not isinstance(value, dict) or _depth(value) > DEPTH:
        return None
    # json.loads parsed it, and there is no backslash: each string token is '"[^"]*"'
    if any(_CONTROL.search(m.group()) for m in _STRING.finditer(data)):
        return None
    return rfc8785.dumps(value)


def _check(data: bytes, label: str = "") -> bytes | None:
    """The C result, asserted equal to the reference and a bytes or None."""
    got = canonical(data)
    assert got is None or type(got) is bytes
    shown = repr(data) if len(data) <= 400 else f"{len(data)} bytes"
    assert got == _expected(data), f"{label} {shown}"
    return got


# --- generated documents ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Obj:
    """An object as written: its members in order, duplicates kept."""

    pairs: tuple[tuple[str, Any], ...]


def _plain(s: str, ascii_only: bool) -> bool:
    """Written by json.dumps without a backslash escape (ensure_ascii: only " " to "~")."""
    return not any(c in '"\\' or c < " " or (ascii_only and c > "~") for c in s)


def _accepted(node: Any, level: int = 0, ascii_only: bool = False) -> bool:
    """Whether a generated tree, written out, must be accepted (``level``: containers
    around ``node``)."""
    if isinstance(node, _Obj | list):
        if level + 1 > DEPTH:
            return False
        if isinstance(node, list):
            return all(_accepted(v, level + 1, ascii_only) for v in node)
        keys = [k for k, _ in node.pairs]
        return (
            len(set(keys)) == len(keys)
            and all(k.isascii() and _plain(k, ascii_only) for k in keys)
            and all(_accepted(v, level + 1, ascii_only) for _, v in node.pairs)
        )
    if node is None or isinstance(node, bool):
        return True
    if isinstance(node, int):
        return bool(abs(node) < 10**DIGITS)
    if isinstance(node, str):
        return _plain(node, ascii_only)
    return False  # a float, however it is written


def _value(node: Any) -> Any:
    """What ``json.loads`` makes of a tree (a duplicate key: the last member)."""
    if isinstance(node, _Obj):
        return {k: _value(v) for k, v in node.pairs}
    if isinstance(node, list):
        return [_value(v) for v in node]
    return node


def _tree(value: Any) -> Any:
    if isinstance(value, dict):
        return _Obj(tuple((k, _tree(v)) for k, v in value.items()))
    if isinstance(value, list):
        return [_tree(v) for v in value]
    return value


def _write(node: Any, ws: Callable[[], str]) -> str:
    """A tree as JSON text, with ``ws()`` between all tokens."""
    if isinstance(node, _Obj):
        inner = ",".join(
            f"{ws()}{json.dumps(k, ensure_ascii=False)}{ws()}:{ws()}{_write(v, ws)}{ws()}"
            for k, v in node.pairs
        )
        return "{" + (inner or ws()) + "}"
    if isinstance(node, list):
        return "[" + (",".join(f"{ws()}{_write(v, ws)}{ws()}" for v in node) or ws()) + "]"
    return json.dumps(node, ensure_ascii=False)  # NaN and Infinity as Python writes them


def _spacing(seed: int) -> Callable[[], str]:
    rng = random.Random(seed)
    return lambda: "".join(rng.choice(" \t\n\r") for _ in range(rng.choice((0, 0, 0, 1, 3))))


# json.dumps keyword arguments, and whether the text can have \\u escapes of non-ASCII
STYLES: list[tuple[dict[str, Any], bool]] = [
    ({"ensure_ascii": False, "separators": (",", ":")}, False),
    ({"ensure_ascii": False}, False),
    ({"ensure_ascii": False, "indent": 2}, False),
    ({"ensure_ascii": False, "indent": "\t", "separators": (" ,\r\n", " :\t")}, False),
    ({"ensure_ascii": True, "separators": (",", ":")}, True),
]

_CONTROLS = "".join(map(chr, range(0x20)))
_PLAIN_CHARS = st.characters(codec="utf-8", exclude_characters=_CONTROLS + '"\\')
_ANY_CHARS = st.characters(codec="utf-8")  # all of Unicode but surrogates
_PLAIN_STRINGS = st.text(_PLAIN_CHARS, max_size=10) | st.sampled_from(
    ["", "中文", "😀", "\u2028\u2029", "\x7f\x80\x9f", "\ufeff", "\U0010ffff", "\uffff", "/"]
)
_ANY_STRINGS = _PLAIN_STRINGS | st.text(_ANY_CHARS, max_size=5)
_PLAIN_KEYS = st.text(
    st.characters(max_codepoint=0x7F, exclude_characters=_CONTROLS + '"\\'), max_size=4
)
_ANY_KEYS = (
    _PLAIN_KEYS
    | st.text(st.characters(max_codepoint=0x7F), max_size=3)
    | st.sampled_from(["é", "键", "😀", "a\x80"])
)
_INTS = st.integers(-(10**DIGITS - 1), 10**DIGITS - 1) | st.sampled_from(
    [0, -1, 10**DIGITS - 1, -(10**DIGITS - 1)]
)
_ANY_INTS = _INTS | st.sampled_from([10**DIGITS, -(10**DIGITS), 2**53, -(2**63), 10**30])
_FLOATS = st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e16, 1e-7, 1e300, float("nan"), float("inf")])


def _trees(keys: st.SearchStrategy[str], scalars: st.SearchStrategy[Any], unique: bool) -> Any:
    def objects(values: st.SearchStrategy[Any]) -> st.SearchStrategy[_Obj]:
        pairs = st.lists(
            st.tuples(keys, values), max_size=5, unique_by=(lambda p: p[0]) if unique else None
        )
        return pairs.map(lambda ps: _Obj(tuple(ps)))

    def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.lists(inner, max_size=4) | objects(inner)

    return objects(st.recursive(scalars, containers, max_leaves=16))


CLEAN = _trees(
    _PLAIN_KEYS, st.none() | st.booleans() | _INTS | _PLAIN_STRINGS, unique=True
)  # always accepted
WILD = _trees(
    _ANY_KEYS,
    st.none() | st.booleans() | _INTS | _ANY_INTS | _PLAIN_STRINGS | _ANY_STRINGS | _FLOATS,
    unique=False,
)


def _nested(node: _Obj, levels: int) -> _Obj:
    """``node`` inside ``levels`` more containers, arrays and objects alternating."""
    cur: Any = node
    for i in range(levels):
        cur = _Obj((("n", cur),)) if i % 2 else [cur]
    return cur if isinstance(cur, _Obj) else _Obj((("n", cur),))


@settings(max_examples=60, deadline=None)
@given(WILD, st.integers(0, 2**32))
def test_written_trees_match_the_reference_and_the_tree(tree: _Obj, seed: int) -> None:
    """Any whitespace between tokens; duplicates, escapes, floats, non-ASCII keys declined."""
    for ws in (lambda: "", _spacing(seed)):
        data = _write(tree, ws).encode()
        want = rfc8785.dumps(_value(tree)) if _accepted(tree) else None
        assert _check(data) == want


@settings(max_examples=40, deadline=None)
@given(WILD, st.integers(0, 2**32))
def test_json_dumps_styles_match_the_reference(tree: _Obj, seed: int) -> None:
    value = _value(tree)
    for doc in (value, shuffled(value, random.Random(seed))):
        for kwargs, ascii_only in STYLES:
            data = json.dumps(doc, **kwargs).encode()
            ok = _accepted(_tree(doc), ascii_only=ascii_only)
            assert _check(data) == (rfc8785.dumps(doc) if ok else None)


@settings(max_examples=40, deadline=None)
@given(CLEAN, st.integers(0, 2**32))
def test_clean_documents_are_canonicalised(tree: _Obj, seed: int) -> None:
    value = _value(tree)
    want = rfc8785.dumps(value)
    texts = [_write(tree, _spacing(seed)).encode(), want]
    for doc in (value, shuffled(value, random.Random(seed))):
        texts += [json.dumps(doc, **kwargs).encode() for kwargs, _ in STYLES[:4]]
    for data in texts:
        assert canonical(data) == want, data
    assert _expected(want) == want


@settings(max_examples=25, deadline=None)
@given(CLEAN, st.integers(0, DEPTH + 2))
def test_nesting_of_generated_documents(tree: _Obj, levels: int) -> None:
    node = _nested(tree, levels)
    data = _write(node, lambda: "").encode()
    assert _check(data) == (rfc8785.dumps(_value(node)) if _accepted(node) else None)
    assert (_check(data) is not None) == (_depth(_value(node)) <= DEPTH)


# --- byte mutations -------------------------------------------------------------------------

FRAGMENTS = [
    b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b" ", b"\t", b"\n", b"\r", b"\x0c",
    b"\x00", b"\x1f", b"\x7f", b"\x80", b"\xbf", b"\xc0\xaf", b"\xc2", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"\xe4\xb8", b"\xef\xbb\xbf", b"\xff", "é".encode(), "中".encode(),
    "😀".encode(), b"0", b"1", b"-", b".", b"e", b"E", b"+", b"true", b"null", b"-0", b"1.5",
    b"1e2", b"[]", b"{}", b'"a":1,', b"1000000000000000",
]  # fmt: skip
NUMBERS = [
    b"0", b"-0", b"1.0", b"1e2", b"1E2", b"-1", b"01", b"+1", b"999999999999999",
    b"-999999999999999", b"1000000000000000", b"-1000000000000000", b"0.0", b"1e-2",
]  # fmt: skip
_MEMBER = re.compile(rb'[{,]\s*("[^"\\]*"\s*:)')
_NUMBER = re.compile(rb"-?[0-9]+")


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three random edits: bit flips, byte replacements, insertions, deletions, a
    duplicated key, a number replaced."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if op == 0 and at < len(out):
            out[at] ^= 1 << rng.randrange(8)
        elif op == 1 and at < len(out):
            out[at : at + 1] = rng.choice(FRAGMENTS)[:1]
        elif op == 2:
            out[at:at] = rng.choice(FRAGMENTS)
        elif op == 3:
            del out[at : at + rng.randint(1, 3)]
        elif op == 4 and (members := list(_MEMBER.finditer(out))):
            m = rng.choice(members)  # the same key once more, before its member
            out[m.start(1) : m.start(1)] = m.group(1) + rng.choice((b"null,", b"{},", b"1,"))
        elif op == 5 and (numbers := list(_NUMBER.finditer(out))):
            m = rng.choice(numbers)
            out[m.start() : m.end()] = rng.choice(NUMBERS)
        elif op == 6:
            out[at:at] = out[rng.randrange(len(out) + 1) :][: rng.randint(1, 8)]
    return bytes(out)


_EXAMPLES = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", _EXAMPLES, ids=[p.name for p in _EXAMPLES])
def test_mutated_examples_match_the_reference(path: Any) -> None:
    data = path.read_bytes()
    assert _check(data) == rfc8785.dumps(json.loads(data))
    accepted = 0
    for seed in range(100):
        mutated = _mutate(data, random.Random(seed))
        accepted += _check(mutated, f"_mutate({path.name}, random.Random({seed}))") is not None
    assert accepted > 0  # the mutations do not only break the document


@settings(max_examples=60, deadline=None)
@given(CLEAN, st.integers(0, 2**32), st.integers(0, 2**32))
def test_mutated_documents_match_the_reference(tree: _Obj, seed: int, mutation: int) -> None:
    data = _write(tree, _spacing(seed)).encode()
    _check(_mutate(data, random.Random(mutation)))
    _check(_mutate(rfc8785.dumps(_value(tree)), random.Random(mutation)))


# --- explicit cases ---------------------------------------------------------------------------


def _deep(levels: int, kind: str, inner: bytes = b"") -> bytes:
    """An object holding ``levels - 1`` nested arrays or objects: ``levels`` levels."""
    if kind == "array":
        return b'{"a":' + b"[" * (levels - 1) + inner + b"]" * (levels - 1) + b"}"
    return b'{"a":' * (levels - 1) + b"{" + inner + b"}" * levels


DECLINED = {
    # 1. not one JSON object text
    "empty": b"",
    "whitespace only": b" \t\r\n",
    "BOM": codecs.BOM_UTF8 + b"{}",
    "BOM after whitespace": b" " + codecs.BOM_UTF8 + b"{}",
    "top-level array": b"[]",
    "top-level string": b'"a"',
    "top-level number": b"1",
    "top-level true": b"true",
    "top-level null": b"null",
    "trailing garbage": b'{"a":1}x',
    "trailing NUL": b"{}\x00",
    "two objects": b"{}{}",
    "trailing comma object": b'{"a":1,}',
    "trailing comma array": b'{"a":[1,]}',
    "leading comma": b'{,"a":1}',
    "missing comma": b'{"a":1 "b":2}',
    "missing colon": b'{"a" 1}',
    "missing value": b'{"a":}',
    "key without value": b'{"a"}',
    "unquoted key": b"{a:1}",
    "single quotes": b"{'a':1}",
    "number key": b"{1:1}",
    "unclosed object": b'{"a":1',
    "unclosed array": b'{"a":[1}',
    "unclosed string": b'{"a":"b}',
    "unmatched bracket": b'{"a":[1]]}',
    "extra close": b"{}}",
    "leading zero": b'{"a":01}',
    "plus sign": b'{"a":+1}',
    "bare minus": b'{"a":-}',
    "leading dot": b'{"a":.5}',
    "trailing dot": b'{"a":1.}',
    "NaN": b'{"a":NaN}',
    "Infinity": b'{"a":Infinity}',
    "-Infinity": b'{"a":-Infinity}',
    "True": b'{"a":True}',
    "nul": b'{"a":nul}',
    "truex": b'{"a":truex}',
    "form feed": b"\x0c{}",
    "vertical tab": b"{}\x0b",
    "NBSP": b"\xc2\xa0{}",
    "ideographic space": '{"a":\u30001}'.encode(),
    "comment": b'{"a":1/*x*/}',
    # 2. a backslash anywhere
    "escaped n": b'{"a":"\\n"}',
    "escaped quote": b'{"a":"\\""}',
    "escaped slash": b'{"a":"\\/"}',
    "u escape": b'{"a":"\\u0041"}',
    "u escape key": b'{"\\u0061":1}',
    "backslash outside": b'{"a":1}\\',
    "backslash in whitespace": b'{\\"a":1}',
    # 3. a raw control character or bad UTF-8 in a string
    "raw tab": b'{"a":"\t"}',
    "raw LF": b'{"a":"\n"}',
    "raw NUL": b'{"a":"x\x00"}',
    "raw 0x1f": b'{"a":"\x1f"}',
    "raw tab in key": b'{"\t":1}',
    "overlong C0 AF": b'{"a":"\xc0\xaf"}',
    "overlong C1 BF": b'{"a":"\xc1\xbf"}',
    "overlong E0 80 AF": b'{"a":"\xe0\x80\xaf"}',
    "overlong F0 80 80 AF": b'{"a":"\xf0\x80\x80\xaf"}',
    "surrogate ED A0 80": b'{"a":"\xed\xa0\x80"}',
    "surrogate ED BF BF": b'{"a":"\xed\xbf\xbf"}',
    "above U+10FFFF F4 90 80 80": b'{"a":"\xf4\x90\x80\x80"}',
    "F5 lead": b'{"a":"\xf5\x80\x80\x80"}',
    "FF": b'{"a":"\xff"}',
    "FE": b'{"a":"\xfe"}',
    "lone continuation": b'{"a":"\x80"}',
    "truncated E4 B8": b'{"a":"\xe4\xb8"}',
    "truncated E4 B8 then ASCII": b'{"a":"\xe4\xb8x"}',
    "truncated F0 9F 98": b'{"a":"\xf0\x9f\x98"}',
    "truncated at end": b'{"a":"\xe4\xb8',
    "bad UTF-8 in key": b'{"\xff":1}',
    "bad UTF-8 outside": b'{"a":1}\xff',
    # 4. a non-ASCII key
    "non-ASCII key": '{"é":1}'.encode(),
    "CJK key": '{"键":"值"}'.encode(),
    "U+0080 key": b'{"\xc2\x80":1}',
    "nested non-ASCII key": '{"a":[{"b":{"😀":1}}]}'.encode(),
    # 5. a number that is not a plain integer of at most 15 digits
    "-0": b'{"a":-0}',
    "1.0": b'{"a":1.0}',
    "0.0": b'{"a":0.0}',
    "-0.0": b'{"a":-0.0}',
    "1e2": b'{"a":1e2}',
    "1E2": b'{"a":1E2}',
    "1e-2": b'{"a":1e-2}',
    "1e+2": b'{"a":1e+2}',
    "0e0": b'{"a":0e0}',
    "16 digits": b'{"a":1000000000000000}',
    "-16 digits": b'{"a":-1000000000000000}',
    "16 nines": b'{"a":9999999999999999}',
    "40 digits": b'{"a":' + b"1" * 40 + b"}",
    "fraction in array": b'{"a":[1,2.5]}',
    "-0 nested": b'{"a":{"b":[0,-0]}}',
    # 6. a duplicate key in one object
    "duplicate top level": b'{"a":1,"a":1}',
    "duplicate apart": b'{"a":1,"b":2,"a":3}',
    "duplicate empty key": b'{"":1,"":2}',
    "duplicate nested": b'{"x":{"a":1,"a":2}}',
    "duplicate in array": b'{"x":[{"a":1},{"b":1,"b":1}]}',
    "duplicate with whitespace": b'{ "a" : 1 , "a" : {} }',
    # 7. nesting deeper than 64
    "65 levels of arrays": _deep(65, "array"),
    "65 levels of objects": _deep(65, "object"),
    "65 levels, value inside": _deep(65, "array", b"1"),
    "65 levels after a shallow member": b'{"x":[],"y":' + _deep(64, "array") + b"}",
    "1000 levels": _deep(1000, "array"),
    "100000 levels": _deep(100_000, "array"),
    "100000 unclosed": b"{" + b'"a":[' * 100_000,
}


@pytest.mark.parametrize("data", list(DECLINED.values()), ids=list(DECLINED))
def test_declined(data: bytes) -> None:
    assert canonical(data) is None
    assert _expected(data) is None  # the reference agrees


ACCEPTED = {
    "empty object": (b"{}", b"{}"),
    "whitespace around": (b" \t\r\n{ \t\r\n} \r\n\t", b"{}"),
    "15 digits": (b'{"a":999999999999999}', b'{"a":999999999999999}'),
    "-15 digits": (b'{"a":-999999999999999}', b'{"a":-999999999999999}'),
    "15 digits round": (b'{"a":100000000000000}', b'{"a":100000000000000}'),
    "zero and -1": (b'{"a":[0,-1,7]}', b'{"a":[0,-1,7]}'),
    "literals": (b'{"t":true,"f":false,"n":null}', b'{"f":false,"n":null,"t":true}'),
    "empty containers": (b'{"a":[],"b":{},"c":[[],{}]}', b'{"a":[],"b":{},"c":[[],{}]}'),
    "empty key and string": (b'{"":""}', b'{"":""}'),
    "sorted keys": (
        b'{"aa":1,"_":2,"B":3,"a":4,"":5}',
        b'{"":5,"B":3,"_":2,"a":4,"aa":1}',
    ),
    "ASCII byte order": (
        b'{"~":0,"a ":1,"a":2,"A":3,"!":4,"0":5,"a0":6,"ab":7,"Z":8}',
        b'{"!":4,"0":5,"A":3,"Z":8,"a":2,"a ":1,"a0":6,"ab":7,"~":0}',
    ),
    "same key in different objects": (
        b'{"a":{"a":1},"b":[{"a":2},{"a":3}]}',
        b'{"a":{"a":1},"b":[{"a":2},{"a":3}]}',
    ),
    "nested sort and whitespace": (
        b'{ "b" : [ 1 , { "y" : null , "x" : true } ] , "a" : { } }',
        b'{"a":{},"b":[1,{"x":true,"y":null}]}',
    ),
    "non-ASCII strings verbatim": (
        '{"a":"中文😀\u2028\u2029","b":"\ufeffx"}'.encode(),
        '{"a":"中文😀\u2028\u2029","b":"\ufeffx"}'.encode(),
    ),
    "DEL and C1": (b'{"a":"\x7f\xc2\x80\xc2\x9f"}', b'{"a":"\x7f\xc2\x80\xc2\x9f"}'),
    "U+10FFFF and U+FFFF": (b'{"a":"\xf4\x8f\xbf\xbf\xef\xbf\xbf"}', None),
    "U+D7FF and U+E000": (b'{"a":"\xed\x9f\xbf\xee\x80\x80"}', None),
    "slash and specials": (b'{"a":"/<>&\'`"}', b'{"a":"/<>&\'`"}'),
    "key with space and symbols": (b'{"a b/c":1}', b'{"a b/c":1}'),
    "64 levels of arrays": (_deep(64, "array"), None),
    "64 levels of objects": (_deep(64, "object"), None),
    "64 levels, value inside": (_deep(64, "array", b"1"), None),
    "64 levels twice": (
        b'{"x":' + _deep(63, "object") + b',"y":' + _deep(63, "array") + b"}",
        None,
    ),
}


@pytest.mark.parametrize(
    ("data", "want"), list(ACCEPTED.values()), ids=list(ACCEPTED)
)  # want None: no hand-written answer, only rfc8785's
def test_accepted(data: bytes, want: bytes | None) -> None:
    got = canonical(data)
    assert got == rfc8785.dumps(json.loads(data)) == _expected(data)
    if want is not None:
        assert got == want


def test_64_levels_exactly() -> None:
    assert _depth(json.loads(_deep(64, "array"))) == 64 == _depth(json.loads(_deep(64, "object")))
    assert _depth(json.loads(_deep(65, "array"))) == 65 == _depth(json.loads(_deep(65, "object")))


def test_max_depth_is_64() -> None:
    assert MAX_DEPTH == DEPTH == 64


@pytest.mark.parametrize(
    "arg",
    ['{"a":1}', bytearray(b'{"a":1}'), memoryview(b'{"a":1}'), 1, None, [b"{}"]],
    ids=["str", "bytearray", "memoryview", "int", "None", "list"],
)
def test_non_bytes_is_a_type_error(arg: Any) -> None:
    with pytest.raises(TypeError):
        canonical(arg)


def test_one_positional_argument() -> None:
    f: Any = canonical
    with pytest.raises(TypeError):
        f()
    with pytest.raises(TypeError):
        f(b"{}", b"{}")
    with pytest.raises(TypeError):
        f(data=b"{}")


# --- already canonical, order ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_PLAIN_KEYS, _INTS | _PLAIN_STRINGS | st.none(), max_size=12))
def test_keys_sort_as_rfc8785(doc: dict[str, Any]) -> None:
    want = rfc8785.dumps(doc)
    assert list(json.loads(want)) == sorted(doc)  # ASCII: code-unit order is byte order
    items = list(doc.items())
    for order in (items, items[::-1], sorted(items, reverse=True)):
        assert canonical(json.dumps(dict(order), ensure_ascii=False).encode()) == want


@pytest.mark.parametrize("size", [2, 3, 31, 32, 33, 34, 100, 1000])
def test_members_of_any_count_sort_and_duplicates_anywhere_decline(size: int) -> None:
    rng = random.Random(size)
    keys = [f"k{i}" for i in range(size)]  # prefixes of each other too: k1, k10, k100
    rng.shuffle(keys)
    doc = {k: i for i, k in enumerate(keys)}
    values: list[Any] = [doc, {"x": [doc, {"y": doc}], "w": doc}]
    for value in values:
        assert canonical(json.dumps(value).encode()) == rfc8785.dumps(value)
    members = [f'"{k}":{v}' for k, v in doc.items()]
    for _ in range(10):
        i, j = sorted(rng.sample(range(size + 1), 2))
        repeated = f'"{keys[min(i, size - 1)]}":0'
        for text in (
            "{" + ",".join(members[:j] + [repeated] + members[j:]) + "}",
            '{"x":[{' + ",".join(members[:i] + [repeated] + members[i:]) + "}]}",
        ):
            assert canonical(text.encode()) is None, text
            assert _expected(text.encode()) is None


_CANONICAL = [b"{}", b'{"a":1}', b'{"":[],"a":{"b":"\xe4\xb8\xad"}}'] + [
    rfc8785.dumps(json.loads(p.read_bytes())) for p in _EXAMPLES
]


@pytest.mark.parametrize(
    "data", _CANONICAL, ids=["{}", "one", "nested", *(p.name for p in _EXAMPLES)]
)
def test_canonical_input_comes_back_equal(data: bytes) -> None:
    assert canonical(data) == data == _expected(data)


@pytest.mark.parametrize(
    "data", _CANONICAL, ids=["{}", "one", "nested", *(p.name for p in _EXAMPLES)]
)
def test_canonical_input_is_returned_not_copied(data: bytes) -> None:
    """Already canonical bytes come back as the same (immutable) object: no copy. Anything
    that had to change comes back as a new object that nothing else holds."""
    assert canonical(data) is data
    for arg in (b" " + data, data.replace(b":", b": ")):
        if arg == data:  # no colon to space out in {}
            continue
        got = canonical(arg)
        assert type(got) is bytes and got == data
        assert got is not arg
        assert sys.getrefcount(got) == 2  # the local and getrefcount's argument
        assert canonical(arg) is not got


# --- large inputs -----------------------------------------------------------------------------


def test_a_5mb_document() -> None:
    declared = json.loads((EXAMPLES / "declared.json").read_bytes())
    doc = {"catalogs": [declared] * 140, "n": list(range(-2000, 2000)), "deep": declared}
    data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    assert len(data) > 5_000_000
    assert canonical(data) == rfc8785.dumps(doc)
    assert canonical(data + b"\\") is None  # the last byte still counts
    assert canonical(data[:-1]) is None


def test_200000_members() -> None:
    keys = [f"k{i:06d}" for i in range(200_000)]
    random.Random(7).shuffle(keys)
    doc = {k: i - 100_000 for i, k in enumerate(keys)}
    data = json.dumps(doc, separators=(",", ":")).encode()
    assert canonical(data) == rfc8785.dumps(doc)
    duplicate = data[:-1] + b',"' + keys[12345].encode() + b'":0}'  # the last member repeats
    assert canonical(duplicate) is None


# --- many calls -------------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_repeated_calls_do_not_leak() -> None:
    declared = json.loads((EXAMPLES / "declared.json").read_bytes())
    mid = {"resources": declared["resources"][:2], "n": 1}
    data = json.dumps(mid, ensure_ascii=False, indent=2).encode()  # ~5 KB
    want = rfc8785.dumps(mid)
    declined = [DECLINED[k] for k in ("duplicate nested", "1e2", "surrogate ED A0 80",
                                      "65 levels of objects", "trailing comma array",
                                      "non-ASCII key", "raw tab")]  # fmt: skip
    for _ in range(500):  # warm up
        canonical(data)
    gc.collect()
    rss = _rss()
    # only what is allocated from this file's lines: threads left by other tests in this
    # worker (an index sync, a server) allocate meanwhile too
    mine = [tracemalloc.Filter(True, __file__)]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(mine)
        for _ in range(20_000):
            got = canonical(data)
        for d in declined:
            for _ in range(2_000):
                canonical(d)
        del got
        gc.collect()
        after = tracemalloc.take_snapshot().filter_traces(mine)
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 64 * 1024
    assert _rss() - rss < 32 * 1024 * 1024
    assert canonical(data) == want


def test_repeated_calls_keep_reference_counts() -> None:
    """The argument is not kept, None is returned with its own reference."""
    data = json.dumps({"a": [1, 2, {"b": "中"}], "c": None}).encode()
    bad = b'{"a":1,"a":2}'
    got: bytes | None = None
    for _ in range(100):  # warm up: first calls may cache things once
        got = canonical(data)
        got = canonical(bad)
    refs = sys.getrefcount(data), sys.getrefcount(bad), sys.getrefcount(None)
    for _ in range(20_000):
        got = canonical(data)
        got = canonical(bad)
    after = sys.getrefcount(data), sys.getrefcount(bad), sys.getrefcount(None)
    assert after[:2] == refs[:2]
    # None's count is the whole process's: threads left by other tests in this worker move it
    # by some tens; one reference gained or lost per call would move it by 20,000
    assert abs(after[2] - refs[2]) < 1_000, (refs, after)
    assert got is None


def test_threads_get_their_own_results() -> None:
    """The GIL may be released while parsing: concurrent calls do not mix their outputs."""
    inputs = [p.read_bytes() for p in _EXAMPLES] + list(DECLINED.values())[:40]
    wants = [_expected(d) for d in inputs]

    def run(offset: int) -> bool:
        n = len(inputs)
        return all(
            canonical(inputs[(i + offset) % n]) == wants[(i + offset) % n] for i in range(400)
        )

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(run, range(8)))
