"""The long differential run: thousands of random keys and messages, OpenSSL vs the contract.

The contract is asked in JSON-RPC batches of raw ``eth_call``s (calldata encoded here, checked
against web3's encoder): web3's ``.call()`` spent ~14 ms of Python per case, 20 times the node's
time for the verification itself."""

from __future__ import annotations

import os
import secrets

import pytest
from eth_abi import encode
from web3.contract import Contract

import sm_crypto

from .corpus import Case, hostile_cases, openssl_accepts, valid_case

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

KEYS = int(os.environ.get("MULU_SLOW_SM2_KEYS", "2000"))
PER_BATCH = 200  # cases per JSON-RPC batch
_TYPES = ["bytes32", "bytes32", "bytes32", "bytes", "bytes32", "bytes32"]


def _args(case: Case) -> list[bytes]:
    _, xy, message, sig, id = case
    za = sm_crypto.z_value(sm_crypto.PublicKey.from_bytes(xy), id)
    return [xy[:32], xy[32:], za, message, sig[:32], sig[32:]]


def _onchain_verdicts(verifier: Contract, cases: list[Case], selector: bytes) -> list[bool]:
    calls = [
        (
            "eth_call",
            [
                {
                    "to": verifier.address,
                    "data": "0x" + (selector + encode(_TYPES, _args(c))).hex(),
                },
                "latest",
            ],
        )
        for c in cases
    ]
    answers = verifier.w3.provider.make_batch_request(calls)  # type: ignore[attr-defined]
    assert isinstance(answers, list) and len(answers) == len(cases), answers
    out = []
    for case, answer in zip(cases, answers, strict=True):
        assert "result" in answer, f"{case[0]}: {answer}"  # verify never reverts
        out.append(int(answer["result"], 16) == 1)
    return out


def test_thousands_of_random_keys_and_a_hostile_variant_each(sm2_verifier: Contract) -> None:
    selector = bytes.fromhex(sm2_verifier.encode_abi("verify", args=_args(valid_case()))[2:10])
    mismatches: list[str] = []
    accepted = 0
    done = 0
    while done < KEYS:
        cases: list[Case] = []
        for _ in range(min(PER_BATCH // 2, KEYS - done)):
            case = valid_case()
            variants = list(hostile_cases(case))
            cases += [case, variants[secrets.randbelow(len(variants))]]
        if done == 0:  # the calldata is web3's, byte for byte
            for c in cases[:4]:
                web3s = sm2_verifier.encode_abi("verify", args=_args(c))
                assert web3s == "0x" + (selector + encode(_TYPES, _args(c))).hex()
        for variant, got in zip(
            cases, _onchain_verdicts(sm2_verifier, cases, selector), strict=True
        ):
            want = openssl_accepts(*variant[1:])
            accepted += got
            if got != want:
                mismatches.append(f"{variant[0]} key={variant[1].hex()} sig={variant[3].hex()}")
        done += len(cases) // 2
    assert mismatches == []
    assert accepted >= KEYS
