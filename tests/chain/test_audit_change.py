"""Art. 16 at acceptance: the unit records the declared → acceptance change ratio and the diff's
digest, and the contract judges the filing or approval it needs by that ratio alone (it holds no
documents). The audit, holding both anchored catalogs, computes the diff again and reports a
ratio or digest that is not the documents'."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.audit import audit_project
from chain_client.steps import acceptance_diff

from .conftest import World, reverting_world
from .flows import READY_N, digest, ready_for_acceptance


@pytest.fixture(params=["tester"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _change_findings(world: World, code: str, documents: Path) -> list[str]:
    report = audit_project(world.ledger, code, documents)
    assert report.checked["change"] == 1
    return [f.message for f in report.findings if f.check == "change"]


def test_the_honest_ratio_and_diff_pass(world: World, tmp_path: Path) -> None:
    code, _ = ready_for_acceptance(world, tmp_path, accepted=READY_N + 1)
    diff = acceptance_diff(world.ledger, tmp_path, code)
    assert diff.ratio_bp == 834  # 1 added of 12, rounded up
    world.ledger.file_change(world["unit1"], code, diff.ratio_bp, digest())
    world.ledger.accept(world["unit1"], code, ratio_bp=diff.ratio_bp, diff_digest=diff.digest)
    assert _change_findings(world, code, tmp_path) == []


def test_a_change_recorded_as_none_is_found(world: World, tmp_path: Path) -> None:
    """Recorded as 0 bp, the change needs no filing, and the contract accepts it."""
    code, _ = ready_for_acceptance(world, tmp_path, accepted=READY_N + 1)
    world.ledger.accept(world["unit1"], code, ratio_bp=0, diff_digest=digest())
    found = _change_findings(world, code, tmp_path)
    assert len(found) == 2, found
    assert "recorded a change of 0 bp" in found[0] and "differ by 834 bp" in found[0]
    assert "a filing or approval of at least 834 bp (on record: 0)" in found[0]
    assert "recorded diff digest" in found[1]


def test_a_change_over_15_percent_recorded_under_it_is_found(world: World, tmp_path: Path) -> None:
    """2 of 12 added is 1667 bp, which needs EITB's approval; recorded as 1000 bp with a filing
    of 1000 bp, the contract accepts it."""
    code, _ = ready_for_acceptance(world, tmp_path, accepted=READY_N + 2)
    diff = acceptance_diff(world.ledger, tmp_path, code)
    world.ledger.file_change(world["unit1"], code, 1000, digest())
    world.ledger.accept(world["unit1"], code, ratio_bp=1000, diff_digest=diff.digest)
    (found,) = _change_findings(world, code, tmp_path)
    assert "recorded a change of 1000 bp" in found and "differ by 1667 bp" in found
    assert "a REVIEWER approval of at least 1667 bp (approved: 0)" in found
