"""``mulu catalog``: outputs and exit codes (0 done, 1 invalid proof/diff, 2 bad input)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mulu.cli.main import main

from ._helpers import EXAMPLES, VECTORS

DECLARED = str(EXAMPLES / "declared.json")
ACCEPTANCE = str(EXAMPLES / "acceptance.json")


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["mulu", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_and_hash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalog import read_catalog

    cat = read_catalog(DECLARED)
    code, out, _ = run(capsys, monkeypatch, "catalog", "validate", DECLARED)
    assert code == 0 and "valid" in out and "28 resources" in out
    code, out, _ = run(capsys, monkeypatch, "catalog", "hash", DECLARED)
    assert code == 0
    assert out.split() == ["digest", cat.digest.hex(), "merkle_root", cat.merkle_root.hex()]
    code, out, _ = run(capsys, monkeypatch, "catalog", "hash", DECLARED, "--json")
    data = json.loads(out)
    assert data["digest"] == cat.digest.hex() and data["merkle_root"] == cat.merkle_root.hex()
    code, out, _ = run(capsys, monkeypatch, "--json", "catalog", "hash", DECLARED)
    assert json.loads(out)["resource_count"] == 28


def test_prove_and_verify_proof(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from catalog import read_catalog

    root = read_catalog(DECLARED).merkle_root.hex()
    code, out, _ = run(capsys, monkeypatch, "catalog", "prove", DECLARED, "301003/000003")
    proof = json.loads(out)
    assert code == 0 and proof["leaf_index"] == 2 and proof["tree_size"] == 28
    assert proof["root"] == root and len(proof["audit_path"]) == 5 and proof["leaf_hash"]
    path = tmp_path / "proof.json"
    path.write_text(out, encoding="utf-8")
    code, out, _ = run(capsys, monkeypatch, "catalog", "verify-proof", str(path), "--root", root)
    assert code == 0 and "valid" in out
    code, _, err = run(
        capsys, monkeypatch, "catalog", "verify-proof", str(path), "--root", "00" * 32
    )
    assert code == 1 and "RootMismatch" in err and "Traceback" not in err
    code, _, err = run(
        capsys, monkeypatch, "catalog", "verify-proof", str(path), "--root", root, "--size", "29"
    )
    assert code == 1 and "tree of 28 leaves, want 29" in err
    proof["leaf"] = proof["leaf"].replace("学生", "学员")
    path.write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "catalog", "verify-proof", str(path), "--root", root)
    assert code == 1 and "leaf hash mismatch" in err
    path.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "catalog", "verify-proof", str(path), "--root", root)
    assert code == 1 and "ProofInvalid" in err and "not JSON" in err
    code, _, err = run(capsys, monkeypatch, "catalog", "prove", DECLARED, "999999/000001")
    assert code == 1 and "is not in catalog" in err


@pytest.mark.parametrize(
    "name",
    ["bad_share_type.json", "nan.json", "not_utf8.json", "duplicate_key.json", "deep_nesting.json"],
)
def test_bad_input_exits_2_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "catalog", "validate", str(VECTORS / "catalog" / "invalid" / name)
    )
    assert code == 2 and "CatalogInvalid" in err and "Traceback" not in err


def test_oversized_file_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "catalog", "validate", DECLARED, "--max-bytes", "1000")
    assert code == 2 and "over the limit of 1000 bytes" in err


def test_diff_human_and_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalog import read_catalog, verify_diff

    code, out, _ = run(capsys, monkeypatch, "catalog", "diff", DECLARED, ACCEPTANCE)
    assert code == 0
    assert "+ 301001/000029" in out and "- 301004/000016" in out and "~ 301003/000003" in out
    assert "1429 bp" in out and "备案" in out
    code, out, _ = run(capsys, monkeypatch, "catalog", "diff", DECLARED, ACCEPTANCE, "--json")
    data = json.loads(out)
    assert data["ratio_bp"] == 1429 and len(data["proofs"]) == 30
    verify_diff(data, read_catalog(DECLARED).merkle_root, read_catalog(ACCEPTANCE).merkle_root)


def test_schema(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "catalog", "schema")
    schema = json.loads(out)
    assert code == 0 and set(schema["required"]) >= {
        "schema",
        "project_code",
        "kind",
        "version",
        "resources",
    }
    assert schema["$defs"]["Resource"]["properties"]["share_type"]["title"] == "共享类型"


def test_template_and_import(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    xlsx, csv, out_json = tmp_path / "t.xlsx", tmp_path / "t.csv", tmp_path / "c.json"
    code, _, _ = run(
        capsys, monkeypatch, "catalog", "template", "--xlsx", str(xlsx), "--csv", str(csv)
    )
    assert code == 0 and xlsx.stat().st_size > 0 and csv.stat().st_size > 0
    code, out, _ = run(capsys, monkeypatch, "catalog", "import", str(xlsx), "-o", str(out_json))
    assert code == 0 and json.loads(out_json.read_text("utf-8"))["kind"] == "declared"
    code, _, _ = run(
        capsys,
        monkeypatch,
        "catalog",
        "import",
        str(csv),
        "-o",
        str(out_json),
        "--project-code",
        "BJ-2026-0003",
        "--kind",
        "acceptance",
        "--version",
        "2",
    )
    doc = json.loads(out_json.read_text("utf-8"))
    assert code == 0 and doc["project_code"] == "BJ-2026-0003" and doc["version"] == 2
    code, _, err = run(capsys, monkeypatch, "catalog", "import", str(csv), "-o", str(out_json))
    assert code == 2 and "$.project_code: required field is missing" in err
    code, _, err = run(capsys, monkeypatch, "catalog", "template")
    assert code == 2 and "give --xlsx OUT and/or --csv OUT" in err
