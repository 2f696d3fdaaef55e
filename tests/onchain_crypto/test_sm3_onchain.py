"""The Solidity SM3 library (through ``SM3Hasher``) against GB/T 32905 and OpenSSL's SM3."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

import pytest
from web3.contract import Contract

pytestmark = pytest.mark.anvil

VECTORS = json.loads((Path(__file__).parent / "vectors" / "sm3_gbt32905.json").read_text())


def _openssl_sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=["abc", "abcd*16"])
def test_gbt32905_examples(sm3_hasher: Contract, vector: dict[str, str]) -> None:
    message = bytes.fromhex(vector["message_hex"])
    assert sm3_hasher.functions.sm3(message).call().hex() == vector["digest_hex"]


def test_every_length_0_to_300(sm3_hasher: Contract) -> None:
    """Every length 0..300 (block boundaries 55/56/63/64/119/120/128 included), random content."""
    wrong = []
    for length in range(301):
        data = os.urandom(length)
        got = sm3_hasher.functions.sm3(data).call()
        if got != _openssl_sm3(data):
            wrong.append(length)
    assert wrong == []


@pytest.mark.parametrize("fill", [b"\x00", b"\xff", b"\x80"])
def test_boundary_lengths_with_extreme_bytes(sm3_hasher: Contract, fill: bytes) -> None:
    """All-zero, all-one and padding-like bytes around the padding boundaries."""
    for length in (0, 1, 31, 32, 33, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129):
        data = fill * length
        assert sm3_hasher.functions.sm3(data).call() == _openssl_sm3(data), length


def test_random_lengths_up_to_10kb(sm3_hasher: Contract) -> None:
    lengths = [10_240, 10_239, 4096 + 55, 4096 + 56] + [
        secrets.randbelow(10_241) for _ in range(12)
    ]
    for length in lengths:
        data = os.urandom(length)
        assert sm3_hasher.functions.sm3(data).call() == _openssl_sm3(data), length


def test_one_flipped_bit_changes_the_digest(sm3_hasher: Contract) -> None:
    """Guards against a harness that ignores its input."""
    data = bytearray(os.urandom(100))
    before = sm3_hasher.functions.sm3(bytes(data)).call()
    data[secrets.randbelow(100)] ^= 1 << secrets.randbelow(8)
    after = sm3_hasher.functions.sm3(bytes(data)).call()
    assert before != after
    assert after == _openssl_sm3(bytes(data))
