"""The canonical-bytes tier (``catalog._scan``): sound against the model, exact where it claims
to be, and its leaves are the RFC 8785 bytes of the resources."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import CatalogInvalid, load_catalog
from catalog._catalog import Catalog
from catalog._model import (
    CatalogKind,
    DataType,
    OpenType,
    ShareType,
    UpdateCycle,
)
from catalog._scan import RESOURCE, scan_canonical_c, scan_canonical_py

from ._helpers import clone, document, example, resource
from .test_fast import BASES, DELETE, REPLACEMENTS, _model_ok, _mutate, _paths


def scan_canonical(canonical: bytes) -> list[bytes] | None:
    """Both scans, which must agree: the C one (``catalog/_canon.c``, which ``load_catalog``
    uses) and ``_scan.py``'s expressions (used where the package was built without it)."""
    assert scan_canonical_c is not None, "catalog._canon is not built (make setup builds it)"
    leaves = scan_canonical_c(canonical)
    assert leaves == scan_canonical_py(canonical), canonical
    return leaves


def test_the_c_scan_has_the_model_s_tables() -> None:
    """The C scan spells out the enums and limits the expressions take from the model."""
    from catalog import _canon
    from catalog._model import MAX_ITEMS, MAX_RESOURCES, SCHEMA_ID

    tables = _canon.SCAN_TABLES
    for key, enum in [
        ("data_type", DataType),
        ("update_cycle", UpdateCycle),
        ("share_type", ShareType),
        ("open_type", OpenType),
        ("kind", CatalogKind),
    ]:
        assert list(tables[key]) == [member.value for member in enum], key
    # the C code relies on this order of the conditional kinds: unconditional, conditional, none
    assert tables["share_type"] == ("无条件共享", "有条件共享", "不予共享")
    assert tables["open_type"] == ("无条件开放", "有条件开放", "不予开放")
    assert (tables["schema"], tables["items"], tables["resources"]) == (
        SCHEMA_ID,
        MAX_ITEMS,
        MAX_RESOURCES,
    )
    assert (tables["text"], tables["long_text"], tables["related_codes"]) == (200, 4000, 1000)


# beyond test_fast's replacements: the edges of what this tier decides by itself
EDGES = st.sampled_from(
    [
        "a" * 200,
        "a" * 201,
        "长" * 66,
        "长" * 67,
        "长" * 200,
        "长" * 201,
        "a" * 4000,
        "a" * 4001,
        "😀",
        'a"b',
        "a\\b",
        "a\nb",
        "\x7f",
        "2024-02-29",
        "2023-02-29",
        "0000-01-01",
        "2026-13-01",
        1,
        1_000_000,
        1_000_001,
        0,
        -1,
        2**53,
        2**64,
        1.5,
        True,
        None,
        "declared",
        "acceptance",
        "0" * 64,
        "F" * 64,
        ["101001/000002"],
        ["101001/000001"],
        ["101001/000002", "101001/000002"],
        ["101001/00002"],
        "101001001",
        "101001001/000001",
        "41110000MB0123456X",
        "11110000MB0123456I",
        "BJ-2026-0001-A1B2C3D4",
        "BJ-2026-0001-A1B2C3D4E",
        "mulu.catalog/v2",
        [{"name": "项", "data_type": "整型"}],
        [{"name": "项", "data_type": "整型", "length": None}],
        [{"name": "项", "data_type": "整型", "extra": 1}],
        [],
    ]
)


