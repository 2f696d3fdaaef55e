"""The OpenSSL backend itself: threads, the error queue, key handling, the backend seam."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import threading

import pytest
import sm2_reference as ref

import sm_crypto
from sm_crypto import InvalidKey, InvalidSignature, PrivateKey, PublicKey
from sm_crypto._openssl import OpenSSLBackend, load_libcrypto


def test_threads_share_keys_safely() -> None:
    keys = [PrivateKey.generate() for _ in range(3)]
    errors: list[BaseException] = []
    signatures: list[tuple[int, bytes, bytes, bytes]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(40):
                key = keys[(n + i) % len(keys)]
                uid = b"id-%d" % (i % 3)
                message = os.urandom(32)
                sig = key.sign(message, id=uid)
                key.public_key.verify(sig, message, id=uid)
                with pytest.raises(InvalidSignature):
                    key.public_key.verify(sig, message + b"x", id=uid)
                with lock:
                    signatures.append(((n + i) % len(keys), message, uid, sig))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(signatures) == 160
    for k, message, uid, sig in signatures[::16]:  # a sample, through the naive reference
        pub = keys[k].public_key
        r, s = sm_crypto._encoding.der_to_rs(sig)
        assert ref.verify(pub.x, pub.y, message, uid, r, s)


def test_failures_leave_the_error_queue_empty() -> None:
    lib = load_libcrypto()
    lib.ERR_peek_error.restype = ctypes.c_ulong
    key = PrivateKey.generate()
    sig = key.sign(b"m")
    with pytest.raises(InvalidSignature):
        key.public_key.verify(sig, b"other")
    assert lib.ERR_peek_error() == 0
    with pytest.raises(InvalidKey, match="wrong password") as info:
        PrivateKey.from_pem(key.to_pem(b"right"), b"wrong")
    assert "bad decrypt" in str(info.value)  # the drained queue, in the message
    assert lib.ERR_peek_error() == 0
    key.public_key.verify(key.sign(b"m"), b"m")  # and the next operation works


def test_pem_round_trip_and_refusals() -> None:
    key = PrivateKey.generate()
    pem = key.to_pem("密码".encode())
    assert PrivateKey.from_pem(pem, "密码".encode()).public_key == key.public_key
    binary_pw = bytes(range(256))
    assert PrivateKey.from_pem(key.to_pem(binary_pw), binary_pw).public_key == key.public_key
    with pytest.raises(InvalidKey, match="refusing to write a private key with an empty password"):
        key.to_pem(b"")
    with pytest.raises(InvalidKey, match="no PEM block 'ENCRYPTED PRIVATE KEY' found"):
        PrivateKey.from_pem(key.public_key.to_pem(), b"x")
    corrupt = pem.replace(pem.splitlines()[3], b"A" * len(pem.splitlines()[3]))
    with pytest.raises(InvalidKey, match="cannot decrypt the private key"):
        PrivateKey.from_pem(corrupt, "密码".encode())


def test_public_key_from_spki_rejects_off_curve() -> None:
    pub = PrivateKey.generate().public_key
    der = bytearray(pub.to_der())
    der[-1] ^= 1
    with pytest.raises(InvalidKey, match="not on the SM2 curve"):
        PublicKey.from_der(bytes(der))


class CountingBackend(OpenSSLBackend):
    """The seam accepts any Backend; this one counts what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.verifies = 0

    def verify(self, key: object, der: bytes, message: bytes, id: bytes) -> bool:
        self.verifies += 1
        return super().verify(key, der, message, id)


def test_backend_seam_and_prechecks() -> None:
    counting = CountingBackend()
    assert isinstance(counting, sm_crypto.Backend)
    sm_crypto.set_backend(counting)
    try:
        key = PrivateKey.generate()
        assert sm_crypto.get_backend() is counting
        key.public_key.verify(key.sign(b"m"), b"m")
        assert counting.verifies == 1
        # out-of-range r never reaches the backend: checked before any arithmetic
        raw = bytes(32) + sm_crypto.signature_to_raw(key.sign(b"m"))[32:]
        with pytest.raises(sm_crypto.MalformedSignatureError, match="r out of range"):
            key.public_key.verify(raw, b"m")
        assert counting.verifies == 1
    finally:
        sm_crypto.set_backend(None)
    assert isinstance(sm_crypto.get_backend(), OpenSSLBackend)


def test_clear_message_without_libcrypto() -> None:
    code = (
        "import sm_crypto\n"
        "try:\n"
        "    sm_crypto.PrivateKey.generate()\n"
        "except sm_crypto.BackendUnavailable as e:\n"
        "    print('BackendUnavailable', e)\n"
        "print(sm_crypto.sm3(b'abc').hex()[:8])\n"  # SM3 still works
    )
    env = {**os.environ, "MULU_LIBCRYPTO": "/nonexistent/libcrypto.so.3"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    first, second = out.stdout.splitlines()
    assert first.startswith(
        "BackendUnavailable cannot load libcrypto from '/nonexistent/libcrypto.so.3': "
    )
    assert second == "66c7f0f4"


class BrokenBackend(OpenSSLBackend):
    def verify(self, key: object, der: bytes, message: bytes, id: bytes) -> bool:
        raise RuntimeError("device unplugged")


def test_any_backend_failure_is_an_invalid_signature() -> None:
    sm_crypto.set_backend(BrokenBackend())
    try:
        key = PrivateKey.generate()
        with pytest.raises(
            InvalidSignature, match="rejected by the backend: RuntimeError: device unplugged"
        ) as info:
            key.public_key.verify(key.sign(b"m"), b"m")
        assert isinstance(info.value.__cause__, RuntimeError)
    finally:
        sm_crypto.set_backend(None)
