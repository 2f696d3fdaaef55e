"""One verification on the in-process py-evm chain (eth-tester): the verifier does not depend
on anvil. py-evm needs ~2 s per verification, so the differential runs stay on anvil."""

from __future__ import annotations

from web3 import EthereumTesterProvider, Web3

import sm_crypto

from .conftest import deploy


def test_verify_on_eth_tester() -> None:
    w3 = Web3(EthereumTesterProvider())
    verifier = deploy(w3, "SM2Verifier")
    key = sm_crypto.PrivateKey.generate()
    xy, sig = key.public_key.xy, key.sign_raw(b"eth-tester")
    za = verifier.functions.computeZ(xy[:32], xy[32:], b"1234567812345678").call()
    assert za == sm_crypto.z_value(key.public_key)
    call = verifier.functions.verify
    assert (
        call(xy[:32], xy[32:], za, b"eth-tester", sig[:32], sig[32:]).call({"gas": 10**7}) is True
    )
    assert (
        call(xy[:32], xy[32:], za, b"eth-tester", sig[32:], sig[:32]).call({"gas": 10**7}) is False
    )
