"""``mulu audit`` on the demo (clean), then on a documents directory with an injected violation;
and schemathesis over the served OpenAPI spec: no 5xx, responses match the schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from .conftest import Served, mulu

pytestmark = pytest.mark.anvil


def test_audit_clean_then_finds_injected_violation(served: Served, tmp_path: Path) -> None:
    ok = mulu(served.home, "audit", "BJ-2026-0105", "--json")
    report = json.loads(ok.stdout)
    assert report["clean"] is True, report
    checked = report["reports"][0]["checked"]
    assert (
        checked["order"] > 0
        and checked["role"] > 0
        and checked["time"] > 0
        and checked["anchor"] == 2
    )

    docs = tmp_path / "docs"
    shutil.copytree(served.home / "documents", docs)
    anchors = report["reports"][0]
    digest = next(
        p.name for p in docs.glob("*.json") if "BJ-2026-0105" in p.read_text(encoding="utf-8")
    )
    doc = json.loads((docs / digest).read_text(encoding="utf-8"))
    doc["resources"][0]["summary"] += "（被替换）"
    (docs / digest).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bad = mulu(served.home, "audit", "BJ-2026-0105", "--documents", str(docs), "--json", check=1)
    findings = json.loads(bad.stdout)["reports"][0]["findings"]
    assert any(
        f["check"] == "anchor" and "digest" in f["message"] and digest[:64] in f["message"]
        for f in findings
    ), findings
    assert anchors["code"] == "BJ-2026-0105"

    human = mulu(served.home, "audit", "BJ-2026-0105", "--documents", str(docs), check=1)
    assert "finding" in human.stdout and "✗ anchor" in human.stdout


def test_audit_all(served: Served) -> None:
    out = json.loads(mulu(served.home, "audit", "--all", "--json").stdout)
    assert out["projects"] >= 8 and out["clean"] is True, out
    overdue = next(r for r in out["reports"] if r["code"] == "BJ-2026-0101")
    assert any("progress report" in n["message"] for n in overdue["notices"])


def test_schemathesis(served: Served) -> None:
    schema = schemathesis.openapi.from_url(served.url + "/openapi.json")
    failures = []
    for operation in schema.get_all_operations():
        op = operation.ok()

        @given(op.as_strategy())
        @settings(
            max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: schemathesis.Case) -> None:
            # no 5xx, schema-conformant responses, documented status codes and media types;
            # a schema-valid request may still be refused (a proof that does not parse: 422)
            case.call_and_validate(base_url=served.url, excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # collect all, report at the end
            failures.append(f"{op.method.upper()} {op.path}: {exc}")
    assert not failures, "\n\n".join(failures)
