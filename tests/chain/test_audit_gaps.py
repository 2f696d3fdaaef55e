"""Rules the contracts cannot see (they hold no documents) that ``mulu audit``, holding the
documents, must check: each test has a dishonest caller get a transaction accepted on chain and
the audit report it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import catalog
from api.audit import audit_project
from chain_client.steps import acceptance_diff
from tests.gates.docs import make_catalog

from .conftest import World, reverting_world
from .flows import ready_for_acceptance


@pytest.fixture(params=["tester"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _accept(world: World, documents: Path, code: str) -> None:
    diff = acceptance_diff(world.ledger, documents, code)
    world.ledger.accept(world["unit1"], code, ratio_bp=diff.ratio_bp, diff_digest=diff.digest)


def _findings(world: World, code: str, documents: Path, check: str) -> list[str]:
    report = audit_project(world.ledger, code, documents)
    return [f.message for f in report.findings if f.check == check]


# -- art. 21: the acceptance catalog is compiled against the project's declared catalog ------------


def test_an_acceptance_catalog_compiled_against_the_declared_one_passes(
    world: World, tmp_path: Path
) -> None:
    code, _ = ready_for_acceptance(world, tmp_path, compiled_against=True)
    _accept(world, tmp_path, code)
    report = audit_project(world.ledger, code, tmp_path)
    assert report.findings == [], report.findings


def test_an_acceptance_catalog_compiled_against_another_declared_one_is_found(
    world: World, tmp_path: Path
) -> None:
    """The acceptance catalog names the declared catalog it was compiled against
    (``declared_digest``); the contract cannot read it, so a catalog compiled against another
    project's declared catalog is anchored, confirmed and accepted."""
    other = make_catalog("BJ-2026-9999", "declared", 1, 12)
    code, _ = ready_for_acceptance(world, tmp_path, compiled_against=other.digest)
    _accept(world, tmp_path, code)
    (found,) = _findings(world, code, tmp_path, "change")
    assert other.digest.hex() in found and "art. 21" in found, found
    assert "declared v1" in found, found


# -- art. 21: 更新 within the update cycle, for every catalog the audit reads ---------------------


def test_a_stale_refresh_in_a_large_acceptance_catalog_is_found(
    world: World, tmp_path: Path
) -> None:
    """A catalog above the parser's default 16 MiB (here ~20 MiB: 12 resources of 2,000 items)
    is anchored and checked like any other (the audit reads documents up to 64 MiB); its
    refreshes must be checked against its update cycles too."""
    code, _ = ready_for_acceptance(world, tmp_path, stale_days=3, items=2_000)
    size = max(p.stat().st_size for p in tmp_path.glob("*.json"))
    assert 16 << 20 < size < 1 << 26, size
    old, new = (
        catalog.load_catalog(
            tmp_path.joinpath(f"{bytes(e.args['digest']).hex()}.json").read_bytes(),
            max_bytes=1 << 26,
        )
        for e in world.ledger.anchors(code)
    )
    diff = catalog.diff_catalogs(old, new)  # acceptance_diff reads up to 16 MiB, as the client does
    assert diff.ratio_bp == 0
    world.ledger.accept(world["unit1"], code, ratio_bp=0, diff_digest=diff.digest)
    report = audit_project(world.ledger, code, tmp_path)
    assert report.checked.get("freshness") == 1, report.checked
    (found,) = [f.message for f in report.findings if f.check == "gate"]
    assert "1 resource(s), first" in found and "每日" in found, found


# -- art. 16: a filed or approved change against its evidence, the diff of the anchored catalogs ---


def _diff_evidence(world: World, documents: Path, code: str) -> catalog.CatalogDiff:
    diff = acceptance_diff(world.ledger, documents, code)
    (documents / f"{diff.digest.hex()}.diff.json").write_bytes(diff.canonical)
    return diff


def test_a_change_approved_with_its_diff_passes(world: World, tmp_path: Path) -> None:
    code, _ = ready_for_acceptance(world, tmp_path, accepted=14)
    diff = _diff_evidence(world, tmp_path, code)
    world.ledger.approve_change(world["eitb"], code, diff.ratio_bp, diff.digest)
    report = audit_project(world.ledger, code, tmp_path)
    assert report.findings == [], report.findings


def test_a_change_over_15_percent_filed_with_its_diff_is_found(
    world: World, tmp_path: Path
) -> None:
    """The unit files (备案) 1500 bp, the most a filing may have, with the diff of its anchored
    catalogs as evidence, which shows 1667 bp: a change that needed EITB's approval (art. 16).
    The contract judges the filing by the number it is given."""
    code, _ = ready_for_acceptance(world, tmp_path, accepted=14)
    diff = _diff_evidence(world, tmp_path, code)
    assert diff.ratio_bp == 1667
    world.ledger.file_change(world["unit1"], code, 1500, diff.digest)
    (found,) = _findings(world, code, tmp_path, "change")
    assert "1500 bp" in found and "1667 bp" in found and "approval" in found, found
    assert "art. 16" in found, found
