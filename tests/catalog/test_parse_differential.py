"""``parse_json`` against the standard library's parser, on documents that hold a duplicate key
and are broken further on (cut short, NaN, garbage): the duplicate made the strict parse stop
early, and the second, locating parse used to let the later error escape as a bare
``JSONDecodeError``/``ValueError`` (a traceback in the CLI, a 500 from the API).

Whatever the input, ``parse_json`` and ``load_catalog`` raise :class:`CatalogInvalid` or accept;
they reject exactly what a strict reference parse rejects, and a document that is not JSON at all
is reported as "not JSON", never as a duplicate key.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from catalog import CatalogError, CatalogInvalid, load_catalog
from catalog._parse import parse_json

from ._helpers import document

BROKEN_TAILS = [",", ', "c": NaN}', ', "c": Infinity}', ', "c": -Infinity}', "}}", ", ]", "x", ""]


def _reference(text: str) -> str:
    """``"ok"``, ``"duplicate"`` or ``"not-json"``, by the standard library on its own."""

    def constant(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=constant)
    except ValueError:
        return "not-json"

    def pairs(p: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in p}) != len(p):
            raise KeyError("duplicate")
        return dict(p)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except KeyError:
        return "duplicate"
    return "ok"


def _verdict(text: str) -> tuple[str, str]:
    try:
        parse_json(text.encode("utf-8"))
    except CatalogInvalid as exc:
        message = " ".join(m for _, m in exc.problems)
        return ("duplicate" if "duplicate key" in message else "not-json", message)
    return ("ok", "")


def _cases() -> list[str]:
    doc = json.dumps(document(), ensure_ascii=False)
    dup = doc[:-1] + ', "schema": "mulu.catalog/v1"}'  # a duplicate at the top level
    inner = doc.replace('"share_type": ', '"share_type": "不予共享", "share_type": ', 1)
    cases = [
        '{"a":{"b":1,"b":2},',
        '{"a":{"b":1,"b":2}, "c": NaN}',
        '{"a":{"b":1,"b":2}, "c": 1e999999}',
        '{"a":{"b":1,"b":2}, "c": ' + "9" * 5000 + "}",
        '[{"b":1,"b":2}, {"b":1,"b":2}',
        '{"a":1,"a":2}',
        '{"a":1,"a":2} trailing',
    ]
    for text in (dup, inner):
        cases.append(text)
        cases.extend(text[:-1] + tail for tail in BROKEN_TAILS)
    rng = random.Random(20260)
    for _ in range(60):  # cut short anywhere after the first duplicate
        text = rng.choice((dup, inner))
        cases.append(text[: rng.randrange(text.index('"share_type"', 0) + 40, len(text))])
    return cases


CASES = _cases()


@pytest.mark.parametrize("text", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_parse_json_agrees_with_the_reference(text: str) -> None:
    try:
        expected = _reference(text)
    except RecursionError:  # pragma: no cover - no case nests that deep
        pytest.skip("reference parser recursed too deep")
    got, message = _verdict(text)  # anything but CatalogInvalid fails the test
    if expected == "ok":
        assert got == "ok", message
    elif expected == "not-json":
        assert got == "not-json" and "not JSON" in message, message
    else:
        assert got == "duplicate", message


@pytest.mark.parametrize("text", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_load_catalog_refuses_typed(text: str) -> None:
    try:
        load_catalog(text.encode("utf-8"))
    except CatalogError:
        pass


def test_duplicate_then_syntax_error_is_not_json() -> None:
    with pytest.raises(CatalogInvalid, match="not JSON: line 1 column 20") as info:
        parse_json(b'{"a":{"b":1,"b":2},')
    assert [p for p, _ in info.value.problems] == ["$"]
    with pytest.raises(CatalogInvalid, match="not JSON: NaN is not a JSON number"):
        parse_json(b'{"a":{"b":1,"b":2}, "c": NaN}')
    with pytest.raises(CatalogInvalid, match=r"\$\.a\.b: duplicate key 'b'|duplicate key 'b'"):
        parse_json(b'{"a":{"b":1,"b":2}, "c": 3}')
