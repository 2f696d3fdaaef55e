"""The canonical fast path is byte-identical to ``rfc8785.dumps`` or steps aside."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import CatalogInvalid, canonicalize
from catalog._jcs import SAFE_INT_MAX, canonicalize_plain, is_plain

# keys and strings mixing ASCII, controls, CJK, the high BMP (U+E000-U+FFFF) and astral chars:
# the one place where code-point order and UTF-16 order differ
_CHARS = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
_TEXT = st.text(_CHARS, max_size=8)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    _TEXT,
    st.integers(-SAFE_INT_MAX, SAFE_INT_MAX),
    st.integers(min_value=SAFE_INT_MAX + 1) | st.integers(max_value=-SAFE_INT_MAX - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=25,
)
PLAIN = st.recursive(
    st.one_of(st.none(), st.booleans(), _TEXT, st.integers(-SAFE_INT_MAX, SAFE_INT_MAX)),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=0xD7FF), max_size=6), inner, max_size=5
        )
    ),
    max_leaves=25,
)


def _rfc(obj: object) -> bytes | None:
    try:
        return rfc8785.dumps(obj)  # type: ignore[arg-type]
    except rfc8785.CanonicalizationError:
        return None


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_canonicalize_equals_rfc8785_on_any_json(value: object) -> None:
    want = _rfc(value)
    if want is None:
        with pytest.raises(CatalogInvalid, match="not canonicalisable"):
            canonicalize(value)
    else:
        assert canonicalize(value) == want


@settings(max_examples=300, deadline=None)
@given(PLAIN)
def test_fast_path_equals_rfc8785_on_plain_values(value: object) -> None:
    assert is_plain(value)
    assert canonicalize_plain(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


def test_astral_keys_sort_differently_and_take_the_slow_path() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    assert not is_plain(value)
    assert canonicalize(value) == rfc8785.dumps(value)
    assert canonicalize(value).index("😀".encode()) < canonicalize(value).index("\ue000".encode())
    # the plain path alone would have got it wrong: this is why is_plain looks at keys
    assert canonicalize_plain(value) != rfc8785.dumps(value)


@pytest.mark.parametrize("value", [1.5, [1e21], {"a": float("1e-7")}, (1, 2), {"\U0001f600": None}])
def test_non_plain_values_fall_back(value: object) -> None:
    assert not is_plain(value)
    assert canonicalize(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 2**53, -(2**53), {1: 2}, "\ud800", {"k": object()}]
)
def test_not_canonicalisable(value: object) -> None:
    with pytest.raises(CatalogInvalid):
        canonicalize(value)


def test_escapes_match_rfc8785_examples() -> None:
    value = {"\u20ac": '\u0000\u001f\u007f\b\f\n\r\t"\\/\u2028', "1": [None, True, False, -0]}
    assert canonicalize(value) == rfc8785.dumps(value)
    assert (
        canonicalize(value)
        == json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
