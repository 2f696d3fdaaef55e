"""Fast validation: the model's rules on plain dicts, without building model instances.

``CatalogModel.model_validate`` builds some 1,100 objects for a 100-resource catalog; this
checker validates the same document with a pydantic ``TypeAdapter`` over ``TypedDict`` mirrors
of the model (enum fields as ``Literal`` of the same values, the same constraints), then runs
the very same cross-field functions (:func:`resource_rules`, :func:`catalog_rules`). It accepts
exactly what the model accepts; ``tests/catalog/test_fast.py`` checks that on generated and
mutated documents, and that both publish the same fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from ._model import (
    CLASSIFICATION_CODE_PATTERN,
    DATE_PATTERN,
    DIGEST_PATTERN,
    MAX_ITEMS,
    MAX_RESOURCES,
    PROJECT_CODE_PATTERN,
    PROVIDER_CODE_PATTERN,
    RESOURCE_CODE_PATTERN,
    CatalogKind,
    DataType,
    LongText,
    OpenType,
    ShareType,
    Text,
    UpdateCycle,
    catalog_rules,
    resource_rules,
)

__all__ = ["fast_problems"]

_CONFIG = ConfigDict(strict=True, extra="forbid")
Code = Annotated[str, StringConstraints(pattern=RESOURCE_CODE_PATTERN)]

# Literal[...] of each enum's values, spelled out so type checkers see them too
ShareLit = Literal["无条件共享", "有条件共享", "不予共享"]
OpenLit = Literal["无条件开放", "有条件开放", "不予开放"]
CycleLit = Literal["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
DataTypeLit = Literal[
    "字符型",
    "数值型",
    "货币型",
    "日期型",
    "日期时间型",
    "逻辑型",
    "备注型",
    "二进制",
    "浮点型",
    "整型",
    "通用型",
]
KindLit = Literal["declared", "acceptance"]
LITERALS: dict[type, Any] = {
    ShareType: ShareLit,
    OpenType: OpenLit,
    UpdateCycle: CycleLit,
    DataType: DataTypeLit,
    CatalogKind: KindLit,
}


@with_config(_CONFIG)
class _Classification(TypedDict):
    code: Annotated[str, StringConstraints(pattern=CLASSIFICATION_CODE_PATTERN)]
    category: Text
    item: Text
    catalogue: Text
    sub_item: NotRequired[Text | None]


@with_config(_CONFIG)
class _Item(TypedDict):
    name: Text
    data_type: DataTypeLit
    length: NotRequired[Annotated[int, Field(ge=1, le=1_000_000)] | None]


@with_config(_CONFIG)
class _Resource(TypedDict):
    code: Code
    name: Text
    classification: _Classification
    provider: Text
    provider_code: Annotated[str, StringConstraints(pattern=PROVIDER_CODE_PATTERN)]
    summary: LongText
    format: Text
    items: Annotated[list[_Item], Field(min_length=1, max_length=MAX_ITEMS)]
    share_type: ShareLit
    share_condition: NotRequired[LongText | None]
    share_method: NotRequired[Text | None]
    share_legal_basis: NotRequired[LongText | None]
    open_type: OpenLit
    open_condition: NotRequired[LongText | None]
    open_legal_basis: NotRequired[LongText | None]
    update_cycle: CycleLit
    publish_date: NotRequired[Annotated[str, StringConstraints(pattern=DATE_PATTERN)] | None]
    related_codes: NotRequired[Annotated[list[Code], Field(max_length=1000)]]


class _Catalog(TypedDict):
    schema: Literal["mulu.catalog/v1"]
    project_code: Annotated[str, StringConstraints(pattern=PROJECT_CODE_PATTERN, max_length=32)]
    project_name: NotRequired[Text | None]
    unit: NotRequired[Text | None]
    kind: KindLit
    version: Annotated[int, Field(ge=1, le=1000000)]
    declared_digest: NotRequired[Annotated[str, StringConstraints(pattern=DIGEST_PATTERN)] | None]
    resources: Annotated[list[_Resource], Field(max_length=MAX_RESOURCES)]


_ADAPTER: TypeAdapter[Any] = TypeAdapter(with_config(_CONFIG)(_Catalog))


def fast_problems(document: dict[str, Any]) -> ValidationError | list[tuple[str, str]] | None:
    """``None`` if valid; the pydantic error (structure) or cross-field problems otherwise."""
    try:
        _ADAPTER.validate_python(document)
    except ValidationError as exc:
        return exc
    problems: list[tuple[str, str]] = []
    resources = document["resources"]
    for i, r in enumerate(resources):
        for rel, msg in resource_rules(r, r["classification"]["code"]):
            problems.append((f"resources[{i}].{rel}", msg))
    codes = [r["code"] for r in resources]
    problems += catalog_rules(codes, document["kind"], document.get("declared_digest"))
    return problems or None