def _canonical(doc: Any) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def _only_short_plain_strings(doc: Any) -> bool:
    """Where the tier claims to decide: no string over 200 UTF-8 bytes, no escape needed."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and (len(value.encode()) > 200 or b"\\" in _canonical(value)):
            return False
    return True


def _check_scan(doc: Any) -> None:
    try:
        canonical = _canonical(doc)
    except orjson.JSONEncodeError:  # beyond 64 bits: orjson.loads makes such a number a float
        return
    leaves = scan_canonical(canonical)
    if leaves is not None:  # sound: the model accepts, and the bytes are exactly RFC 8785
        assert _model_ok(doc)
        assert canonical == rfc8785.dumps(doc)
        assert leaves == [rfc8785.dumps(r) for r in doc["resources"]]
    if _only_short_plain_strings(doc):  # and there, complete
        assert (leaves is not None) == _model_ok(doc)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(range(len(BASES))),
    st.data(),
    st.lists(
        st.one_of(REPLACEMENTS, EDGES, st.just(DELETE), st.sampled_from(["新键"])),
        min_size=1,
        max_size=3,
    ),
)
def test_scan_is_sound_and_complete_where_it_claims(
    base: int, data: st.DataObject, values: list[Any]
) -> None:
    _check_scan(_mutate(clone(BASES[base]), data, values))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(range(len(BASES))),
    st.data(),
    st.lists(st.one_of(REPLACEMENTS, EDGES, st.just(DELETE)), min_size=1, max_size=2),
)
def test_load_catalog_accepts_exactly_what_the_model_accepts(
    base: int, data: st.DataObject, values: list[Any]
) -> None:
    doc = _mutate(clone(BASES[base]), data, values)
    try:
        raw = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError:
        return
    try:
        cat = load_catalog(raw)
    except CatalogInvalid:
        assert not _model_ok(doc)
        return
    assert _model_ok(doc)
    assert cat.canonical == rfc8785.dumps(doc)
    assert cat.leaves == [rfc8785.dumps(r) for r in doc["resources"]]
    assert cat.codes == [r["code"] for r in doc["resources"]]


def _share(kind: str, **fields: Any) -> dict[str, Any]:
    r = resource(1, share_type=kind)
    for key in ("share_condition", "share_method", "share_legal_basis"):
        r.pop(key, None)
    r.update(fields)
    return document(0, resources=[r])


def _open(kind: str, **fields: Any) -> dict[str, Any]:
    r = resource(1, open_type=kind)
    for key in ("open_condition", "open_legal_basis"):
        r.pop(key, None)
    r.update(fields)
    return document(0, resources=[r])


CROSS_FIELD = [
    _share("无条件共享", share_method="接口"),
    _share("无条件共享", share_method="接口", share_condition=None, share_legal_basis=None),
    _share("无条件共享"),
    _share("无条件共享", share_method=None),
    _share("无条件共享", share_method="接口", share_condition="条件"),
    _share("无条件共享", share_method="接口", share_legal_basis="依据"),
    _share("有条件共享", share_method="接口", share_condition="条件"),
    _share("有条件共享", share_method="接口", share_condition="条件", share_legal_basis=None),
    _share("有条件共享", share_method="接口"),
    _share("有条件共享", share_method="接口", share_condition=None),
    _share("有条件共享", share_condition="条件"),
    _share("有条件共享", share_method="接口", share_condition="条件", share_legal_basis="依据"),
    _share("不予共享", share_legal_basis="依据"),
    _share("不予共享", share_legal_basis="依据", share_method=None, share_condition=None),
    _share("不予共享", share_legal_basis="依据", share_method="接口"),
    _share("不予共享"),
    _share("不予共享", share_legal_basis="依据", share_condition="条件"),
    _open("无条件开放"),
    _open("无条件开放", open_condition=None, open_legal_basis=None),
    _open("无条件开放", open_condition="条件"),
    _open("有条件开放", open_condition="条件"),
    _open("有条件开放", open_condition="条件", open_legal_basis=None),
    _open("有条件开放"),
    _open("有条件开放", open_condition="条件", open_legal_basis="依据"),
    _open("不予开放", open_legal_basis="依据"),
    _open("不予开放", open_legal_basis="依据", open_condition=None),
    _open("不予开放", open_legal_basis=None),
    _open("不予开放", open_legal_basis="依据", open_condition="条件"),
    document(2, resources=[resource(1), resource(1)]),  # duplicate code
    document(1, resources=[resource(1, code="102001/000001")]),  # prefix differs
    document(1, resources=[resource(1, related_codes=["101001/000001"])]),  # itself
    document(1, resources=[resource(1, related_codes=["101001/000002"] * 2)]),
    document(1, resources=[resource(1, related_codes=["101001/000002", "101001/000003"])]),
    document(1, resources=[resource(1, related_codes=[])]),
    document(1, resources=[resource(1, publish_date=None)]),
    document(1, resources=[resource(1, publish_date="2026-02-30")]),
    document(1, declared_digest="0" * 64),
    document(1, kind="acceptance", declared_digest="0" * 64),
    document(1, kind="acceptance", declared_digest=None),
    document(1, declared_digest=None),
    document(0),
    document(1, project_name="项目", unit="单位"),
    document(1, project_name=None, unit=None),
    document(
        1,
        resources=[
            resource(
                1,
                classification={
                    "code": "101001001",
                    "category": "类",
                    "item": "项",
                    "catalogue": "目",
                    "sub_item": "细",
                },
            )
        ],
    ),
    document(
        1,
        resources=[
            resource(
                1,
                code="101001001/000001",
                classification={
                    "code": "101001001",
                    "category": "类",
                    "item": "项",
                    "catalogue": "目",
                    "sub_item": "细",
                },
            )
        ],
    ),
    document(
        1,
        resources=[
            resource(
                1,
                code="101001001/000001",
                classification={
                    "code": "101001001",
                    "category": "类",
                    "item": "项",
                    "catalogue": "目",
                    "sub_item": None,
                },
            )
        ],
    ),
]


def test_cross_field_rules_decided_like_the_model() -> None:
    accepted = 0
    for doc in CROSS_FIELD:
        _check_scan(doc)
        accepted += _model_ok(doc)
    assert 0 < accepted < len(CROSS_FIELD)


def test_typical_documents_take_this_tier() -> None:
    from scripts.bench_catalog import sample_catalog

    for doc in [
        *BASES,
        example("declared.json"),
        example("acceptance.json"),
        sample_catalog(),
        document(0),
    ]:
        assert scan_canonical(_canonical(doc)) is not None


def test_long_text_is_declined_here_and_accepted_by_the_next_tier() -> None:
    doc = document(2)
    doc["resources"][1]["name"] = "长" * 150  # 150 code points (valid), 450 bytes
    assert scan_canonical(_canonical(doc)) is None
    cat = load_catalog(json.dumps(doc, ensure_ascii=False).encode())
    assert type(cat) is Catalog and cat.canonical == rfc8785.dumps(doc)
    assert cat.leaves == [rfc8785.dumps(r) for r in doc["resources"]]


def test_many_items_and_related_codes_at_their_limits() -> None:
    item = {"name": "项", "data_type": "字符型"}
    for count, ok in ((2000, True), (2001, False)):
        doc = document(1)
        doc["resources"][0]["items"] = [item] * count
        assert (scan_canonical(_canonical(doc)) is not None) is ok is _model_ok(doc)
    for count, ok in ((1000, True), (1001, False)):
        doc = document(1)
        doc["resources"][0]["related_codes"] = [f"102001/{i:06d}" for i in range(count)]
        assert (scan_canonical(_canonical(doc)) is not None) is ok is _model_ok(doc)


def test_truncated_or_trailing_bytes_are_declined() -> None:
    canonical = _canonical(document(2))
    assert scan_canonical(canonical) is not None
    for cut in range(1, len(canonical)):
        assert scan_canonical(canonical[:cut]) is None
    assert scan_canonical(canonical + b" ") is None
    assert RESOURCE.pattern.count(b"(?P<") == 4  # cc, code, date, related


# --- generated valid documents: every optional member absent, null or set --------------------

_PLAIN = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E).filter(lambda c: c not in '"\\'),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(["\U0001f600", "\ue000", "\x7f"]),
)
_CHARS = st.one_of(_PLAIN, st.sampled_from(["\n", '"', "\\", "\x00"]))


def _text(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(_CHARS, min_size=1, max_size=12),
        st.integers(1, limit).map(lambda n: "长" * n),
        st.sampled_from([66, 67, 200]).map(lambda n: "a" * n),
    )


PLAIN_TEXT = st.text(_PLAIN, min_size=1, max_size=12)  # what the scan decides itself
ANY_TEXT, ANY_LONG = _text(200), _text(4000)
_ABSENT = object()


def _optional(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(_ABSENT), st.none(), value)


@st.composite
def _resource(
    draw: st.DrawFn, n: int, text: st.SearchStrategy[str], long: st.SearchStrategy[str]
) -> dict[str, Any]:
    cls_code = draw(st.sampled_from(["101001", "201002", "301003123"]))
    classification = {
        "code": cls_code,
        "category": draw(text),
        "item": draw(text),
        "catalogue": draw(text),
        "sub_item": draw(_optional(text)),
    }
    items = [
        {
            "name": draw(text),
            "data_type": draw(st.sampled_from(["字符型", "整型", "日期型"])),
            "length": draw(_optional(st.integers(1, 1_000_000))),
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    share = draw(st.sampled_from(["无条件共享", "有条件共享", "不予共享"]))
    open_ = draw(st.sampled_from(["无条件开放", "有条件开放", "不予开放"]))
    null = st.one_of(st.just(_ABSENT), st.none())
    r = {
        "code": f"{cls_code}/{n:06d}",
        "name": draw(text),
        "classification": classification,
        "provider": draw(text),
        "provider_code": "11110000MB0123456X",
        "summary": draw(long),
        "format": draw(text),
        "items": items,
        "share_type": share,
        "open_type": open_,
        "update_cycle": draw(st.sampled_from(["实时", "每季度", "不定期"])),
        "share_condition": draw(long if share == "有条件共享" else null),
        "share_legal_basis": draw(long if share == "不予共享" else null),
        "share_method": draw(_optional(text) if share == "不予共享" else text),
        "open_condition": draw(long if open_ == "有条件开放" else null),
        "open_legal_basis": draw(long if open_ == "不予开放" else null),
        "publish_date": draw(
            _optional(st.dates().map(lambda d: f"{d:%Y-%m-%d}").filter(lambda s: len(s) == 10))
        ),
        "related_codes": draw(
            st.one_of(
                st.just(_ABSENT),
                st.lists(
                    st.sampled_from(["101001/999999", "102001/000001", "301003123/000007"]),
                    unique=True,
                ),
            )
        ),
    }
    return r


def _drop_absent(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_absent(v) for k, v in value.items() if v is not _ABSENT}
    if isinstance(value, list):
        return [_drop_absent(v) for v in value]
    return value


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 4))
    plain = draw(st.booleans())  # half the documents: only texts the scan decides itself
    text, long = (PLAIN_TEXT, PLAIN_TEXT) if plain else (ANY_TEXT, ANY_LONG)
    kind = draw(st.sampled_from(["declared", "acceptance"]))
    doc = {
        "schema": "mulu.catalog/v1",
        "project_code": draw(
            st.sampled_from(["BJ-2026-0001", "SH-1999-123456-X", "GZ-2030-0042-A1B2C3D4"])
        ),
        "kind": kind,
        "version": draw(st.integers(1, 1_000_000)),
        "project_name": draw(_optional(text)),
        "unit": draw(_optional(text)),
        "declared_digest": draw(
            _optional(st.just("ab" * 32))
            if kind == "acceptance"
            else st.one_of(st.just(_ABSENT), st.none())
        ),
        "resources": [draw(_resource(i + 1, text, long)) for i in range(count)],
    }
    out: dict[str, Any] = _drop_absent(doc)
    return out


@settings(max_examples=150, deadline=None)
@given(valid_documents())
def test_generated_valid_documents(doc: dict[str, Any]) -> None:
    assert _model_ok(doc)
    _check_scan(doc)  # accepted unless some string is long or needs an escape
    cat = load_catalog(json.dumps(doc, ensure_ascii=False).encode())
    assert cat.canonical == rfc8785.dumps(doc)
    assert cat.leaves == [rfc8785.dumps(r) for r in doc["resources"]]


@settings(max_examples=150, deadline=None)
@given(
    valid_documents(),
    st.data(),
    st.lists(st.one_of(REPLACEMENTS, EDGES, st.just(DELETE)), min_size=1, max_size=2),
)
def test_mutated_generated_documents(
    doc: dict[str, Any], data: st.DataObject, values: list[Any]
) -> None:
    _check_scan(_mutate(doc, data, values))


# --- duplicate keys in minified input (where the check is a length comparison) ---------------


def _minified(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (b'"kind":"declared"', b'"kind":"declared","kind":"declared"', "$.kind"),
        (b'"kind":"declared"', b'"kind":"acceptance","kind":"declared"', "$.kind"),
        (b'"length":18', b'"length":18,"length":18', "$.resources[0].items[0].length"),
        (b'"name":"', b'"name":"x","name":"', "$.resources[0].name"),
        (b'"resources":[', b'"resources":[],"resources":[', "$.resources"),
    ],
)
def test_duplicate_key_in_minified_input(old: bytes, new: bytes, path: str) -> None:
    raw = _minified(document(3))
    assert load_catalog(raw).canonical == rfc8785.dumps(document(3))
    bad = raw.replace(old, new, 1)
    assert bad != raw and not any(ws in bad for ws in (b" ", b"\n", b"\r", b"\t"))
    with pytest.raises(CatalogInvalid, match="duplicate key") as info:
        load_catalog(bad)
    assert info.value.problems[0][0] == path


@settings(max_examples=100, deadline=None)
@given(valid_documents(), st.data())
def test_any_duplicated_member_is_caught_minified_or_not(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    """Repeat one member of one object with the same value (the document stays valid)."""
    objects = [p for p in _paths(doc) if isinstance(_at(doc, p), dict)]
    where = data.draw(st.sampled_from(objects))
    key = data.draw(st.sampled_from(sorted(_at(doc, where))))
    marked = clone(doc)
    target = _at(marked, where)
    members = list(target.items())
    target.clear()
    target["@sentinel@"] = None  # first in the object's text
    target.update(members)
    for separators in ((",", ":"), (", ", ": ")):
        text = json.dumps(marked, ensure_ascii=False, separators=separators)
        sentinel = json.dumps({"@sentinel@": None}, separators=separators)[1:-1] + separators[0]
        member = (
            json.dumps({key: target[key]}, ensure_ascii=False, separators=separators)[1:-1]
            + separators[0]
        )
        assert load_catalog(text.replace(sentinel, "", 1).encode()).canonical == rfc8785.dumps(doc)
        with pytest.raises(CatalogInvalid, match="duplicate key"):
            load_catalog(text.replace(sentinel, member, 1).encode())


def _at(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


# The C scan checks the model's patterns by hand. Every single-character edit (replace with any
# character of the alphabet, insert one, drop one) of valid values of each code field, and of
# dates around the calendar's edges: both scans must agree (scan_canonical above), and what
# they accept the model must accept, and the reverse (the values are short and plain).
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ`abfgz-/: "
_CODE_FIELDS: dict[str, tuple[Callable[[dict[str, Any], str], object], list[str]]] = {
    "project_code": (
        lambda d, v: d.update(project_code=v),
        ["BJ-2026-0001", "BJ-2026-000123", "BJ-2026-00012-A1B2C3D4", "BJ-2026-0001-Z"],
    ),
    "declared_digest": (
        lambda d, v: d.update(kind="acceptance", declared_digest=v),
        ["0123456789abcdef" * 4],
    ),
    "provider_code": (
        lambda d, v: d["resources"][0].update(provider_code=v),
        ["11110000MB0123456X", "YY999999PQRTUWXY01"],
    ),
    "publish_date": (
        lambda d, v: d["resources"][0].update(publish_date=v),
        ["2024-02-29", "2023-02-28", "2000-02-29", "1900-02-28", "0001-01-01", "9999-12-31"],
    ),
    "related_codes": (
        lambda d, v: d["resources"][0].update(related_codes=[v]),
        ["101001/000002", "301001001/999999"],
    ),
    "classification.code": (
        lambda d, v: (
            d["resources"][0]["classification"].update(code=v),
            d["resources"][0].update(code=f"{v}/000001"),
        ),
        ["101001", "301001001"],
    ),
    "code": (
        lambda d, v: d["resources"][0].update(code=v),
        ["101001/000001", "101001/999999"],
    ),
}


def _single_edits(value: str) -> set[str]:
    edits = {value}
    for at in range(len(value) + 1):
        edits.add(value[:at] + value[at + 1 :])
        for char in _ALPHABET:
            edits.add(value[:at] + char + value[at + 1 :])
            edits.add(value[:at] + char + value[at:])
    return edits


@pytest.mark.parametrize("field", list(_CODE_FIELDS))
def test_hand_written_patterns_match_the_model_s(field: str) -> None:
    put, valid = _CODE_FIELDS[field]
    accepted = 0
    for value in sorted({e for v in valid for e in _single_edits(v)}):
        doc = document(2)
        put(doc, value)
        canonical = _canonical(doc)
        leaves = scan_canonical(canonical)
        assert (leaves is not None) == _model_ok(doc), (field, value)
        accepted += leaves is not None
    assert accepted >= len(valid)  # the valid values themselves


@pytest.mark.parametrize("value", ["{}", bytearray(b"{}"), memoryview(b"{}"), 1, None])
def test_the_c_scan_takes_bytes_only(value: Any) -> None:
    assert scan_canonical_c is not None
    with pytest.raises(TypeError, match=r"scan\(\) takes bytes"):
        scan_canonical_c(value)
