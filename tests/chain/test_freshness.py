"""更新 (art. 21) is a refresh *within the resource's update cycle*. The contract keeps only the
refresh times (the cycles are in the acceptance catalog), so the gate report blocks acceptance
on a stale refresh, and the audit, holding the documents, reports an acceptance made with one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.audit import audit_project
from chain_client.steps import RefreshStale, acceptance_diff

from .conftest import World, reverting_world
from .flows import ready_for_acceptance


@pytest.fixture(params=["tester"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _accept(world: World, documents: Path, code: str) -> None:
    diff = acceptance_diff(world.ledger, documents, code)
    assert diff.ratio_bp == 0
    world.ledger.accept(world["unit1"], code, ratio_bp=0, diff_digest=diff.digest)


def test_fresh_refreshes_pass_the_gate_and_the_audit(world: World, tmp_path: Path) -> None:
    code, steps = ready_for_acceptance(world, tmp_path, stale_days=0.5)  # within a day + 12 h grace
    report = steps.gates(code, tmp_path)
    assert report.stale == [] and report.acceptance_ready, report.acceptance_blockers
    steps.require_fresh(code, tmp_path)  # what `mulu project accept` checks first
    _accept(world, tmp_path, code)
    audit = audit_project(world.ledger, code, tmp_path)
    assert audit.checked["freshness"] == 1
    assert [f for f in audit.findings if f.check == "gate"] == []


def test_a_stale_refresh_blocks_the_gate_and_is_reported(world: World, tmp_path: Path) -> None:
    code, steps = ready_for_acceptance(world, tmp_path, stale_days=3)
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
