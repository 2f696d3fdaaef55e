"""`mulu step` and `mulu project gates` end to end on anvil: offline 确权 signing and submission,
the gate report, acceptance with the ratio computed from the kept documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import js, mulu, node_home

from ..gates.docs import make_catalog

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    with node_home(tmp_path_factory.mktemp("mulu-steps")) as home:
        yield home


def _write(doc, path: Path) -> Path:
    path.write_bytes(doc.canonical)
    return path


def test_steps_gates_offline_ownership_and_accept(home: Path, tmp_path: Path) -> None:
    code = "BJ-2026-7001"
    declared = _write(make_catalog(code, "declared", 1, 18), tmp_path / "declared.json")
    acceptance = make_catalog(code, "acceptance", 1, 20)
    acc_file = _write(acceptance, tmp_path / "acceptance.json")
    js(home, "project", "create", code, "--name", "市级数据共享交换平台", "--unit", "unit1")
    js(home, "catalog", "anchor", str(declared))
    for cmd in (["review-start"], ["crypto-approve"]):
        js(home, "project", *cmd, code)
    opinion = tmp_path / "opinion.txt"
    opinion.write_text("评审意见", encoding="utf-8")
    js(home, "project", "review-pass", code, "--opinion", str(opinion))
    js(home, "--as", "finance", "project", "fund", code, "--period-days", "300")
    js(home, "project", "start-construction", code)
    js(home, "catalog", "anchor", str(acc_file))

    gates = js(home, "project", "gates", code)
    assert gates["acceptance"]["ready"] is False
    assert gates["steps"]["chain"]["confirmed"] == 20  # 上链 by the anchor
    assert gates["steps"]["cloud"]["missing"][0] == acceptance.codes[0]
    refused = mulu(home, "project", "accept", code, check=1)
    assert "GateStepMissing" in refused.stderr and "CLOUD" in refused.stderr

    for step in ("cloud", "interface", "update"):
        js(home, "step", "confirm", code, "--step", step, "--resources", "all")
    js(home, "step", "confirm", code, "--step", "chain")
    # 确权 signed offline for two resources, submitted later; the rest in one go
    first = ",".join(acceptance.codes[:2])
    signed = tmp_path / "conf.json"
    mulu(home, "step", "sign-ownership", code, "--resources", first, "-o", str(signed), check=2)
    js(
        home,
        "--as",
        "unit1",
        "step",
        "sign-ownership",
        code,
        "--resources",
        first,
        "-o",
        str(signed),
    )
    assert json.loads(signed.read_text())["resource_codes"] == acceptance.codes[:2]
    tampered = json.loads(signed.read_text()) | {"version": 2}
    (tmp_path / "bad.json").write_text(json.dumps(tampered))
    mulu(home, "step", "submit", str(tmp_path / "bad.json"), check=2)
    js(home, "step", "submit", str(signed))
    partial = js(home, "project", "gates", code)
    assert partial["steps"]["ownership"]["confirmed"] == 2
    js(home, "step", "confirm", code, "--step", "ownership", "--resources", "all")
    assert js(home, "step", "freshness", code)["stale"] == []

    assert js(home, "project", "gates", code)["acceptance"]["ready"] is True
    # art. 16: the 1112 bp change (2 added to 18 declared) is filed (备案) before acceptance
    refused = mulu(home, "project", "accept", code, check=1)
    assert "ProjectChangeNotFiled" in refused.stderr
    js(home, "project", "change", code, "--ratio-bp", "1112", "--evidence", str(opinion))
    accepted = js(home, "project", "accept", code)
    assert accepted["ratio_bp"] == 1112  # 2 added to 18 declared, rounded up
    mulu(home, "step", "confirm", code, "--step", "teleport", check=2)
