"""Loading, validation errors with JSON paths, canonical bytes and digest properties."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import threading

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import catalog
from catalog import (
    DEFAULT_MAX_BYTES,
    SHA256_HASHER,
    CatalogInvalid,
    CatalogKind,
    CatalogTooLarge,
    ProofInvalid,
    UpdateCycle,
    catalog_from_document,
    load_catalog,
    parse_json,
    read_catalog,
    read_limited,
    verify_inclusion,
)

from ._helpers import EXAMPLES, VECTORS, clone, document, dumps, ref_root

INVALID = VECTORS / "catalog" / "invalid"
MANIFEST = json.loads((INVALID / "manifest.json").read_text(encoding="utf-8"))


def test_all_is_complete() -> None:
    assert sorted(catalog.__all__) == sorted(set(catalog.__all__))
    for name in catalog.__all__:
        assert getattr(catalog, name) is not None
    public = {n for n in dir(catalog) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(catalog.__all__) | {"annotations"}


@pytest.mark.parametrize("name", ["declared.json", "acceptance.json"])
def test_examples_load_and_canonicalise_like_rfc8785(name: str) -> None:
    raw = (EXAMPLES / name).read_bytes()
    cat = read_catalog(EXAMPLES / name)
    doc = json.loads(raw)
    assert cat.document == doc
    assert cat.canonical == rfc8785.dumps(doc)
    assert cat.leaves == [rfc8785.dumps(r) for r in doc["resources"]]
    assert cat.digest == __import__("sm_crypto").sm3(rfc8785.dumps(doc))
    assert cat.merkle_root == ref_root(cat.leaves, "sm3")
    assert cat.resource_count >= 20 and cat.project_code == "BJ-2026-0007"
    assert cat.kind in (CatalogKind.DECLARED, CatalogKind.ACCEPTANCE)
    assert cat.model.resources[0].code == doc["resources"][0]["code"]


def test_known_answer_vector() -> None:
    expected = json.loads(
        (VECTORS / "catalog" / "valid" / "five_resources.expected.json").read_text()
    )
    raw = (VECTORS / "catalog" / "valid" / expected["file"]).read_bytes()
    cat = load_catalog(raw)
    assert cat.digest.hex() == expected["canonical_sm3"]
    assert cat.merkle_root.hex() == expected["merkle_root_sm3"]
    assert cat.tree_with(SHA256_HASHER).root.hex() == expected["merkle_root_sha256"]
    assert cat.tree_with(SHA256_HASHER).root == ref_root(cat.leaves, "sha256")
    assert len(cat.canonical) == expected["canonical_length"]
    assert cat.canonical == rfc8785.dumps(json.loads(raw))


@pytest.mark.parametrize("case", MANIFEST, ids=lambda c: c["file"])
def test_invalid_vectors_rejected_with_path_and_message(case: dict) -> None:
    raw = (INVALID / case["file"]).read_bytes()
    with pytest.raises(CatalogInvalid, match=case["message"]) as info:
        load_catalog(raw)
    paths = [p for p, _ in info.value.problems]
    assert case["path"] in paths, (paths, info.value.problems)
    # the exact (slow) path says the same
    with pytest.raises(CatalogInvalid) as again:
        catalog_from_document(parse_json(raw))
    assert again.value.problems == info.value.problems


def test_lone_surrogate_vector_really_holds_one() -> None:
    assert b"\\ud800" in (INVALID / "lone_surrogate.json").read_bytes()


def test_size_limit_refuses_before_parsing(tmp_path: os.PathLike[str]) -> None:
    big = os.path.join(tmp_path, "huge.json")
    with open(big, "wb") as fh:  # sparse 100 MB file: nothing is allocated or read
        fh.truncate(100 * 1024 * 1024)
    with pytest.raises(
        CatalogTooLarge, match="104857600 bytes, over the limit of 16777216"
    ) as info:
        read_catalog(big)
    assert info.value.size == 100 * 1024 * 1024 and info.value.limit == DEFAULT_MAX_BYTES
    small = dumps(document())
    with pytest.raises(CatalogTooLarge, match=f"{len(small)} bytes, over the limit of 100"):
        load_catalog(small, max_bytes=100)
    assert load_catalog(small, max_bytes=len(small)).resource_count == 3


def test_read_limited_reads_what_the_file_holds_at_its_limit_and_no_more(
    tmp_path: os.PathLike[str],
) -> None:
    path = os.path.join(tmp_path, "c.json")
    for size in (0, 1, 99, 100):
        data = os.urandom(size)
        with open(path, "wb") as fh:
            fh.write(data)
        assert read_limited(path, max_bytes=100) == data
    with open(path, "wb") as fh:
        fh.write(b"x" * 101)
    with pytest.raises(CatalogTooLarge, match="101 bytes, over the limit of 100"):
        read_limited(path, max_bytes=100)


def test_read_limited_bounds_a_file_without_a_size(tmp_path: os.PathLike[str]) -> None:
    # a FIFO (stat size 0) is read up to the limit, not to its end; a pipe and /dev/zero alike
    fifo = os.path.join(tmp_path, "pipe")
    os.mkfifo(fifo)
    payload = b"y" * 5000

    def feed() -> None:
        with open(fifo, "wb") as fh:
            with contextlib.suppress(BrokenPipeError):
                fh.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert read_limited(fifo, max_bytes=10_000) == payload
    finally:
        writer.join(10)
    with pytest.raises(CatalogTooLarge, match="over the limit of 4096"):
        read_limited("/dev/zero", max_bytes=4096)


def test_read_limited_sees_a_file_that_grew_after_its_stat(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = os.path.join(tmp_path, "growing.json")
    with open(path, "wb") as fh:
        fh.write(b"a" * 10)
    real_stat = pathlib.Path.stat

    def stat_then_grow(self: pathlib.Path, **kw: object) -> os.stat_result:
        result = real_stat(self, **kw)  # type: ignore[arg-type]
        with open(path, "ab") as fh:  # an agency's tool still writing
            fh.write(b"b" * 50)
        return result

    monkeypatch.setattr(pathlib.Path, "stat", stat_then_grow)
    assert read_limited(path, max_bytes=1000) == b"a" * 10 + b"b" * 50
    with pytest.raises(CatalogTooLarge):
        read_limited(path, max_bytes=100)  # 60 + 50 more on this stat: 110 > 100


def test_missing_file_is_invalid_input(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(CatalogInvalid, match="cannot read"):
        read_catalog(os.path.join(tmp_path, "nope.json"))


def test_many_problems_are_all_reported() -> None:
    doc = document()
    doc["resources"][0]["share_type"] = "x"
    doc["resources"][1]["open_type"] = "y"
    doc["version"] = -1
    with pytest.raises(CatalogInvalid) as info:
        catalog_from_document(doc)
    assert {p for p, _ in info.value.problems} == {
        "$.resources[0].share_type",
        "$.resources[1].open_type",
        "$.version",
    }
    assert info.value.exit_code == 2


def test_prove_every_resource_and_unknown_code() -> None:
    cat = catalog_from_document(document(7))
    for code in cat.codes:
        proof = cat.prove(code)
        assert proof.resource_code == code and proof.leaf == cat.leaves[cat.index_of(code)]
        verify_inclusion(proof, cat.merkle_root, tree_size=7)
    with pytest.raises(ProofInvalid, match="resource '999999/000001' is not in catalog"):
        cat.prove("999999/000001")


def test_update_cycle_is_machine_usable() -> None:
    assert UpdateCycle("每季度").max_age is not None
    assert UpdateCycle("每日").max_age.days == 1  # type: ignore[union-attr]
    assert UpdateCycle("不定期").max_age is None
    ages = [c.max_age for c in UpdateCycle if c.max_age is not None]
    assert ages == sorted(ages)


# --- properties -----------------------------------------------------------------------------


def _reorder(value: object, rnd: st.DataObject) -> object:
    if isinstance(value, dict):
        keys = rnd.draw(st.permutations(list(value)))
        return {k: _reorder(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [_reorder(v, rnd) for v in value]
    return value


BASE = document(4)
BASE_DIGEST = catalog_from_document(BASE).digest


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from([None, 0, 1, 2, 4, "\t"]), st.booleans())
def test_key_order_and_whitespace_never_change_the_digest(
    data: st.DataObject, indent: object, ascii_only: bool
) -> None:
    shuffled = _reorder(BASE, data)
    raw = json.dumps(shuffled, ensure_ascii=ascii_only, indent=indent).encode()  # type: ignore[arg-type]
    if data.draw(st.booleans()):
        raw = b" \n\t" + raw.replace(b":", b" : ").replace(b",", b" ,\r\n ") + b"\n"
    cat = load_catalog(raw)
    assert cat.digest == BASE_DIGEST
    assert cat.merkle_root == catalog_from_document(BASE).merkle_root


def _text_paths(value: object, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _text_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _text_paths(v, (*path, i))]
    return [path]


FREE_TEXT = {
    "name",
    "summary",
    "provider",
    "format",
    "share_condition",
    "share_method",
    "open_legal_basis",
    "category",
    "item",
    "catalogue",
}
PATHS = [p for p in _text_paths(BASE) if p[-1] in FREE_TEXT]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PATHS), st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != ""))
def test_any_value_change_changes_the_digest(path: tuple, text: str) -> None:
    doc = clone(BASE)
    target = doc
    for part in path[:-1]:
        target = target[part]
    if target[path[-1]] == text:
        text += "x"
    target[path[-1]] = text
    try:
        cat = load_catalog(dumps(doc))
    except CatalogInvalid as exc:  # only a lone surrogate can make free text invalid
        assert "surrogate" in str(exc)
        return
    assert cat.digest != BASE_DIGEST
    if path[0] == "resources":
        assert cat.merkle_root != catalog_from_document(BASE).merkle_root
        assert cat.leaves[path[1]] != catalog_from_document(BASE).leaves[path[1]]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 1_000_000).filter(lambda v: v != 1))
def test_version_change_changes_digest_not_root(version: int) -> None:
    cat = catalog_from_document({**BASE, "version": version})
    assert cat.digest != BASE_DIGEST
    assert cat.merkle_root == catalog_from_document(BASE).merkle_root


def test_fast_and_exact_paths_agree_on_escaped_input() -> None:
    doc = document(3)
    doc["resources"][0]["summary"] = 'quote " backslash \\ tab \t newline \n 😀'
    plain = dumps(doc)
    escaped = json.dumps(doc).encode()  # \uXXXX escapes everywhere: exact path
    a, b = load_catalog(plain), load_catalog(escaped)
    assert a.canonical == b.canonical == rfc8785.dumps(doc)


def test_negative_zero_takes_the_exact_path_and_still_agrees() -> None:
    doc = document(1)
    raw = dumps(doc).replace(b'"length": 18', b'"length": -0')
    with pytest.raises(CatalogInvalid, match="greater than or equal to 1"):
        load_catalog(raw)


def test_very_deep_nesting_is_refused_without_traceback() -> None:
    raw = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(CatalogInvalid, match=r"nested too deeply \(more than 32 levels\)"):
        load_catalog(raw)


def _scalar_paths(value: object, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _scalar_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _scalar_paths(v, (*path, i))]
    return [path]


ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(max_size=10)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_scalar_paths(BASE)), ANY_JSON)
def test_any_value_change_changes_the_canonical_digest(path: tuple, value: object) -> None:
    """Whatever scalar is replaced, by whatever JSON value, the canonical bytes change (checked
    on the canonical form itself, valid or not)."""
    import sm_crypto

    doc = clone(BASE)
    target = doc
    for part in path[:-1]:
        target = target[part]
    old = target[path[-1]]
    if rfc8785.dumps(old) == rfc8785.dumps(value):  # the same JSON value (e.g. 1 and 1.0)
        return
    target[path[-1]] = value
    try:
        canonical = catalog.canonicalize(doc)
    except CatalogInvalid:  # e.g. a lone surrogate in generated text: not JSON text at all
        return
    assert sm_crypto.sm3(canonical) != BASE_DIGEST


@pytest.mark.parametrize(
    "dup", ['"kind": "declared", "kind": "declared"', '"kind": "acceptance", "kind": "declared"']
)
def test_duplicate_key_caught_even_when_the_last_value_makes_a_valid_document(dup: str) -> None:
    raw = dumps(document()).replace(b'"kind": "declared"', dup.encode())
    assert b"\\" not in raw  # the fast path's territory
    with pytest.raises(CatalogInvalid, match="duplicate key 'kind'") as info:
        load_catalog(raw)
    assert info.value.problems[0][0] == "$.kind"


def test_duplicate_key_deep_inside_a_valid_document() -> None:
    raw = dumps(document()).replace(b'"length": 18', b'"length": 18, "length": 19', 1)
    with pytest.raises(CatalogInvalid, match="duplicate key 'length'") as info:
        load_catalog(raw)
    assert info.value.problems[0][0] == "$.resources[0].items[0].length"
