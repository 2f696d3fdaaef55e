"""Rules the contracts cannot see (they hold no documents) that ``mulu audit``, holding the
documents, must check: each test has a dishonest caller get a transaction accepted on chain and
the audit report it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
