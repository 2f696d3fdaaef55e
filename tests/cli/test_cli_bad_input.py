"""Bad input to the ``mulu`` CLI: a typed message and exit 2, no traceback, nothing changed (no
document kept for a command that was refused), and no part of a password on stderr."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import ROOT, js, mulu, node_home

from ..gates.docs import make_catalog

pytestmark = pytest.mark.anvil
EXAMPLES = ROOT / "examples"
BAD_ADDRESS = "0x" + "z" * 40


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    with node_home(tmp_path_factory.mktemp("mulu-bad-input")) as home:
        yield home


def _refused(home: Path, *args: str, code: int = 2, error: str = "InvalidInput") -> str:
    proc = mulu(home, *args, check=code)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert error in proc.stderr, proc.stderr
    return proc.stderr


def _documents(home: Path) -> set[str]:
    directory = home / "documents"
    return {p.name for p in directory.iterdir()} if directory.is_dir() else set()


def test_password_not_utf8_is_refused_without_echoing_it(home: Path) -> None:
    env = os.environ | {
        "MULU_HOME": str(home),
        "MULU_DEV_PASSWORD": "secret\udcffpass",  # the bytes b"secret\xffpass"
    }
    env.pop("MULU_RPC_URL", None)
    args = ["--as", "eitb", "project", "create", "BJ-2026-8001", "--name", "x", "--unit", "unit1"]
    proc = subprocess.run(
        [sys.executable, "-m", "mulu.cli.main", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, stderr
    assert "InvalidInput" in stderr and "MULU_DEV_PASSWORD" in stderr, stderr
    for leak in ("secret", "pass\n", "xff", "udcff", "position", "\ufffd"):
        assert leak not in stderr.replace("MULU_DEV_PASSWORD", ""), (leak, stderr)
    assert b"\xff" not in proc.stderr and b"secret" not in proc.stdout


def test_malformed_addresses_and_keys(home: Path) -> None:
    _refused(home, "project", "create", "BJ-2026-8002", "--name", "x", "--unit", BAD_ADDRESS)
    _refused(home, "member", "show", BAD_ADDRESS)
    _refused(home, "member", "propose", "admit", BAD_ADDRESS)
    assert "--key" in _refused(home, "member", "propose", "admit", "unit1", "--key", "zz")


def test_step_input_checked_before_the_chain(home: Path) -> None:
    code = "BJ-2026-8003"
    assert "before 1970" in _refused(
        home, "step", "confirm", code, "--step", "update", "--refreshed-at", "1960-01-01"
    )
    assert "versions start at 1" in _refused(
        home, "step", "confirm", code, "--step", "cloud", "--version", "0"
    )


@pytest.mark.parametrize("days", ["inf", "nan", "-inf", "1e300", "1e15", "-1"])
def test_advance_time_out_of_range(home: Path, days: str) -> None:
    before = js(home, "node", "status")["block_number"]
    _refused(home, "dev", "advance-time", "--", days)
    assert js(home, "node", "status")["block_number"] == before


def test_refused_commands_keep_no_document(home: Path, tmp_path: Path) -> None:
    code = "BJ-2026-8004"
    js(home, "project", "create", code, "--name", "x", "--unit", "unit1")
    opinion = tmp_path / "op.txt"
    opinion.write_text("评审意见 8004", encoding="utf-8")
    kept = _documents(home)
    # a malformed code: bad input, exit 2
    for cmd in (
        ["review-pass", "bad code", "--opinion"],
        ["progress", "bad code", "--report"],
        ["self-evaluate", "bad code", "--report"],
        ["evaluate", "bad code", "--report"],
        ["rectify", "bad code", "--plan"],
    ):
        _refused(home, "project", *cmd, str(opinion))
    _refused(home, "project", "change", "bad code", "--ratio-bp", "10", "--evidence", str(opinion))
    # refused by a rule (the project is not under review): exit 1
    _refused(
        home, "project", "review-pass", code, "--opinion", str(opinion), code=1, error="Project"
    )
    assert _documents(home) == kept
    # a catalog anchored by the wrong unit is refused and not kept
    declared = tmp_path / "declared.json"
    declared.write_bytes(make_catalog(code, "declared", 1, 3).canonical)
    _refused(home, "--as", "unit2", "catalog", "anchor", str(declared), code=1, error="ProjectNot")
    assert _documents(home) == kept
    # the right unit: anchored and kept
    anchored = js(home, "catalog", "anchor", str(declared))
    assert _documents(home) == kept | {Path(anchored["stored_at"]).name}


def test_port_out_of_range_and_in_use(home: Path) -> None:
    for args in (["serve", "--port", "70000"], ["node", "start", "--port", "70000"]):
        proc = mulu(home, *args, check=2)
        assert "Traceback" not in proc.stderr and "65535" in proc.stderr, proc.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stderr = _refused(home, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert f"cannot listen on 127.0.0.1:{port}" in stderr, stderr


def test_bad_output_paths(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    assert "cannot write" in _refused(home, "catalog", "template", "--xlsx", f"{missing}/x.xlsx")
    assert "cannot write" in _refused(home, "catalog", "template", "--csv", f"{missing}/x.csv")
    stderr = _refused(
        home, "catalog", "import", str(EXAMPLES / "declared.xlsx"), "-o", str(tmp_path)
    )
    assert f"cannot write {tmp_path}" in stderr, stderr
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    env_home = tmp_path / "h"
    proc = subprocess.run(
        [sys.executable, "-m", "mulu.cli.main", "sm2", "keygen", "--out", f"{missing}/k.pem"]
        + ["--password-env", "KEYPW"],
        capture_output=True,
        text=True,
        env=os.environ | {"MULU_HOME": str(env_home), "KEYPW": "pw"},
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2 and "cannot write" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_messages_and_exit_codes(home: Path, tmp_path: Path) -> None:
    assert "output option is required" in _refused(home, "catalog", "template")
    cat = make_catalog("BJ-2026-8005", "declared", 1, 3)
    (tmp_path / "c.json").write_bytes(cat.canonical)
    proof = mulu(home, "catalog", "prove", str(tmp_path / "c.json"), cat.codes[0]).stdout
    (tmp_path / "proof.json").write_text(proof, encoding="utf-8")
    for root in ("zz", "00" * 31):
        assert "--root" in _refused(
            home, "catalog", "verify-proof", str(tmp_path / "proof.json"), "--root", root
        )
    mulu(
        home,
        "catalog",
        "verify-proof",
        str(tmp_path / "proof.json"),
        "--root",
        cat.merkle_root.hex(),
    )
    stderr = _refused(
        home, "sm2", "verify", "--public-key", "00", "--signature", "00", "--id", "\udcff", "-"
    )
    assert "--id" in stderr
