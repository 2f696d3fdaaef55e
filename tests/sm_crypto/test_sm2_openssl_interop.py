"""SM2 interop both ways with the real ``openssl`` binary, on fresh keys each run.

Includes the edge cases that break careless implementations: keys whose x begins with byte 0x04
(gmssl strips a leading "04" from x‖y) and signatures whose r or s is shorter than 32 bytes.
Private keys reach openssl only as encrypted PKCS#8, with ``-passin env:``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_openssl

import sm_crypto
from sm_crypto import DEFAULT_ID, InvalidKey, InvalidSignature, PrivateKey, PublicKey

PASSWORD = secrets.token_hex(8)
ENV = {**os.environ, "MULU_TEST_PW": PASSWORD}
MAX_TRIES = 5000  # our own keygen / sign: ~1/256 or ~1/128 per try, so P(fail) < 1e-17
OPENSSL_TRIES = 1500  # one openssl process (~35 ms) per try: P(fail) = (127/128)^1500 < 1e-5


class OpenSSL:
    """``openssl pkeyutl`` with SM3 and an explicit distinguishing ID, in a temp directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.n = 0

    def _file(self, data: bytes) -> str:
        self.n += 1
        path = self.tmp / f"f{self.n}"
        path.write_bytes(data)
        return str(path)

    def sign(self, encrypted_pem: bytes, message: bytes, uid: bytes | None = DEFAULT_ID) -> bytes:
        args = [
            "pkeyutl",
            "-sign",
            "-rawin",
            "-digest",
            "sm3",
            "-inkey",
            self._file(encrypted_pem),
            "-passin",
            "env:MULU_TEST_PW",
            "-in",
            self._file(message),
        ]
        if uid is not None:
            args += ["-pkeyopt", f"hexdistid:{uid.hex()}"]
        return run_openssl(*args, env=ENV).stdout

    def verify(
        self, public: PublicKey, signature: bytes, message: bytes, uid: bytes = DEFAULT_ID
    ) -> bool:
        out = run_openssl(
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pubin",
            "-inkey",
            self._file(public.to_pem()),
            "-in",
            self._file(message),
            "-sigfile",
            self._file(signature),
            "-pkeyopt",
            f"hexdistid:{uid.hex()}",
            check=False,
        )
        ok = out.returncode == 0 and b"Signature Verified Successfully" in out.stdout
        assert ok or b"Signature Verification Failure" in out.stdout, out
        return ok

    def genkey(self) -> bytes:
        return run_openssl(
            "genpkey", "-algorithm", "SM2", "-aes-256-cbc", "-pass", "env:MULU_TEST_PW", env=ENV
        ).stdout

    def pubout(self, encrypted_pem: bytes) -> bytes:
        return run_openssl(
            "pkey",
            "-in",
            self._file(encrypted_pem),
            "-passin",
            "env:MULU_TEST_PW",
            "-pubout",
            env=ENV,
        ).stdout


@pytest.fixture
def openssl(tmp_path: Path) -> OpenSSL:
    return OpenSSL(tmp_path)


def _until(
    make: Callable[[], bytes], wanted: Callable[[bytes], bool], tries: int = MAX_TRIES
) -> bytes:
    for _ in range(tries):
        value = make()
        if wanted(value):
            return value
    raise AssertionError(f"no wanted value in {tries} tries")


def _short(der: bytes) -> bool:
    raw = sm_crypto.signature_to_raw(der)
    return raw[0] == 0 or raw[32] == 0


def test_we_sign_openssl_verifies(openssl: OpenSSL) -> None:
    key = PrivateKey.generate()
    for message, uid in [
        (b"", DEFAULT_ID),
        (os.urandom(10_000), DEFAULT_ID),
        (b"catalog", "北京市经信局".encode()),
    ]:
        sig = key.sign(message, id=uid)
        assert openssl.verify(key.public_key, sig, message, uid)
        assert not openssl.verify(key.public_key, sig, message + b"!", uid)
    # the same signature under another ID fails in openssl too
    assert not openssl.verify(key.public_key, key.sign(b"m", id=b"a"), b"m", b"b")


