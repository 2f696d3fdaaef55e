"""The fast validator accepts exactly what the pydantic model accepts, with the same fields."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from catalog import CatalogModel, Classification, InfoItem, Resource
from catalog._fast import _ADAPTER, _Classification, _Item, _Resource, fast_problems

from ._helpers import clone, document, example

REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.just(1.0),
    st.just(""),
    st.just("x"),
    st.just([]),
    st.just({}),
    st.sampled_from(
        [
            "无条件共享",
            "有条件共享",
            "不予共享",
            "无条件开放",
            "有条件开放",
            "不予开放",
            "每日",
            "不定期",
            "字符型",
            "declared",
            "acceptance",
            "101001",
            "101001/000009",
            "101001/000001",
            "102001",
            "BJ-2026-0002",
            "2026-02-30",
            "2026-03-01",
            "11110000MB0123456X",
            "条件",
            "依据",
            "接口",
            "mulu.catalog/v1",
            "0" * 64,
        ]
    ),
)
DELETE = object()


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        out += [p for k, v in value.items() for p in _paths(v, (*path, k))]
    elif isinstance(value, list):
        out += [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return out


def _mutate(doc: Any, data: st.DataObject, values: list[Any]) -> Any:
    """Apply each of ``values`` (a replacement, ``DELETE``, or "新键": an unknown key) at a
    drawn path of ``doc``, in place; returns ``doc``."""
    for value in values:
        paths = [p for p in _paths(doc) if p]
        path = data.draw(st.sampled_from(paths))
        target = doc
        for part in path[:-1]:
            target = target[part]
        if value is DELETE:
            del target[path[-1]]
        elif value == "新键" and isinstance(target, dict):
            target["新键"] = 1
        else:
            target[path[-1]] = clone(value)
    return doc


def _model_ok(doc: Any) -> bool:
    try:
        CatalogModel.model_validate(doc)
    except ValidationError:
        return False
    return True


def _fast_ok(doc: Any) -> bool:
    return fast_problems(doc) is None


BASES = [document(3), clone(example("acceptance.json"))]
BASES[0]["resources"][2].update(share_type="不予共享", share_legal_basis="依据")
del BASES[0]["resources"][2]["share_condition"]
del BASES[0]["resources"][2]["share_method"]


@settings(max_examples=250, deadline=None)
@given(
    st.sampled_from(range(len(BASES))),
    st.data(),
    st.lists(
        st.one_of(REPLACEMENTS, st.just(DELETE), st.sampled_from(["新键"])), min_size=1, max_size=3
    ),
)
def test_fast_validator_agrees_with_model_on_mutations(
    base: int, data: st.DataObject, values: list[Any]
) -> None:
    doc = _mutate(clone(BASES[base]), data, values)
    assert _fast_ok(doc) == _model_ok(doc)


def test_valid_bases_pass_both() -> None:
    for doc in BASES:
        assert _fast_ok(doc) and _model_ok(doc)


def test_same_fields_and_required_fields_as_the_model() -> None:
    top = _ADAPTER.json_schema()
    model = CatalogModel.model_json_schema(by_alias=True)
    assert set(top["properties"]) == set(model["properties"])
    assert set(top["required"]) == set(model["required"])
    pairs = [(Classification, _Classification), (InfoItem, _Item), (Resource, _Resource)]
    for cls, mirror in pairs:
        want, got = model["$defs"][cls.__name__], top["$defs"][mirror.__name__]
        assert set(want["properties"]) == set(got["properties"]), cls
        assert set(want["required"]) == set(got["required"]), cls
        for name, prop in want["properties"].items():  # same patterns, lengths and bounds
            for key in (
                "pattern",
                "maxLength",
                "minLength",
                "minimum",
                "maximum",
                "enum",
                "minItems",
                "maxItems",
            ):
                if key in prop:
                    assert got["properties"][name].get(key) == prop[key], (cls, name, key)


def test_model_has_no_float_or_free_form_field() -> None:
    """Every valid document is 'plain' for the canonical fast path."""
    import json

    schema = json.dumps(CatalogModel.model_json_schema())
    assert '"number"' not in schema
    assert '"additionalProperties": true' not in schema


def test_literals_spell_the_enum_values() -> None:
    from typing import get_args

    from catalog._fast import LITERALS

    assert len(LITERALS) == 5
    for enum, literal in LITERALS.items():
        assert list(get_args(literal)) == [m.value for m in enum], enum
