"""SM3: GB/T 32905 vectors, incremental hashing, the ``cryptography`` fallback, and openssl."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import NO_HASHLIB_SM3, run_openssl
from hypothesis import given
from hypothesis import strategies as st

import sm_crypto
from sm_crypto import _sm3

# GB/T 32905-2016 appendix A: "abc" and "abcd" × 16; the empty string is widely published.
VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    (b"", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
]


@pytest.mark.parametrize(("message", "digest"), VECTORS)
def test_gbt32905_vectors(message: bytes, digest: str) -> None:
    assert sm_crypto.sm3(message).hex() == digest
    assert sm_crypto.new(message).hexdigest() == digest
    assert _sm3._CryptographySM3(message).hexdigest() == digest


def test_digest_size_and_names() -> None:
    h = sm_crypto.new()
    assert sm_crypto.DIGEST_SIZE == h.digest_size == 32
    assert h.block_size == 64
    assert h.name == "sm3"


@given(st.lists(st.binary(max_size=300), max_size=8))
def test_incremental_equals_one_shot(chunks: list[bytes]) -> None:
    for h in (sm_crypto.new(), _sm3._CryptographySM3()):
        for chunk in chunks:
            h.update(chunk)
        copy = h.copy()
        assert h.digest() == sm_crypto.sm3(b"".join(chunks))
        assert h.digest() == h.digest()  # digest() does not finalise
        copy.update(b"x")
        assert copy.digest() == sm_crypto.sm3(b"".join(chunks) + b"x")


def test_matches_openssl_dgst() -> None:
    data = os.urandom(100_003)
    out = run_openssl("dgst", "-sm3", "-r", input=data).stdout.decode()
    assert out.split()[0] == sm_crypto.sm3(data).hex()


def test_clear_error_when_no_sm3_anywhere() -> None:
    # A child process where hashlib lacks "sm3" and cryptography cannot be imported.
    code = (
        "import sys, hashlib\n"
        "real = hashlib.new\n"
        "def fake(name, *a, **k):\n"
        "    if name.lower() == 'sm3': raise ValueError('unsupported hash type ' + name)\n"
        "    return real(name, *a, **k)\n"
        "hashlib.new = fake\n"
        "sys.modules['cryptography'] = None\n"
        "try:\n"
        "    import sm_crypto\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("BackendUnavailable SM3 is unavailable"), out
    assert "cryptography" in out.stdout


def test_fallback_used_without_hashlib_sm3() -> None:
    code = NO_HASHLIB_SM3 + (
        "import sm_crypto, sm_crypto._sm3 as m\n"
        "h = sm_crypto.new(b'ab'); h.update(b'c')\n"
        "print(m.SM3_SOURCE, sm_crypto.sm3(b'abc').hex(), h.hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["cryptography", VECTORS[0][1], VECTORS[0][1]]
