"""A deployment mined with status 0 (here: out of gas while storing the code) raises the typed
``TransactionFailedError``; there is no contract address to replay a call against."""

from __future__ import annotations

import pytest

from chain_client.chain import Chain, TransactionFailedError
from chain_client.compile import load_artifact


def test_failed_deployment_is_a_typed_error() -> None:
    chain = Chain.in_process()
    deployer = Chain.new_account()
    chain.fund(deployer.address, 10**20)
    artifact = load_artifact("SM3Hasher")  # no constructor arguments
    code = bytes.fromhex(artifact["bytecode"][2:])
    intrinsic = 53_000 + sum(16 if b else 4 for b in code)
    factory = chain.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    with pytest.raises(TransactionFailedError, match=r"deployment failed in block \d+"):
        chain.transact(deployer, factory.constructor(), gas=intrinsic + 1_000)
    # the same deployment with the gas it needs succeeds
    receipt = chain.transact(deployer, factory.constructor())
    assert receipt["status"] == 1 and receipt["contractAddress"]
