"""What a deadline required and never came: the contract refuses a late commissioning
application or self-evaluation, but nothing records that none came. The audit says so, as a
notice (like a missed progress report), once the window has closed; a termination before the
deadline ends the obligation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.audit import COMMISSION_WINDOW, SELF_EVAL, audit_project

from .conftest import World, reverting_world
from .flows import advance, digest

DAY = 86_400


@pytest.fixture(params=["tester"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _notes(world: World, code: str, documents: Path, words: str) -> list[str]:
    report = audit_project(world.ledger, code, documents)
    return [n.message for n in report.notices if words in n.message]


def _at(world: World, ts: int) -> None:
    """The head block at ``ts`` exactly."""
    world.chain.advance_time(ts - world.now())
    assert world.now() == ts


def test_no_commissioning_application_after_the_window(world: World, tmp_path: Path) -> None:
    code = advance(world, "accept")
    closes = world.ledger.project(code)["acceptedAt"] + COMMISSION_WINDOW
    _at(world, closes)
    assert _notes(world, code, tmp_path, "commissioning application") == []
    world.advance_days(1)
    (note,) = _notes(world, code, tmp_path, "commissioning application")
    assert note.startswith("no commissioning application within 183 days") and "art. 23" in note


def test_an_application_in_time_or_a_termination_ends_it(world: World, tmp_path: Path) -> None:
    applied = advance(world, "apply_commission")
    stopped = advance(world, "accept")
    world.ledger.terminate(world["eitb"], stopped, "项目终止")
    world.advance_days(200)
    for code in (applied, stopped):
        assert _notes(world, code, tmp_path, "commissioning application") == []


def test_no_self_evaluation_after_15_months(world: World, tmp_path: Path) -> None:
    code = advance(world, "commission")
    closes = world.ledger.project(code)["operationAt"] + SELF_EVAL[1]
    _at(world, closes)
    assert _notes(world, code, tmp_path, "self-evaluation") == []
    world.advance_days(1)
    (note,) = _notes(world, code, tmp_path, "self-evaluation")
    assert "12-15 months of operation" in note and "art. 30" in note
    # one submitted in its window is not an omission
    done = advance(world, "commission")
    world.advance_days(400)
    world.ledger.submit_self_evaluation(world["unit1"], done, digest())
    world.advance_days(100)
    assert _notes(world, done, tmp_path, "self-evaluation") == []
