"""Realistic catalog documents for gate tests: the examples, re-coded and grown to N resources."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def make_catalog(
    code: str,
    kind: str,
    version: int,
    count: int,
    *,
    variant: int = 0,
    template: str = "acceptance",
) -> catalog.Catalog:
    """A valid catalog of ``count`` resources for project ``code``; the same ``template`` and
    ``variant`` give identical resources, so a declared/acceptance pair differs only by count;
    ``variant`` changes every tenth resource."""
    base = json.loads((EXAMPLES / f"{template}.json").read_text(encoding="utf-8"))
    templates = base["resources"]
    resources = []
    for i in range(count):
        r = copy.deepcopy(templates[i % len(templates)])
        r["code"] = f"{r['classification']['code']}/{i + 1:06d}"
        r["related_codes"] = []
        if i >= len(templates):
            r["name"] = f"{r['name']}（{i + 1}）"
        if variant and i % 10 == 0:
            r["summary"] = r["summary"] + f"（第{variant}版调整）"
        resources.append(r)
    doc = {**base, "project_code": code, "kind": kind, "version": version, "resources": resources}
    doc.pop("declared_digest", None)
    return catalog.load_catalog(json.dumps(doc, ensure_ascii=False).encode())


def save(doc: catalog.Catalog, documents: Path) -> None:
    documents.mkdir(parents=True, exist_ok=True)
    (documents / f"{doc.digest.hex()}.json").write_bytes(doc.canonical)
