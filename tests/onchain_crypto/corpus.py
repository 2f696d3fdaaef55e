"""Signatures to throw at both verifiers: valid ones, and a hostile corpus derived from them.

Each case is (label, x‖y key, message, raw r‖s, signer ID). The expected verdict is always
computed by ``sm_crypto`` (OpenSSL), never written down by hand.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import sm_crypto
from sm_crypto.curve import N, P

DEFAULT_ID = b"1234567812345678"

Case = tuple[str, bytes, bytes, bytes, bytes]


def i2b(value: int) -> bytes:
    return (value % 2**256).to_bytes(32, "big")


def openssl_accepts(xy: bytes, message: bytes, signature: bytes, id: bytes) -> bool:
    """sm_crypto's verdict; a key it refuses is a rejection."""
    try:
        key = sm_crypto.PublicKey.from_bytes(xy)
    except sm_crypto.InvalidKey:
        return False
    try:
        key.verify(signature, message, id=id)
    except sm_crypto.InvalidSignature:
        return False
    return True


def random_message() -> bytes:
    return os.urandom(secrets.choice([0, 1, 31, 32, 55, 56, 64, 100, secrets.randbelow(300)]))


def random_id() -> bytes:
    return secrets.choice([DEFAULT_ID, DEFAULT_ID, b"", b"ALICE123@YAHOO.COM", os.urandom(40)])


def valid_case(key: sm_crypto.PrivateKey | None = None) -> Case:
    key = key or sm_crypto.PrivateKey.generate()
    message, id = random_message(), random_id()
    return "valid", key.public_key.xy, message, key.sign_raw(message, id=id), id


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def hostile_cases(case: Case) -> Iterator[Case]:
    """Tampered variants of a valid case (key changes keep the key on the curve)."""
    _, xy, message, sig, id = case
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    for label, rr, ss in [
        ("r=0", 0, s),
        ("s=0", r, 0),
        ("r=n", N, s),
        ("s=n", r, N),
        ("r=n+r", r + N, s),
        ("s=n+s", r, s + N),
        ("r=2^256-1", 2**256 - 1, s),
        ("s=2^256-1", r, 2**256 - 1),
        ("r=n-1", N - 1, s),
        ("s=n-1", r, N - 1),
        ("r=1", 1, s),
        ("s=1", r, 1),
        ("swapped", s, r),
        ("r+s=n", r, N - r),
        ("-s", r, N - s),
        ("r=p", P, s),
    ]:
        if rr < 2**256 and ss < 2**256:
            yield label, xy, message, i2b(rr) + i2b(ss), id
    for bit in (0, 7, 255, 256, 300, 511, secrets.randbelow(512)):
        yield f"sig bit {bit}", xy, message, flip(sig, bit), id
    if message:
        yield "message bit", xy, flip(message, secrets.randbelow(8 * len(message))), sig, id
    yield "message extended", xy, message + b"\x00", sig, id
    yield "other id", xy, message, sig, id + b"x"
    other = sm_crypto.PrivateKey.generate().public_key.xy
    yield "other key", other, message, sig, id
    yield "negated key", xy[:32] + i2b(P - int.from_bytes(xy[32:], "big")), message, sig, id
