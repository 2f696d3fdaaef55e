"""The long differential run: thousands of random keys and messages, OpenSSL vs the contract."""

from __future__ import annotations

import os
import secrets

import pytest
from web3.contract import Contract

from .corpus import hostile_cases, openssl_accepts, valid_case
from .test_sm2_onchain import onchain_accepts

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

KEYS = int(os.environ.get("MULU_SLOW_SM2_KEYS", "2000"))


def test_thousands_of_random_keys_and_a_hostile_variant_each(sm2_verifier: Contract) -> None:
    mismatches: list[str] = []
    accepted = 0
    for _ in range(KEYS):
        case = valid_case()
        variants = list(hostile_cases(case))
        for variant in (case, variants[secrets.randbelow(len(variants))]):
            got, want = onchain_accepts(sm2_verifier, variant), openssl_accepts(*variant[1:])
            accepted += got
            if got != want:
                mismatches.append(f"{variant[0]} key={variant[1].hex()} sig={variant[3].hex()}")
    assert mismatches == []
    assert accepted >= KEYS
