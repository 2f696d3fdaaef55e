"""The catalog model: 《政务信息资源目录编制指南（试行）》 fields, English names, Chinese titles.

Enum *values* are the Chinese terms exactly as agencies write them in catalogs and templates
(``"有条件共享"``, ``"每季度"``); the catalog kind uses the stable English keys ``declared`` /
``acceptance`` (申报 / 验收). Code formats (see docs/CATALOG.md):

- project code (统一编码): ``BJ-2026-0001`` = region (2 upper-case letters) - year (4 digits) -
  sequence (4-6 digits), optional ``-`` suffix of 1-8 upper-case letters/digits for a
  sub-project; ASCII, at most 23 bytes (fits the chain's ``bytes32``);
- classification code (分类代码): 类 (1 digit, 1 基础 / 2 主题 / 3 部门) + 项 (2 digits) +
  目 (3 digits) + optional 细目 (3 digits): 6 or 9 digits;
- resource code (信息资源代码): ``<classification code>/<6-digit sequence>``, e.g.
  ``101001/000001``; its prefix must equal the resource's classification code;
- provider code (提供方代码): 18-character 统一社会信用代码 (GB 32100 alphabet; checksum not checked).

The model is *strict*: it re-types nothing (``"1"`` is not an integer, ``1.0`` is not ``1``),
rejects unknown fields, and contains no float or free-form object, so every valid document is
"plain" for the canonical fast path (see ``_jcs.py``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "CLASSIFICATION_CODE_PATTERN",
    "DataType",
    "CatalogKind",
    "CatalogModel",
    "Classification",
    "InfoItem",
    "OpenType",
    "PROJECT_CODE_PATTERN",
    "RESOURCE_CODE_PATTERN",
    "Resource",
    "SCHEMA_ID",
    "ShareType",
    "UpdateCycle",
]

SCHEMA_ID = "mulu.catalog/v1"
PROJECT_CODE_PATTERN = r"^[A-Z]{2}-[0-9]{4}-[0-9]{4,6}(-[A-Z0-9]{1,8})?$"
CLASSIFICATION_CODE_PATTERN = r"^[1-3][0-9]{5}([0-9]{3})?$"
RESOURCE_CODE_PATTERN = r"^[1-3][0-9]{5}([0-9]{3})?/[0-9]{6}$"
PROVIDER_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DIGEST_PATTERN = r"^[0-9a-f]{64}$"

MAX_RESOURCES = 100_000
MAX_ITEMS = 2_000


class CatalogKind(StrEnum):
    """目录类型: declared 申报项目数据目录 (art. 12), acceptance 验收项目数据目录 (art. 21)."""

    DECLARED = "declared"
    ACCEPTANCE = "acceptance"

    @property
    def label(self) -> str:
        return {"declared": "申报", "acceptance": "验收"}[self.value]


class ShareType(StrEnum):
    """共享类型."""

    UNCONDITIONAL = "无条件共享"
    CONDITIONAL = "有条件共享"
    NONE = "不予共享"


class OpenType(StrEnum):
    """开放属性."""

    UNCONDITIONAL = "无条件开放"
    CONDITIONAL = "有条件开放"
    NONE = "不予开放"


class UpdateCycle(StrEnum):
    """更新周期; :attr:`max_age` is the freshness bound used to check 更新 (refresh)."""

    REALTIME = "实时"
    DAILY = "每日"
    WEEKLY = "每周"
    MONTHLY = "每月"
    QUARTERLY = "每季度"
    HALF_YEARLY = "每半年"
    YEARLY = "每年"
    IRREGULAR = "不定期"

    @property
    def max_age(self) -> _dt.timedelta | None:
        """Longest allowed time between two refreshes; ``None`` for 不定期 (no bound)."""
        return _MAX_AGE[self]


_MAX_AGE: dict[UpdateCycle, _dt.timedelta | None] = {
    UpdateCycle.REALTIME: _dt.timedelta(hours=1),
    UpdateCycle.DAILY: _dt.timedelta(days=1),
    UpdateCycle.WEEKLY: _dt.timedelta(days=7),
    UpdateCycle.MONTHLY: _dt.timedelta(days=31),
    UpdateCycle.QUARTERLY: _dt.timedelta(days=92),
    UpdateCycle.HALF_YEARLY: _dt.timedelta(days=183),
    UpdateCycle.YEARLY: _dt.timedelta(days=366),
    UpdateCycle.IRREGULAR: None,
}


class DataType(StrEnum):
    """信息项数据类型 (编制指南 table: C/N/Y/D/T/L/M/B/F/I/G)."""

    CHAR = "字符型"
    NUMERIC = "数值型"
    CURRENCY = "货币型"
    DATE = "日期型"
    DATETIME = "日期时间型"
    LOGICAL = "逻辑型"
    MEMO = "备注型"
    BINARY = "二进制"
    FLOAT = "浮点型"
    INTEGER = "整型"
    GENERAL = "通用型"


def _enum(cls: type[Enum], title: str) -> Any:
    return Field(
        strict=False, title=title, description=f"{title}: " + " / ".join(str(m.value) for m in cls)
    )


Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=False)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
ResourceCode = Annotated[str, StringConstraints(pattern=RESOURCE_CODE_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, use_enum_values=False)


class Classification(_Strict):
    """资源分类: 类 / 项 / 目 / 细目 and the classification code."""

    code: Annotated[str, Field(pattern=CLASSIFICATION_CODE_PATTERN, title="分类代码")]
    category: Annotated[Text, Field(title="类")]
    item: Annotated[Text, Field(title="项")]
    catalogue: Annotated[Text, Field(title="目")]
    sub_item: Annotated[Text | None, Field(title="细目")] = None


class InfoItem(_Strict):
    """信息项."""

    name: Annotated[Text, Field(title="信息项名称")]
    data_type: Annotated[DataType, _enum(DataType, "数据类型")]
    length: Annotated[int | None, Field(ge=1, le=1_000_000, title="数据长度")] = None


class Resource(_Strict):
    """信息资源: one entry of the catalog, one leaf of its Merkle tree."""

    code: Annotated[
        ResourceCode,
        Field(title="信息资源代码", description="分类代码/6位顺序码, e.g. 101001/000001"),
    ]
    name: Annotated[Text, Field(title="信息资源名称")]
    classification: Annotated[Classification, Field(title="资源分类")]
    provider: Annotated[Text, Field(title="信息资源提供方")]
    provider_code: Annotated[
        str,
        Field(pattern=PROVIDER_CODE_PATTERN, title="提供方代码", description="统一社会信用代码"),
    ]
    summary: Annotated[LongText, Field(title="信息资源摘要")]
    format: Annotated[Text, Field(title="信息资源格式", description="e.g. 数据库, 电子文件, 接口")]
    items: Annotated[list[InfoItem], Field(min_length=1, max_length=MAX_ITEMS, title="信息项")]
    share_type: Annotated[ShareType, _enum(ShareType, "共享类型")]
    share_condition: Annotated[LongText | None, Field(title="共享条件")] = None
    share_method: Annotated[Text | None, Field(title="共享方式")] = None
    share_legal_basis: Annotated[LongText | None, Field(title="不予共享依据")] = None
    open_type: Annotated[OpenType, _enum(OpenType, "开放属性")]
    open_condition: Annotated[LongText | None, Field(title="开放条件")] = None
    open_legal_basis: Annotated[LongText | None, Field(title="不予开放依据")] = None
    update_cycle: Annotated[UpdateCycle, _enum(UpdateCycle, "更新周期")]
    publish_date: Annotated[
        str | None, Field(pattern=DATE_PATTERN, title="发布日期", description="YYYY-MM-DD")
    ] = None
    related_codes: Annotated[list[ResourceCode], Field(max_length=1000, title="关联资源代码")] = (
        Field(default_factory=list)
    )

    @model_validator(mode="after")
    def _cross_field(self) -> Resource:
        problems = resource_rules(self.__dict__, self.classification.code)
        if problems:
            raise _CrossFieldError(problems)
        return self


def resource_rules(r: Mapping[str, Any], class_code: str) -> list[tuple[str, str]]:
    """Cross-field rules of one resource, on its field values (enum members or their strings).

    Shared by :class:`Resource` and the fast validator so both say the same thing. The common,
    valid case is checked first with as few look-ups as possible.
    """
    get = r.get
    share, open_ = get("share_type"), get("open_type")
    code: str = r["code"]
    share_condition, share_basis = get("share_condition"), get("share_legal_basis")
    open_condition, open_basis = get("open_condition"), get("open_legal_basis")
    date, related = get("publish_date"), get("related_codes")
    fine = (
        code[: len(class_code) + 1] == class_code + "/"
        and (share_condition is not None) is (share == "有条件共享")
        and (share_basis is not None) is (share == "不予共享")
        and (open_condition is not None) is (open_ == "有条件开放")
        and (open_basis is not None) is (open_ == "不予开放")
        and (share == "不予共享" or bool(get("share_method")))
        and share_condition != ""
        and share_basis != ""
        and open_condition != ""
        and open_basis != ""
        and not related
    )
    if fine and date is not None:
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            fine = False
    if fine:
        return []
    problems: list[tuple[str, str]] = []
    share_value = getattr(share, "value", share)
    open_value = getattr(open_, "value", open_)
    if share == ShareType.CONDITIONAL and not share_condition:
        problems.append(("share_condition", "有条件共享 needs a share_condition (共享条件)"))
    if share != ShareType.CONDITIONAL and share_condition is not None:
        problems.append(("share_condition", f"only 有条件共享 has a condition, not {share_value}"))
    if share == ShareType.NONE and not share_basis:
        problems.append(("share_legal_basis", "不予共享 needs its legal basis (不予共享依据)"))
    if share != ShareType.NONE and share_basis is not None:
        problems.append(
            ("share_legal_basis", f"only 不予共享 has a legal basis, not {share_value}")
        )
    if share != ShareType.NONE and not get("share_method"):
        problems.append(("share_method", f"{share_value} needs a share_method (共享方式)"))
    if open_ == OpenType.CONDITIONAL and not open_condition:
        problems.append(("open_condition", "有条件开放 needs an open_condition (开放条件)"))
    if open_ != OpenType.CONDITIONAL and open_condition is not None:
        problems.append(("open_condition", f"only 有条件开放 has a condition, not {open_value}"))
    if open_ == OpenType.NONE and not open_basis:
        problems.append(("open_legal_basis", "不予开放 needs its legal basis (不予开放依据)"))
    if open_ != OpenType.NONE and open_basis is not None:
        problems.append(("open_legal_basis", f"only 不予开放 has a legal basis, not {open_value}"))
    prefix = code.split("/", 1)[0]
    if prefix != class_code:
        problems.append(("code", f"prefix {prefix} differs from classification.code {class_code}"))
    if date is not None:
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            problems.append(("publish_date", f"{date} is not a calendar date"))
    related = related or ()
    if code in related:
        problems.append(("related_codes", "a resource cannot relate to itself"))
    if len(set(related)) != len(related):
        problems.append(("related_codes", "duplicate codes"))
    return problems


def catalog_rules(codes: Sequence[str], kind: Any, declared_digest: Any) -> list[tuple[str, str]]:
    """Cross-field rules of the whole catalog (shared like :func:`resource_rules`)."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        first = seen.setdefault(code, i)
        if first != i:
            problems.append(
                (
                    f"resources[{i}].code",
                    f"duplicate resource code {code} (also at resources[{first}])",
                )
            )
    if declared_digest is not None and kind == CatalogKind.DECLARED:
        problems.append(("declared_digest", "only an acceptance catalog names a declared digest"))
    return problems


