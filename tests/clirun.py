"""Running the real ``mulu`` CLI in a subprocess, for the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV_PASSWORD = "test-password"


def mulu(home: Path, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    """``mulu ARGS`` with ``MULU_HOME=home``; asserts the exit code unless ``check`` is None."""
    env = os.environ | {"MULU_HOME": str(home), "MULU_DEV_PASSWORD": DEV_PASSWORD}
    env.pop("MULU_RPC_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mulu.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if check is not None:
        assert proc.returncode == check, (
            f"mulu {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@contextmanager
def node_home(home: Path, *, bootstrap: bool = True) -> Iterator[Path]:
    """``home`` with its ``mulu node`` running (stopped on exit), and the dev deployment made
    (``mulu dev bootstrap``) unless ``bootstrap`` is false."""
    mulu(home, "node", "start")
    try:
        if bootstrap:
            mulu(home, "dev", "bootstrap")
        yield home
    finally:
        mulu(home, "node", "stop", check=None)


def js(home: Path, *args: str) -> Any:
    """``mulu --json ARGS``, parsed (the command must succeed)."""
    return json.loads(mulu(home, "--json", *args).stdout)
