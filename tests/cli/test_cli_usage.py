"""Usage errors (unknown command, missing option, value outside the contract's integer range) are
bad input: exit 2 with a usage message, never a traceback, and nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import mulu


@pytest.mark.parametrize(
    "args",
    [
        ("nosuch",),
        ("project", "fund", "BJ-2026-0001"),
        ("project", "fund", "BJ-2026-0001", "--period-days", "-1"),
        ("project", "review-extend", "BJ-2026-0001", "--days", str(2**32)),
        ("project", "change", "BJ-2026-0001", "--ratio-bp", "70000", "--evidence", "README.md"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = mulu(tmp_path, *args, check=2)
    assert "Traceback" not in proc.stderr
    assert "Error" in proc.stderr
    assert not (tmp_path / "chain").exists()
