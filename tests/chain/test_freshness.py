"""更新 (art. 21) is a refresh *within the resource's update cycle*. The contract keeps only the
refresh times (the cycles are in the acceptance catalog), so the gate report blocks acceptance
on a stale refresh, and the audit, holding the documents, reports an acceptance made with one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.audit import audit_project
from chain_client.steps import RefreshStale, Steps, acceptance_diff
from chain_client.types import Step
from tests.gates.docs import make_catalog, save

from .conftest import World, reverting_world
from .flows import digest

N = 12  # resource 1 is 每日 (daily) in the example catalog


@pytest.fixture(params=["tester"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _confirmed(world: World, documents: Path, *, stale_days: float) -> tuple[str, Steps]:
    """A project under construction with every step confirmed for every resource; resource 1
    (daily) refreshed ``stale_days`` days ago, the others now."""
    code = "BJ-2026-" + world.new_code()[-4:] + "7"
    led = world.ledger
    led.create_project(world["eitb"], code, world["unit1"].address, "数据刷新测试项目")
    for kind in ("declared", "acceptance"):
        doc = make_catalog(code, kind, 1, N)  # the same resources: no change to file
        save(doc, documents)
        led.anchor(world["unit1"], code, kind, 1, doc.digest, doc.merkle_root, doc.resource_count)
        if kind == "declared":
            led.start_review(world["eitb"], code)
            led.approve_crypto(world["crypto"], code)
            led.pass_review(world["eitb"], code, digest())
            led.fund(world["drc"], code, 365)
            led.start_construction(world["unit1"], code)
    assert doc.document["resources"][1]["update_cycle"] == "每日"
    steps = Steps(led)
    now = world.now()
    for step in (Step.CLOUD, Step.INTERFACE):
        steps.confirm(world["platform"], code, 1, step, list(range(N)))
    times = [now] * N
    times[1] = now - int(stale_days * 86_400)
    steps.confirm_updates(world["platform"], code, 1, list(range(N)), times)
    conf = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes)
    steps.submit_ownership(world["unit1"], conf)
    return code, steps


def _accept(world: World, documents: Path, code: str) -> None:
    diff = acceptance_diff(world.ledger, documents, code)
    assert diff.ratio_bp == 0
    world.ledger.accept(world["unit1"], code, ratio_bp=0, diff_digest=diff.digest)


def test_fresh_refreshes_pass_the_gate_and_the_audit(world: World, tmp_path: Path) -> None:
    code, steps = _confirmed(world, tmp_path, stale_days=0.5)  # within a day + 12 h grace
    report = steps.gates(code, tmp_path)
    assert report.stale == [] and report.acceptance_ready, report.acceptance_blockers
    steps.require_fresh(code, tmp_path)  # what `mulu project accept` checks first
    _accept(world, tmp_path, code)
    audit = audit_project(world.ledger, code, tmp_path)
    assert audit.checked["freshness"] == 1
    assert [f for f in audit.findings if f.check == "gate"] == []


def test_a_stale_refresh_blocks_the_gate_and_is_reported(world: World, tmp_path: Path) -> None:
    code, steps = _confirmed(world, tmp_path, stale_days=3)
    report = steps.gates(code, tmp_path)
    assert [s["index"] for s in report.stale] == [1]
    assert not report.acceptance_ready
    assert any("not refreshed within their update cycle" in b for b in report.acceptance_blockers)
    with pytest.raises(RefreshStale, match=r"1 resource\(s\) .*每日"):
        steps.require_fresh(code, tmp_path)  # `mulu project accept` refuses
    # the contract cannot tell (it has no cycles): a unit that accepts anyway is found out
    _accept(world, tmp_path, code)
    audit = audit_project(world.ledger, code, tmp_path)
    gate = [f.message for f in audit.findings if f.check == "gate"]
    assert len(gate) == 1 and "1 resource(s), first" in gate[0] and "每日" in gate[0], gate
