"""`mulu sm2 verify --on-chain`: the same verdicts and exit codes as the OpenSSL path, computed by
the Solidity verifier through eth_call on a real anvil node, with the gas it used."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from web3 import Web3

import sm_crypto
from chain_client.sm2_onchain import deploy_verifier
from tests.clirun import mulu

pytestmark = pytest.mark.anvil


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return mulu(home, *args, check=None)


def test_on_chain_verify_matches_openssl(anvil_url: str, tmp_path: Path) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_url))
    address = deploy_verifier(w3, w3.eth.accounts[0])
    key = sm_crypto.PrivateKey.generate()
    message = "验收项目数据目录 确权".encode()
    path = tmp_path / "msg.bin"
    path.write_bytes(message)
    pub = key.public_key.to_bytes().hex()
    base = [
        "--rpc",
        anvil_url,
        "--json",
        "sm2",
        "verify",
        "--on-chain",
        "--verifier",
        address,
        "--public-key",
        pub,
    ]
    der = key.sign(message).hex()
    ok = run(tmp_path, *base, "--signature", der, str(path))
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert result["valid"] is True and 100_000 < result["gas_used"] < 1_000_000
    raw = bytearray(key.sign_raw(message))
    raw[-1] ^= 1
    bad = run(tmp_path, *base, "--signature", raw.hex(), str(path))
    assert bad.returncode == 1 and "InvalidSignature" in bad.stderr
    swapped = key.sign_raw(message)
    swapped = swapped[32:] + swapped[:32]
    assert run(tmp_path, *base, "--signature", swapped.hex(), str(path)).returncode == 1
    assert run(tmp_path, *base, "--signature", "30440220", str(path)).returncode == 2
    other_id = run(tmp_path, *base, "--signature", der, "--id", "ALICE123@YAHOO.COM", str(path))
    assert other_id.returncode == 1
