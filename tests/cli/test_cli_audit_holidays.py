"""``mulu audit --holidays FILE``: the arrangement is read and checked before the chain is asked
(the audit with arrangements itself: tests/chain/test_audit_arrangements.py)."""

from __future__ import annotations

from pathlib import Path

from tests.clirun import mulu

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "holidays-2026.json"


def test_a_bad_arrangement_is_refused_before_the_chain(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(EXAMPLE.read_text().replace('"year": 2026', '"year": 2026, "year": 2027'))
    refused = mulu(tmp_path / "home", "audit", "--all", "--holidays", str(bad), check=2)
    assert "ArrangementInvalid" in refused.stderr and "Traceback" not in refused.stderr


def test_a_good_arrangement_then_the_chain_is_asked(tmp_path: Path) -> None:
    # no node in this home: the file passed its checks, and the chain is unreachable (exit 3)
    out = mulu(tmp_path / "home", "audit", "--all", "--holidays", str(EXAMPLE), check=3)
    assert "ArrangementInvalid" not in out.stderr and "Traceback" not in out.stderr
