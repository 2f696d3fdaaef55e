"""Gas of SM2 verification and SM3 hashing done by the contracts themselves (on a fresh anvil).

``run()`` deploys ``SM2Verifier`` and ``SM3Hasher`` and returns medians over random keys (fresh
``sm_crypto`` keys, each signing a random 32-byte message under the default ID):

- ``sm2_onchain_verify_gas``: ``eth_estimateGas`` of ``verify(x, y, Z_A, M, r, s)``, the whole
  transaction cost of a verification (21,000 base and calldata included), key not precomputed;
- ``sm2_onchain_verify_digest_gas``: the same for ``verifyDigest`` (e given, no SM3);
- ``sm2_onchain_verify_precomputed_gas``: ``verify`` after ``precompute(x, y)`` stored the key's table;
- ``sm2_onchain_precompute_gas``: the one-off ``precompute`` transaction;
- ``sm3_onchain_gas_per_64_bytes``: marginal execution gas of SM3 per 64-byte block
  ((gas(64·k bytes) - gas(0 bytes)) / k, calldata cost taken out).

Every verdict is also checked (valid signatures true, a flipped message false), so a broken
verifier cannot produce a figure. ``MULU_BENCH_SM2_KEYS`` sets the number of keys (default 101).
"""

from __future__ import annotations

import os
import statistics
import tempfile

from web3 import Web3

import sm_crypto
from chain_client.compile import load_artifact
from chain_client.node import LocalNode
from chain_client.sm2_onchain import DEFAULT_ID, deploy_verifier, verifier

KEYS = int(os.environ.get("MULU_BENCH_SM2_KEYS", "101"))
BLOCKS = 64


def _calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _sm3_gas_per_block(w3: Web3) -> float:
    artifact = load_artifact("SM3Hasher")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor().transact({"from": w3.eth.accounts[0]})
    )
    hasher = w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])

    def execution(data: bytes) -> int:
        call = hasher.functions.sm3(data)
        assert call.call() == sm_crypto.sm3(data)
        encoded = bytes.fromhex(hasher.encode_abi("sm3", [data])[2:])
        return int(call.estimate_gas()) - 21_000 - _calldata_gas(encoded)

    samples = []
    for _ in range(5):
        data = os.urandom(64 * BLOCKS)
        samples.append((execution(data) - execution(b"")) / BLOCKS)
    return statistics.median(samples)


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        node = LocalNode(home)
        node.start(extra_args=["--gas-limit", "1000000000"])
        try:
            w3 = Web3(Web3.HTTPProvider(node.url(), request_kwargs={"timeout": 120}))
            address = deploy_verifier(w3)
            contract = verifier(w3, address)
            plain, digest, pre, pre_tx = [], [], [], []
            for i in range(KEYS):
                key = sm_crypto.PrivateKey.generate()
                pub = key.public_key
                x, y = pub.xy[:32], pub.xy[32:]
                message = os.urandom(32)
                sig = key.sign_raw(message, id=DEFAULT_ID)
                r, s = sig[:32], sig[32:]
                za = sm_crypto.z_value(pub, DEFAULT_ID)
                e = sm_crypto.message_digest(pub, message, DEFAULT_ID)
                call = contract.functions.verify(x, y, za, message, r, s)
                if call.call() is not True:
                    raise AssertionError("on-chain verifier rejected a valid signature")
                if contract.functions.verify(x, y, za, message + b"!", r, s).call() is not False:
                    raise AssertionError("on-chain verifier accepted a forged message")
                plain.append(call.estimate_gas())
                digest.append(contract.functions.verifyDigest(x, y, e, r, s).estimate_gas())
                if i < 21:  # precomputation creates a contract per key: sample fewer
                    receipt = w3.eth.wait_for_transaction_receipt(
                        contract.functions.precompute(x, y).transact({"from": w3.eth.accounts[0]})
                    )
                    pre_tx.append(receipt["gasUsed"])
                    if call.call() is not True:
                        raise AssertionError("precomputed key: valid signature rejected")
                    pre.append(call.estimate_gas())
            return {
                "sm2_onchain_verify_gas": statistics.median(plain),
                "sm2_onchain_verify_digest_gas": statistics.median(digest),
                "sm2_onchain_verify_precomputed_gas": statistics.median(pre),
                "sm2_onchain_precompute_gas": statistics.median(pre_tx),
                "sm3_onchain_gas_per_64_bytes": _sm3_gas_per_block(w3),
            }
        finally:
            node.stop()


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:<40} {value:,.0f}")
