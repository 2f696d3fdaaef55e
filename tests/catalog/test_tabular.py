"""CSV / XLSX templates: round trips and errors that name sheet, row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from catalog import (
    TemplateInvalid,
    catalog_from_document,
    csv_template,
    export_csv,
    export_xlsx,
    import_csv,
    import_xlsx,
    xlsx_template,
)
from catalog._tabular import HEADERS

from ._helpers import example

DECLARED = example("declared.json")
META = {k: DECLARED[k] for k in ("project_code", "kind", "version", "project_name", "unit")}


def test_xlsx_round_trip_keeps_the_digest() -> None:
    doc = import_xlsx(export_xlsx(DECLARED))
    assert doc == DECLARED
    assert catalog_from_document(doc).digest == catalog_from_document(DECLARED).digest


def test_csv_round_trip_keeps_the_digest() -> None:
    doc = import_csv(export_csv(DECLARED), **META)
    assert catalog_from_document(doc).digest == catalog_from_document(DECLARED).digest


def test_gb18030_csv_is_accepted() -> None:
    text = export_csv(DECLARED).decode("utf-8-sig")
    doc = import_csv(text.encode("gb18030"), **META)
    assert doc["resources"] == DECLARED["resources"]


def test_templates_have_chinese_headers_and_import() -> None:
    wb = load_workbook(io.BytesIO(xlsx_template()))
    assert wb.sheetnames == ["信息资源", "目录信息", "填写说明"]
    assert [c.value for c in wb["信息资源"][1]] == HEADERS
    assert wb["信息资源"].data_validations.dataValidation  # drop-down lists for the enums
    doc = import_xlsx(xlsx_template())
    assert doc["kind"] == "declared" and doc["resources"][0]["share_type"] == "有条件共享"
    assert csv_template().startswith("\ufeff信息资源代码,".encode())
    doc = import_csv(csv_template(), project_code="BJ-2026-0009", kind="验收", version=2)
    assert doc["kind"] == "acceptance" and doc["version"] == 2


def _csv(rows: list[list[str]]) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([HEADERS, *rows])
    return buf.getvalue().encode()


def _row(**cells: str) -> list[str]:
    base = dict(
        zip(HEADERS, csv_template().decode("utf-8-sig").splitlines()[1].split(","), strict=True)
    )
    base.update(cells)
    return [base[h] for h in HEADERS]


def _problems(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(TemplateInvalid) as info:
        import_csv(data, sheet="目录.csv", project_code="BJ-2026-0001", kind="declared", version=1)
    return info.value.problems


def test_bad_enum_names_the_cell() -> None:
    problems = _problems(_csv([_row(共享类型="部分共享")]))
    assert problems == [
        ("目录.csv!O2 (共享类型)", "Input should be '无条件共享', '有条件共享' or '不予共享'")
    ]


def test_model_errors_map_back_to_item_rows() -> None:
    second = _row(信息项名称="企业名称", 数据类型="文本")
    for h in HEADERS:
        if h not in ("信息资源代码", "信息项名称", "数据类型"):
            second[HEADERS.index(h)] = ""
    problems = _problems(_csv([_row(), second]))
    assert problems == [("目录.csv!M3 (数据类型)", problems[0][1])]
    assert "Input should be '字符型'" in problems[0][1]


def test_missing_condition_names_the_cell() -> None:
    problems = _problems(_csv([_row(共享条件="")]))
    assert problems == [("目录.csv!P2 (共享条件)", "有条件共享 needs a share_condition (共享条件)")]


def test_conflicting_continuation_row() -> None:
    problems = _problems(_csv([_row(), _row(信息项名称="企业名称", 更新周期="每月")]))
    assert problems == [
        ("目录.csv!V3 (更新周期)", "differs from row 2 of the same resource: '每月' vs '每日'")
    ]


def test_bad_length_and_missing_code() -> None:
    problems = _problems(_csv([_row(数据长度="十八"), _row(信息资源代码="")]))
    assert problems == [
        ("目录.csv!N2 (数据长度)", "want a whole number, got '十八'"),
        ("目录.csv!A3 (信息资源代码)", "信息资源代码 is empty"),
    ]


def test_header_problems() -> None:
    data = ("信息资源代码,颜色\n101001/000001,红\n").encode()
    problems = _problems(data)
    assert ("目录.csv!B1", "unknown column '颜色'") in problems
    assert ("目录.csv!1", "required column '共享类型' is missing") in problems


def test_bad_workbook_and_missing_sheet() -> None:
    with pytest.raises(TemplateInvalid, match="not a readable XLSX file"):
        import_xlsx(b"PK\x03\x04 not really")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Sheet1"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(TemplateInvalid, match="no sheet named '信息资源'"):
        import_xlsx(buf.getvalue())


def test_xlsx_meta_sheet_errors_name_the_cell() -> None:
    wb = load_workbook(io.BytesIO(xlsx_template()))
    wb["目录信息"]["B5"] = "第一版"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(TemplateInvalid) as info:
        import_xlsx(buf.getvalue())
    assert info.value.problems == [("目录信息!B5 (版本)", "want a whole number, got '第一版'")]
