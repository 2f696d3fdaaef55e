"""CSV / XLSX templates with Chinese headers, as agencies fill them, and their import.

Layout: one row per information item (信息项). The resource columns are filled on the first row
of a resource; further rows of the same 信息资源代码 may leave them blank or repeat the same
values. An XLSX workbook has the sheet ``信息资源`` (the rows) and optionally ``目录信息``
(key/value rows: 项目统一编码, 项目名称, 项目单位, 目录类型, 版本, 对应申报目录摘要); a CSV file
holds the rows only and the catalog fields come from the caller. Errors name sheet, row and
column (``信息资源!M7 (共享类型)``), also for problems the model finds after import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from ._catalog import validate_document
from ._errors import CatalogInvalid, TemplateInvalid
from ._model import SCHEMA_ID, DataType, OpenType, ShareType, UpdateCycle

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "META_SHEET",
    "csv_template",
    "export_csv",
    "export_xlsx",
    "import_csv",
    "import_xlsx",
    "xlsx_template",
]

DATA_SHEET = "信息资源"
META_SHEET = "目录信息"
HELP_SHEET = "填写说明"

#: (header, JSON path inside a resource, level) — level "r" resource, "i" information item
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("信息资源代码", "code", "r"),
    ("信息资源名称", "name", "r"),
    ("分类代码", "classification.code", "r"),
    ("类", "classification.category", "r"),
    ("项", "classification.item", "r"),
    ("目", "classification.catalogue", "r"),
    ("细目", "classification.sub_item", "r"),
    ("信息资源提供方", "provider", "r"),
    ("提供方代码", "provider_code", "r"),
    ("信息资源摘要", "summary", "r"),
    ("信息资源格式", "format", "r"),
    ("信息项名称", "name", "i"),
    ("数据类型", "data_type", "i"),
    ("数据长度", "length", "i"),
    ("共享类型", "share_type", "r"),
    ("共享条件", "share_condition", "r"),
    ("共享方式", "share_method", "r"),
    ("不予共享依据", "share_legal_basis", "r"),
    ("开放属性", "open_type", "r"),
    ("开放条件", "open_condition", "r"),
    ("不予开放依据", "open_legal_basis", "r"),
    ("更新周期", "update_cycle", "r"),
    ("发布日期", "publish_date", "r"),
    ("关联资源代码", "related_codes", "r"),
)
HEADERS = [c[0] for c in COLUMNS]
_REQUIRED = {
    "信息资源代码",
    "信息资源名称",
    "分类代码",
    "信息项名称",
    "数据类型",
    "共享类型",
    "开放属性",
    "更新周期",
}
_META_KEYS = {
    "项目统一编码": "project_code",
    "项目名称": "project_name",
    "项目单位": "unit",
    "目录类型": "kind",
    "版本": "version",
    "对应申报目录摘要": "declared_digest",
}
_KIND_WORDS = {
    "申报": "declared",
    "验收": "acceptance",
    "declared": "declared",
    "acceptance": "acceptance",
}
_ENUMS = {
    "数据类型": DataType,
    "共享类型": ShareType,
    "开放属性": OpenType,
    "更新周期": UpdateCycle,
}
_LIST_SEPARATORS = ("；", ";", "，", ",", "、", "\n")
_EXAMPLE = [
    "101001/000001",
    "企业登记基本信息",
    "101001",
    "基础信息资源",
    "法人单位",
    "登记信息",
    "",
    "北京市市场监督管理局",
    "11110000000021135M",
    "本市企业登记注册的基本信息",
    "数据库",
    "统一社会信用代码",
    "字符型",
    "18",
    "有条件共享",
    "仅限政务部门履职使用",
    "接口",
    "",
    "无条件开放",
    "",
    "",
    "每日",
    "2026-03-01",
    "",
]


def _col_letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _rows(document: Mapping[str, Any]) -> list[list[Any]]:
    """One row per information item; resource columns on the first row of each resource."""
    rows: list[list[Any]] = []
    for resource in document["resources"]:
        for n, item in enumerate(resource["items"]):
            row: list[Any] = []
            for _header, path, level in COLUMNS:
                if level == "i":
                    value = item.get(path)
                elif n and path != "code":
                    value = None
                elif path.startswith("classification."):
                    value = resource["classification"].get(path.split(".", 1)[1])
                else:
                    value = resource.get(path)
                if isinstance(value, list):
                    value = "；".join(value) if value else None
                row.append("" if value is None else value)
            rows.append(row)
    return rows


def _meta_rows(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [
        (key, document[field])
        for key, field in _META_KEYS.items()
        if document.get(field) is not None
    ]


def export_csv(document: Mapping[str, Any]) -> bytes:
    """A catalog's resources as a CSV in the template layout (catalog fields are not included)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(_rows(document))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_xlsx(document: Mapping[str, Any]) -> bytes:
    """A catalog as an XLSX workbook in the template layout, 目录信息 sheet included."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(HEADERS)
    for row in _rows(document):
        ws.append(row)
    meta = wb.create_sheet(META_SHEET)
    for key, value in _meta_rows(document):
        meta.append((key, value))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_template() -> bytes:
    """A CSV template (UTF-8 with BOM, so spreadsheet programs show the Chinese headers)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerow(_EXAMPLE)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_template() -> bytes:
    """An XLSX template: 信息资源 (with drop-down lists), 目录信息 and 填写说明 sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(HEADERS)
    ws.append(_EXAMPLE)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, header in enumerate(HEADERS):
        ws.column_dimensions[_col_letter(i)].width = max(10, 2 * len(header) + 4)
        enum = _ENUMS.get(header)
        if enum is not None:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(m.value for m in enum) + '"', allow_blank=True
            )
            dv.add(f"{_col_letter(i)}2:{_col_letter(i)}5000")
            ws.add_data_validation(dv)
    meta = wb.create_sheet(META_SHEET)
    for row in (
        ("项目统一编码", "BJ-2026-0001"),
        ("项目名称", ""),
        ("项目单位", ""),
        ("目录类型", "申报"),
        ("版本", 1),
        ("对应申报目录摘要", ""),
    ):
        meta.append(row)
    meta.column_dimensions["A"].width = 20
    meta.column_dimensions["B"].width = 70
    info = wb.create_sheet(HELP_SHEET)
    info.append(("列", "说明"))
    for header, path, _level in COLUMNS:
        enum = _ENUMS.get(header)
        note = ("可选值: " + " / ".join(m.value for m in enum)) if enum else path
        info.append((header + (" (必填)" if header in _REQUIRED else ""), note))
    info.append(("", "每行一个信息项；同一信息资源的后续行可只填信息资源代码和信息项列。"))
    info.append(("", "有条件共享/开放须填条件；不予共享/开放须填依据；关联资源代码以分号分隔。"))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Builder:
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.problems: list[tuple[str, str]] = []
        self.resources: list[dict[str, Any]] = []
        self.by_code: dict[str, int] = {}
        self.res_rows: list[int] = []
        self.item_rows: list[list[int]] = []
        self.columns: dict[str, int] = {}

    def where(self, row: int, header: str | None) -> str:
        if header is None or header not in self.columns:
            return f"{self.sheet}!{row}"
        return f"{self.sheet}!{_col_letter(self.columns[header])}{row} ({header})"

    def header(self, row: list[Any]) -> None:
        names = [_text(v) for v in row]
        for i, name in enumerate(names):
            if not name:
                continue
            if name not in HEADERS:
                self.problems.append(
                    (f"{self.sheet}!{_col_letter(i)}1", f"unknown column {name!r}")
                )
            elif name in self.columns:
                self.problems.append(
                    (f"{self.sheet}!{_col_letter(i)}1", f"column {name!r} appears twice")
                )
            else:
                self.columns[name] = i
        for name in HEADERS:
            if name in _REQUIRED and name not in self.columns:
                self.problems.append((f"{self.sheet}!1", f"required column {name!r} is missing"))

    def row(self, number: int, row: list[Any]) -> None:
        cells = {h: _text(row[i]) if i < len(row) else "" for h, i in self.columns.items()}
        if not any(cells.values()):
            return
        code = cells.get("信息资源代码", "")
        if not code:
            self.problems.append((self.where(number, "信息资源代码"), "信息资源代码 is empty"))
            return
        item: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for header, path, level in COLUMNS:
            raw = cells.get(header, "")
            if not raw:
                continue
            value: Any = raw
            if header == "数据长度":
                if not raw.isdigit():
                    self.problems.append(
                        (self.where(number, header), f"want a whole number, got {raw!r}")
                    )
                    continue
                value = int(raw)
            elif header == "关联资源代码":
                for sep in _LIST_SEPARATORS[1:]:
                    raw = raw.replace(sep, _LIST_SEPARATORS[0])
                value = [c.strip() for c in raw.split(_LIST_SEPARATORS[0]) if c.strip()]
            elif header == "目录类型":
                value = _KIND_WORDS.get(raw, raw)
            (item if level == "i" else fields)[path] = value
        index = self.by_code.get(code)
        if index is None:
            index = len(self.resources)
            self.by_code[code] = index
            resource: dict[str, Any] = {}
            for path, value in fields.items():
                if path.startswith("classification."):
                    resource.setdefault("classification", {})[path.split(".", 1)[1]] = value
                else:
                    resource[path] = value
            resource["items"] = []
            self.resources.append(resource)
            self.res_rows.append(number)
            self.item_rows.append([])
        else:
            first = self.resources[index]
            for path, value in fields.items():
                head, _, sub = path.partition(".")
                have = first.get("classification", {}).get(sub) if sub else first.get(head)
                if have != value:
                    header = next(h for h, p, lv in COLUMNS if p == path and lv == "r")
                    self.problems.append(
                        (
                            self.where(number, header),
                            f"differs from row {self.res_rows[index]} of the same "
                            f"resource: {value!r} vs {have!r}",
                        )
                    )
        if item:
            self.resources[index]["items"].append(item)
            self.item_rows[index].append(number)

    def locate(self, path: str) -> str:
        """Map a model error's JSON path back to a cell."""
        import re

        m = re.match(
            r"^\$\.resources\[(\d+)\](?:\.items\[(\d+)\])?(?:\.([a-z_]+))?(?:\.([a-z_]+))?", path
        )
        if not m:
            return f"{self.sheet} ({path})"
        i = int(m.group(1))
        if i >= len(self.resources):
            return f"{self.sheet} ({path})"
        if m.group(2) is not None:
            j = int(m.group(2))
            rows = self.item_rows[i]
            row = rows[j] if j < len(rows) else self.res_rows[i]
            field_path, level = m.group(3) or "", "i"
        else:
            row = self.res_rows[i]
            field_path = ".".join(p for p in (m.group(3), m.group(4)) if p)
            level = "r"
        header = next((h for h, p, lv in COLUMNS if p == field_path and lv == level), None)
        if header is None and field_path:
            header = next(
                (h for h, p, lv in COLUMNS if p.split(".")[0] == field_path and lv == level), None
            )
        return self.where(row, header)


