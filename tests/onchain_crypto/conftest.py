"""Fixtures of the on-chain crypto suite: web3 on the session's anvil node, the contracts deployed.

The node comes from ``tests/conftest.py`` (``anvil_url``); the crypto contracts are deployed once
per test process from their committed artifacts.
"""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract

from chain_client.compile import load_artifact


def deploy(w3: Web3, name: str, *args: Any) -> Contract:
    """Deploy the committed artifact ``name`` from the node's first account."""
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(*args).transact({"from": w3.eth.accounts[0], "gas": 30_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1, f"deploying {name} failed"
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


@pytest.fixture(scope="session")
def w3(anvil_url: str) -> Web3:
    """web3 connected to the session's anvil node."""
    return Web3(Web3.HTTPProvider(anvil_url, request_kwargs={"timeout": 120}))


@pytest.fixture(scope="session")
def sm3_hasher(w3: Web3) -> Contract:
    return deploy(w3, "SM3Hasher")


@pytest.fixture(scope="session")
def sm2_verifier(w3: Web3) -> Contract:
    return deploy(w3, "SM2Verifier")
