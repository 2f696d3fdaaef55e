"""The raw tier (``_raw_catalog``: the C pass of ``catalog/_canon.c``, else ``catalog._raw``):
members sorted without decoding strings, or none to sort when the input is already canonical.

It must be sound (whatever it accepts, the model accepts, and its bytes are exactly RFC 8785),
give the same catalog as the exact path, and decline (never wrongly accept) what ``msgspec``
lets through undecoded: invalid UTF-8, non-canonical numbers, duplicate members, whitespace
inside values.
"""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import CatalogInvalid, CatalogModel, load_catalog
from catalog._catalog import _raw_catalog, catalog_from_document
from catalog._model import Resource
from catalog._parse import parse_json
from catalog._raw import struct_for
from catalog._scan import scan_canonical

from ._helpers import clone, document, example, shuffled
from .test_fast import BASES, DELETE, REPLACEMENTS, _model_ok, _mutate
from .test_scan import EDGES, valid_documents


@pytest.fixture(autouse=True, params=["c", "msgspec"])
def sorter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: with the C pass (``catalog/_canon.c``), and with the ``msgspec``
    tier that stands in for it where the package was built without a C compiler."""
    import catalog._catalog as impl

    if request.param == "msgspec":
        monkeypatch.setattr(impl, "c_canonical", None)
    else:
        assert impl.c_canonical is not None, "catalog._canon is not built (make setup builds it)"
    return str(request.param)


def _texts(doc: Any, seed: int) -> list[bytes]:
    """Minified and spaced, members as given and shuffled, and canonical when it can be."""
    rng = random.Random(seed)
    texts = [
        json.dumps(d, ensure_ascii=False, separators=sep).encode()
        for d in (doc, shuffled(doc, rng))
        for sep in ((",", ":"), (", ", ": "))
    ]
    try:
        texts.append(rfc8785.dumps(doc))
    except rfc8785.CanonicalizationError:  # e.g. an integer beyond 2**53
        pass
    return texts


def _check(doc: Any, seed: int) -> None:
    """Soundness of the raw tier on every serialisation of ``doc``; when it accepts, the
    catalog is the exact path's in every respect. (Each text is judged by what it parses to:
    RFC 8785 writes the float 1.0 as ``1``, which is an integer again.)"""
    try:
        texts = _texts(doc, seed)
    except ValueError:  # NaN and the like: not JSON
        return
    for text in texts:
        cat, scanned = _raw_catalog(text)
        if scanned:
            # load_catalog then skips the orjson tier's scan: it must decline these bytes too
            assert cat is None
            assert (
                scan_canonical(orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS))
                is None
            )
        if cat is None:
            continue
        parsed = json.loads(text)
        assert _model_ok(parsed), text
        assert cat.canonical == rfc8785.dumps(parsed) == _exact(text)
        assert cat.leaves == [rfc8785.dumps(r) for r in parsed["resources"]]
        assert (cat.project_code, cat.kind.value, cat.version) == (
            parsed["project_code"],
            parsed["kind"],
            parsed["version"],
        )
        assert cat.document == parsed and list(cat.document) == list(parsed)


@settings(max_examples=250, deadline=None)
@given(
    st.sampled_from(range(len(BASES))),
    st.data(),
    st.lists(
        st.one_of(REPLACEMENTS, EDGES, st.just(DELETE), st.sampled_from(["新键"])),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 2**32),
)
def test_raw_tier_is_sound_on_mutations(
    base: int, data: st.DataObject, values: list[Any], seed: int
) -> None:
    _check(_mutate(clone(BASES[base]), data, values), seed)


@settings(max_examples=150, deadline=None)
@given(valid_documents(), st.integers(0, 2**32))
def test_generated_valid_documents_take_the_raw_tier(doc: dict[str, Any], seed: int) -> None:
    _check(doc, seed)
    short = not _over_scan_limit(doc)
    plain = b"\\" not in json.dumps(doc, ensure_ascii=False).encode()
    for text in _texts(doc, seed):
        assert (_raw_catalog(text)[0] is not None) == (short and plain), text


LONG_TEXTS = {
    "summary",
    "share_condition",
    "share_legal_basis",
    "open_condition",
    "open_legal_basis",
}


def _over_scan_limit(value: Any, key: str = "") -> bool:
    """Whether a string has more UTF-8 bytes than the scan takes (it counts bytes, the model
    code points): 4,000 in a long text, 200 elsewhere."""
    if isinstance(value, dict):
        return any(_over_scan_limit(v, k) for k, v in value.items())
    if isinstance(value, list):
        return any(_over_scan_limit(v, key) for v in value)
    limit = 4000 if key in LONG_TEXTS else 200
    return isinstance(value, str) and len(value.encode()) > limit


def test_long_texts_are_the_model_s() -> None:
    schema = Resource.model_json_schema()["properties"]
    long = {name for name, field in schema.items() if "maxLength=4000" in _constraints(field)}
    assert long == LONG_TEXTS


def _constraints(field: dict[str, Any]) -> str:
    options = field.get("anyOf", [field])
    return " ".join(f"maxLength={o['maxLength']}" for o in options if "maxLength" in o)


@pytest.mark.parametrize("name", ["declared.json", "acceptance.json"])
def test_examples_take_the_raw_tier(name: str) -> None:
    doc = example(name)
    for text in _texts(doc, 1):
        cat = _raw_catalog(text)[0]
        assert cat is not None
        assert cat.canonical == rfc8785.dumps(doc)


def test_structs_follow_the_model() -> None:
    """One struct field per model field, under its JSON name, in RFC 8785 order."""
    fields = struct_for(CatalogModel).__struct_fields__
    names = [f.alias or n for n, f in CatalogModel.model_fields.items()]
    assert list(fields) == sorted(names)


# --- what msgspec leaves undecoded: each is declined here and refused by the exact path -------

BASE = json.dumps(document(2), ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("企业".encode(), b"\xff\xfe", "UTF-8"),  # not UTF-8
        ("企业".encode(), "企".encode()[:2], "UTF-8"),  # a truncated sequence
        ("企业".encode(), b"\xed\xa0\x80", "UTF-8"),  # a surrogate, UTF-8-encoded
        ("企业".encode(), b"\xc0\xaf", "UTF-8"),  # overlong
        (b'"version":1', b'"version":1.0', "version"),
        (b'"version":1', b'"version":1e0', "version"),
        (b'"length":18', b'"length":-0', "length"),
        (b'"length":18', b'"length":18.0', "length"),
        (b'"version":1', b'"version":{"a":1}', "version"),
        (b'"version":1', b'"version":"1"', "version"),
        (b'"length":18', b'"length":true', "length"),
    ],
)
def test_undecoded_values_are_checked(old: bytes, new: bytes, match: str) -> None:
    bad = BASE.replace(old, new, 1)
    assert bad != BASE
    assert _raw_catalog(bad)[0] is None
    with pytest.raises(CatalogInvalid, match=match):
        load_catalog(bad)


def test_whitespace_inside_a_raw_value_is_declined_but_the_document_is_valid() -> None:
    doc = document(2)
    doc["resources"][0]["related_codes"] = ["101001/000002"]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    assert _raw_catalog(text)[0] is not None
    spaced = text.replace(
        b'"related_codes":["101001/000002"]', b'"related_codes":[ "101001/000002" ]'
    )
    # list items are parsed, so the spaces around them vanish; the tier still accepts
    assert _raw_catalog(spaced)[0] is not None
    assert load_catalog(spaced).canonical == rfc8785.dumps(doc)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"kind":"declared"', b'"kind":"declared","kind":"declared"'),
        (b'"code":"101001"', b'"code":"101001","code":"101001"'),
        (b'"length":18', b'"length":18,"length":18'),
    ],
)
def test_duplicate_members_are_declined(old: bytes, new: bytes) -> None:
    bad = BASE.replace(old, new, 1)
    assert _raw_catalog(bad)[0] is None
    with pytest.raises(CatalogInvalid, match="duplicate key"):
        load_catalog(bad)


@pytest.mark.parametrize("depth", [40, 1_000, 200_000])
def test_deep_nesting_in_a_value_is_declined_then_named(depth: int) -> None:
    bad = BASE.replace(b'"version":1', b'"version":' + b"[" * depth + b"]" * depth, 1)
    assert _raw_catalog(bad)[0] is None
    with pytest.raises(CatalogInvalid, match="nested too deeply"):
        load_catalog(bad, max_bytes=len(bad))


CANONICAL = rfc8785.dumps(document(2))


def test_canonical_input_is_taken_as_is() -> None:
    cat = _raw_catalog(CANONICAL)[0]
    assert cat is not None and cat.canonical is CANONICAL
    assert (cat.project_code, cat.kind.value, cat.version) == ("BJ-2026-0001", "declared", 1)
    assert cat.document == document(2)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("企业".encode(), b"\xff", "UTF-8"),
        ("企业".encode(), b"\xed\xa0\x80", "UTF-8"),
        ("企业".encode(), b"\x01", "control character"),
        ("企业".encode(), b"\x1f", "control character"),
        (b'"version":1}', b'"version":1.0}', "version"),
    ],
)
def test_canonical_looking_input_is_still_checked(old: bytes, new: bytes, match: str) -> None:
    bad = CANONICAL.replace(old, new, 1)
    assert bad != CANONICAL
    assert _raw_catalog(bad)[0] is None
    with pytest.raises(CatalogInvalid, match=match):
        load_catalog(bad)


def _exact(data: bytes) -> bytes | None:
    """The canonical bytes by the exact path alone (strict parser, then the model), or None."""
    try:
        return catalog_from_document(parse_json(data)).canonical
    except CatalogInvalid:
        return None


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([CANONICAL, BASE]),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 2), st.binary(min_size=0, max_size=3)),
        min_size=1,
        max_size=3,
    ),
)
def test_byte_mutations_are_never_wrongly_accepted(
    text: bytes, edits: list[tuple[float, int, bytes]]
) -> None:
    """Random byte edits (replace / insert / delete) of a canonical and a minified text: what
    the raw tier accepts, the exact path accepts with the same bytes."""
    data = bytearray(text)
    for where, op, chunk in edits:
        at = int(where * (len(data) - 1))
        if op == 0:
            data[at : at + len(chunk)] = chunk
        elif op == 1:
            data[at:at] = chunk
        else:
            del data[at : at + 1 + len(chunk)]
    cat = _raw_catalog(bytes(data))[0]
    if cat is not None:
        assert cat.canonical == _exact(bytes(data))
        assert cat.leaves == [rfc8785.dumps(r) for r in cat.document["resources"]]


def test_a_declined_scan_is_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text over 200 bytes: the scan declines it once, no tier scans the same bytes again,
    and the typed-dict tier still takes it (not the exact parser)."""
    import catalog._catalog as impl

    doc = example("acceptance.json")
    doc["resources"][0]["name"] = "长" * 100  # 100 code points, 300 UTF-8 bytes
    scans: list[bytes] = []

    def counting(canonical: bytes) -> list[bytes] | None:
        scans.append(canonical)
        return scan_canonical(canonical)

    def no_exact(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the exact path was taken")

    monkeypatch.setattr(impl, "scan_canonical", counting)
    monkeypatch.setattr(impl, "parse_json", no_exact)
    # spaced input (sorted by the raw tier, then scanned), and canonical input (scanned as is;
    # sorting it gives the same bytes, which are not scanned again)
    for text in (json.dumps(doc, ensure_ascii=False).encode(), rfc8785.dumps(doc)):
        scans.clear()
        cat = load_catalog(text)
        assert len(scans) == 1, text[:40]
        assert cat.canonical == rfc8785.dumps(doc)
