"""``chain_client.sm2_onchain``: the eth_call helper the CLI's ``--on-chain`` uses."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.contract import Contract

import sm_crypto
from chain_client import errors
from chain_client.sm2_onchain import verify_onchain

pytestmark = pytest.mark.anvil


def test_valid_invalid_and_gas(w3: Web3, sm2_verifier: Contract) -> None:
    key = sm_crypto.PrivateKey.generate()
    sig = key.sign_raw(b"hello", id=b"ALICE")
    ok = verify_onchain(
        w3, sm2_verifier.address, key.public_key.to_bytes(), b"hello", sig, b"ALICE"
    )
    assert ok.valid is True
    assert 100_000 < ok.gas_used < 1_000_000
    assert verify_onchain(w3, sm2_verifier.address, key.public_key.xy, b"hello", sig).valid is False
    assert (
        verify_onchain(w3, sm2_verifier.address, key.public_key.xy, b"hellO", sig, b"ALICE").valid
        is False
    )


def test_bad_inputs_raise_typed_errors(w3: Web3, sm2_verifier: Contract) -> None:
    key = sm_crypto.PrivateKey.generate()
    sig = key.sign_raw(b"m")
    xy = bytearray(key.public_key.xy)
    xy[-1] ^= 1
    with pytest.raises(errors.ContractError, match="SM2InvalidPublicKey") as info:
        verify_onchain(w3, sm2_verifier.address, bytes(xy), b"m", sig)
    assert type(info.value).__name__ == "SM2InvalidPublicKey"
    with pytest.raises(ValueError, match="signature must be 64 bytes, got 63"):
        verify_onchain(w3, sm2_verifier.address, key.public_key.xy, b"m", sig[:63])
    with pytest.raises(errors.ContractError, match="SM2IdTooLong"):
        verify_onchain(w3, sm2_verifier.address, key.public_key.xy, b"m", sig, b"i" * 8192)
