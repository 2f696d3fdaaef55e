"""The CLI contract: ``mulu sm3`` and ``mulu sm2 keygen|pubkey|sign|verify`` with exact exit codes."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import load_vectors, run_openssl
from typer.testing import CliRunner

import sm_crypto
from mulu.cli import main as cli_main

PW_ENV = "MULU_TEST_KEY_PW"


def mulu(
    *args: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: bytes | None = None,
) -> tuple[int, str, str]:
    """Run ``mulu.cli.main.main`` in-process (its error mapping included): (exit, out, err)."""
    monkeypatch.setattr(sys, "argv", ["mulu", *args])
    capsys.readouterr()
    try:
        cli_main.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    monkeypatch.setenv(PW_ENV, "correct horse")
    path = tmp_path / "key.pem"
    code, out, _ = mulu(
        "sm2",
        "keygen",
        "--out",
        str(path),
        "--password-env",
        PW_ENV,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0
    return path, out.strip()


def test_sm3_file_and_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "data"
    f.write_bytes(b"abc")
    code, out, _ = mulu("sm3", str(f), monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert out.strip() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    code, out, _ = mulu("--json", "sm3", str(f), monkeypatch=monkeypatch, capsys=capsys)
    assert json.loads(out) == {
        "sm3": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        "file": str(f),
    }
    code, _, err = mulu("sm3", str(tmp_path / "nope"), monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "cannot read" in err
    # '-' reads stdin (in-process: the installed entry point takes seconds to import the
    # other command groups); several 1 MiB chunks
    data = os.urandom(3 * (1 << 20) + 5)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = mulu("sm3", "-", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out.strip()) == (0, sm_crypto.sm3(data).hex())


def test_keygen_writes_encrypted_key_only(
    key_file: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, public = key_file
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = sm_crypto.PrivateKey.from_pem(pem, b"correct horse")
    assert public == key.public_key.to_bytes().hex()
    code, out, _ = mulu(
        "sm2", "pubkey", str(path), "--password-env", PW_ENV, monkeypatch=monkeypatch, capsys=capsys
    )
    assert (code, out.strip()) == (0, public)
    # never overwrite; wrong password is exit 2 with a message
    code, _, err = mulu(
        "sm2",
        "keygen",
        "--out",
        str(path),
        "--password-env",
        PW_ENV,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 2 and "refusing to overwrite" in err
    monkeypatch.setenv(PW_ENV, "wrong")
    code, _, err = mulu(
        "sm2", "pubkey", str(path), "--password-env", PW_ENV, monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 2 and "InvalidKey" in err and "wrong password" in err


def test_keygen_and_pubkey_with_prompt(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "k.pem"
    result = runner.invoke(
        cli_main.app, ["sm2", "keygen", "--out", str(path)], input="pw-1\npw-1\n"
    )
    assert result.exit_code == 0, result.output
    key = sm_crypto.PrivateKey.from_pem(path.read_bytes(), b"pw-1")
    result = runner.invoke(cli_main.app, ["sm2", "pubkey", str(path)], input="pw-1\n")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == key.public_key.to_bytes().hex()


def test_sign_verify_exit_codes(
    key_file: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, public = key_file
    doc = tmp_path / "doc"
    doc.write_bytes(b"catalog document")

    def run(*args: str) -> tuple[int, str, str]:
        return mulu(*args, monkeypatch=monkeypatch, capsys=capsys)

    code, der_hex, _ = run("sm2", "sign", str(path), str(doc), "--password-env", PW_ENV)
    assert code == 0 and bytes.fromhex(der_hex.strip())[0] == 0x30
    code, raw_hex, _ = run(
        "sm2", "sign", str(path), str(doc), "--raw", "--id", "alice", "--password-env", PW_ENV
    )
    assert code == 0 and len(bytes.fromhex(raw_hex.strip())) == 64
    xy = public[2:]
    pem_file = tmp_path / "pub.pem"
    pem_file.write_bytes(sm_crypto.PublicKey.from_bytes(bytes.fromhex(public)).to_pem())
    for key_arg in (public, xy, str(pem_file)):
        code, out, _ = run(
            "sm2", "verify", "--public-key", key_arg, "--signature", der_hex.strip(), str(doc)
        )
        assert (code, out.strip()) == (0, "valid")
    assert (
        run(
            "sm2",
            "verify",
            "--public-key",
            xy,
            "--signature",
            raw_hex.strip(),
            "--id",
            "alice",
            str(doc),
        )[0]
        == 0
    )
    # invalid: exit 1
    code, _, err = run(
        "sm2", "verify", "--public-key", xy, "--signature", raw_hex.strip(), str(doc)
    )
    assert code == 1 and "InvalidSignature" in err
    other = tmp_path / "other"
    other.write_bytes(b"catalog documenT")
    assert (
        run("sm2", "verify", "--public-key", public, "--signature", der_hex.strip(), str(other))[0]
        == 1
    )
    # malformed: exit 2
    for key_arg, sig in [
        (public, "zz"),
        (public, der_hex.strip() + "00"),
        (public, raw_hex.strip()[:-2]),
        (public[:-2], der_hex.strip()),
        ("04" + "00" * 64, der_hex.strip()),
        ("not-a-key", der_hex.strip()),
    ]:
        code, _, err = run("sm2", "verify", "--public-key", key_arg, "--signature", sig, str(doc))
        assert code == 2, (key_arg, sig, err)
        assert "Malformed" in err or "InvalidKey" in err


@pytest.mark.parametrize(
    "vector", load_vectors("hostile_signatures.json")["vectors"], ids=lambda v: v["comment"]
)
def test_verify_hostile_vectors_exit_codes(
    vector: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = load_vectors("hostile_signatures.json")
    doc = tmp_path / "m"
    doc.write_bytes(bytes.fromhex(data["message"]))
    code, _, _ = mulu(
        "sm2",
        "verify",
        "--public-key",
        data["public_key"],
        "--signature",
        vector["signature"],
        str(doc),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == {"valid": 0, "invalid": 1, "malformed": 2}[vector["expect"]]


def test_cli_signature_verifies_in_openssl(
    key_file: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, public = key_file
    doc = tmp_path / "doc"
    doc.write_bytes(b"to openssl")
    code, der_hex, _ = mulu(
        "sm2",
        "sign",
        str(path),
        str(doc),
        "--password-env",
        PW_ENV,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    sig = tmp_path / "sig"
    sig.write_bytes(bytes.fromhex(der_hex.strip()))
    out = run_openssl(
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-inkey",
        str(path),
        "-passin",
        f"env:{PW_ENV}",
        "-in",
        str(doc),
        "-sigfile",
        str(sig),
        env={**os.environ, PW_ENV: "correct horse"},
    )
    assert b"Signature Verified Successfully" in out.stdout