def test_openssl_signs_we_verify(openssl: OpenSSL) -> None:
    pem = openssl.genkey()
    key = PrivateKey.from_pem(pem, PASSWORD.encode())
    assert PublicKey.from_pem(openssl.pubout(pem)) == key.public_key
    message = os.urandom(333)
    key.public_key.verify(openssl.sign(pem, message), message)
    uid = b"\x00\xffid"
    key.public_key.verify(openssl.sign(pem, message, uid), message, id=uid)
    with pytest.raises(InvalidSignature, match="does not verify"):
        key.public_key.verify(openssl.sign(pem, message, uid), message)


def test_openssl_default_empty_id_is_not_ours(openssl: OpenSSL) -> None:
    """OpenSSL 3.0 without distid signs with an empty ID: such signatures fail under ours."""
    pem = openssl.genkey()
    key = PrivateKey.from_pem(pem, PASSWORD.encode())
    sig = openssl.sign(pem, b"m", uid=None)
    with pytest.raises(InvalidSignature, match="does not verify"):
        key.public_key.verify(sig, b"m")
    key.public_key.verify(sig, b"m", id=b"")


def test_our_encrypted_pem_is_read_by_openssl(openssl: OpenSSL) -> None:
    key = PrivateKey.generate()
    pem = key.to_pem(PASSWORD.encode())
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert openssl.pubout(pem) == key.public_key.to_pem()
    text = run_openssl(
        "pkey", "-in", openssl._file(pem), "-passin", "env:MULU_TEST_PW", "-noout", "-text", env=ENV
    ).stdout
    assert b"ASN1 OID: SM2" in text
    wrong = run_openssl(
        "pkey", "-in", openssl._file(pem), "-passin", "pass:nope", "-noout", check=False
    )
    assert wrong.returncode != 0
    # and openssl signs with it, we verify
    key.public_key.verify(openssl.sign(pem, b"x"), b"x")


def test_key_whose_x_begins_with_04(openssl: OpenSSL) -> None:
    key_pem = _until(
        lambda: PrivateKey.generate().to_pem(b"k"),
        lambda pem: PrivateKey.from_pem(pem, b"k").public_key.xy[0] == 0x04,
    )
    key = PrivateKey.from_pem(key_pem, b"k")
    xy = key.public_key.xy
    assert xy[0] == 0x04 and len(xy) == 64
    assert PublicKey.from_bytes(xy) == key.public_key  # 64 bytes: x‖y, never "04" stripped
    assert PublicKey.from_bytes(b"\x04" + xy) == key.public_key
    sig = key.sign(b"edge")
    assert openssl.verify(PublicKey.from_bytes(xy), sig, b"edge")
    pem = key.to_pem(PASSWORD.encode())
    PublicKey.from_bytes(xy).verify(openssl.sign(pem, b"edge"), b"edge")


def test_short_r_or_s_both_ways(openssl: OpenSSL) -> None:
    key = PrivateKey.generate()
    ours = _until(lambda: key.sign(b"short"), _short)
    raw = sm_crypto.signature_to_raw(ours)
    assert len(ours) <= 71 and len(raw) == 64  # a 31-byte r with its top bit set: 71
    assert openssl.verify(key.public_key, ours, b"short")
    key.public_key.verify(raw, b"short")
    assert openssl.verify(key.public_key, sm_crypto.signature_to_der(raw), b"short")

    pem = key.to_pem(PASSWORD.encode())
    theirs = _until(lambda: openssl.sign(pem, b"short"), _short, OPENSSL_TRIES)
    key.public_key.verify(theirs, b"short")
    key.public_key.verify(sm_crypto.signature_to_raw(theirs), b"short")


def test_non_sm2_and_unencrypted_keys_refused(openssl: OpenSSL) -> None:
    p256 = run_openssl(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes-256-cbc",
        "-pass",
        "env:MULU_TEST_PW",
        env=ENV,
    ).stdout
    with pytest.raises(InvalidKey, match="not an SM2 key"):
        PrivateKey.from_pem(p256, PASSWORD.encode())
    plain = run_openssl("genpkey", "-algorithm", "SM2").stdout  # stays in memory
    assert plain.startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(InvalidKey, match="no PEM block 'ENCRYPTED PRIVATE KEY' found"):
        PrivateKey.from_pem(plain, b"")
    p256_pub = run_openssl(
        "pkey", "-in", openssl._file(p256), "-passin", "env:MULU_TEST_PW", "-pubout", env=ENV
    ).stdout
    with pytest.raises(InvalidKey, match="not an SM2 SubjectPublicKeyInfo"):
        PublicKey.from_pem(p256_pub)