class _CrossFieldError(ValueError):
    """Carries (relative path, message) pairs out of a model validator."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


class CatalogModel(_Strict):
    """项目数据目录: the whole document (``schema`` = ``mulu.catalog/v1``)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="mulu data catalog (项目数据目录)",
        json_schema_extra={"$id": "https://mulu.example/schema/" + SCHEMA_ID},
    )

    schema_: Annotated[Literal["mulu.catalog/v1"], Field(alias="schema", title="格式标识")]
    project_code: Annotated[
        str,
        Field(
            pattern=PROJECT_CODE_PATTERN,
            max_length=32,
            title="项目统一编码",
            description="e.g. BJ-2026-0001",
        ),
    ]
    project_name: Annotated[Text | None, Field(title="项目名称")] = None
    unit: Annotated[Text | None, Field(title="项目单位")] = None
    kind: Annotated[CatalogKind, _enum(CatalogKind, "目录类型 (declared 申报 / acceptance 验收)")]
    version: Annotated[int, Field(ge=1, le=1_000_000, title="版本")]
    declared_digest: Annotated[
        str | None,
        Field(
            pattern=DIGEST_PATTERN,
            title="对应申报目录摘要",
            description="acceptance only: SM3 digest (hex) of the declared catalog it was compiled against",
        ),
    ] = None
    resources: Annotated[list[Resource], Field(max_length=MAX_RESOURCES, title="信息资源")]

    @model_validator(mode="after")
    def _cross_field(self) -> CatalogModel:
        problems = catalog_rules([r.code for r in self.resources], self.kind, self.declared_digest)
        if problems:
            raise _CrossFieldError(problems)
        return self