def _build(sheet: str, rows: Iterable[list[Any]], meta: Mapping[str, Any]) -> dict[str, Any]:
    b = _Builder(sheet)
    it = iter(rows)
    header = next(it, None)
    if header is None:
        raise TemplateInvalid([(f"{sheet}!1", "the sheet is empty (no header row)")])
    b.header(list(header))
    if b.problems:
        raise TemplateInvalid(b.problems)
    for number, row in enumerate(it, start=2):
        b.row(number, list(row))
    if not b.resources and not b.problems:
        b.problems.append((f"{sheet}!2", "no resource rows"))
    if b.problems:
        raise TemplateInvalid(b.problems)
    document: dict[str, Any] = {"schema": SCHEMA_ID}
    document.update({k: v for k, v in meta.items() if v is not None and v != ""})
    document["resources"] = b.resources
    try:
        validate_document(document)
    except CatalogInvalid as exc:
        raise TemplateInvalid(
            [(b.locate(p) if p.startswith("$.resources[") else f"{p}", m) for p, m in exc.problems]
        ) from None
    return document


def _meta(sheet: Any | None, overrides: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    if sheet is not None:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not row or row[0] is None:
                continue
            key = _text(row[0])
            value = row[1] if len(row) > 1 else None
            if key not in _META_KEYS:
                problems.append((f"{META_SHEET}!A{number}", f"unknown entry {key!r}"))
                continue
            field = _META_KEYS[key]
            if value is None or _text(value) == "":
                continue
            if field == "version":
                if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
                    meta[field] = int(value)
                elif isinstance(value, float) and value.is_integer():
                    meta[field] = int(value)
                else:
                    problems.append(
                        (f"{META_SHEET}!B{number} (版本)", f"want a whole number, got {value!r}")
                    )
            elif field == "kind":
                meta[field] = _KIND_WORDS.get(_text(value), _text(value))
            else:
                meta[field] = _text(value)
    if problems:
        raise TemplateInvalid(problems)
    for key, value in overrides.items():
        if value is not None:
            meta[key] = _KIND_WORDS.get(value, value) if key == "kind" else value
    return meta


def import_xlsx(data: bytes, **overrides: Any) -> dict[str, Any]:
    """The catalog document of an XLSX workbook; ``overrides`` (project_code, kind, version, …)
    take precedence over the 目录信息 sheet. Raises :class:`TemplateInvalid`."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise TemplateInvalid([("workbook", f"not a readable XLSX file: {exc}")]) from None
    try:
        if DATA_SHEET not in wb.sheetnames:
            raise TemplateInvalid(
                [("workbook", f"no sheet named {DATA_SHEET!r} (found {', '.join(wb.sheetnames)})")]
            )
        meta = _meta(wb[META_SHEET] if META_SHEET in wb.sheetnames else None, overrides)
        rows = wb[DATA_SHEET].iter_rows(values_only=True)
        return _build(DATA_SHEET, (list(r) for r in rows), meta)
    finally:
        wb.close()


def import_csv(data: bytes, *, sheet: str = "csv", **overrides: Any) -> dict[str, Any]:
    """The catalog document of a CSV file (UTF-8, with or without BOM, or GB18030)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise TemplateInvalid(
                [(sheet, f"neither UTF-8 nor GB18030 text (byte {exc.start})")]
            ) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    return _build(sheet, rows, _meta(None, overrides))
