"""Behaviour of the public SM2 API, run on every backend (OpenSSL and the naive reference)."""

from __future__ import annotations

import pytest
import sm2_reference as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sm_crypto
from mulu.errors import InvalidInput, MuluError, RuleViolation
from sm_crypto import (
    DEFAULT_ID,
    InvalidKey,
    InvalidSignature,
    MalformedSignature,
    MalformedSignatureError,
    PrivateKey,
    PublicKey,
)


def test_public_names() -> None:
    exported = {name for name in dir(sm_crypto) if not name.startswith("_")}
    modules = {"curve"}
    assert set(sm_crypto.__all__) == exported - modules
    assert DEFAULT_ID == b"1234567812345678"


def test_error_tree() -> None:
    assert issubclass(sm_crypto.SMCryptoError, MuluError)
    assert issubclass(InvalidSignature, RuleViolation) and InvalidSignature.exit_code == 1
    assert issubclass(InvalidKey, InvalidInput) and InvalidKey.exit_code == 2
    assert issubclass(MalformedSignature, InvalidInput) and MalformedSignature.exit_code == 2
    assert issubclass(MalformedSignatureError, InvalidSignature)
    assert issubclass(MalformedSignatureError, MalformedSignature)
    assert MalformedSignatureError.exit_code == 2


def test_sign_verify_round_trip(backend: sm_crypto.Backend) -> None:
    key = PrivateKey.generate()
    der = key.sign(b"catalog v1")
    raw = key.sign_raw(b"catalog v1")
    assert der[0] == 0x30 and 8 <= len(der) <= 72
    assert len(raw) == 64
    key.public_key.verify(der, b"catalog v1")
    key.public_key.verify(raw, b"catalog v1")
    assert key.sign(b"catalog v1") != der  # randomised nonces
    with pytest.raises(InvalidSignature, match="does not verify") as info:
        key.public_key.verify(der, b"catalog v2")
    assert not isinstance(info.value, MalformedSignature)


def test_signer_id_is_bound(backend: sm_crypto.Backend) -> None:
    key = PrivateKey.generate()
    sig = key.sign(b"m", id=b"alice@bjgov")
    key.public_key.verify(sig, b"m", id=b"alice@bjgov")
    for other in (DEFAULT_ID, b"", b"alice@bjgoV"):
        with pytest.raises(InvalidSignature, match="does not verify"):
            key.public_key.verify(sig, b"m", id=other)
    empty = key.sign(b"m", id=b"")
    key.public_key.verify(empty, b"m", id=b"")
    with pytest.raises(InvalidSignature, match="does not verify"):
        key.public_key.verify(empty, b"m")


def test_id_too_long(backend: sm_crypto.Backend) -> None:
    key = PrivateKey.generate()
    key.sign(b"m", id=b"i" * sm_crypto.MAX_ID_SIZE)
    with pytest.raises(
        sm_crypto.SMCryptoError, match="signer ID too long: got 8191 bytes, want at most 8190"
    ):
        key.sign(b"m", id=b"i" * 8191)
    sig = key.sign(b"m")
    with pytest.raises(MalformedSignatureError, match="signer ID too long"):
        key.public_key.verify(sig, b"m", id=b"i" * 8191)


def test_public_key_encodings(backend: sm_crypto.Backend) -> None:
    pub = PrivateKey.generate().public_key
    assert len(pub.to_bytes()) == 65 and pub.to_bytes()[0] == 4
    assert pub.xy == pub.to_bytes()[1:] and len(pub.xy) == 64
    assert PublicKey.from_bytes(pub.xy) == pub
    assert PublicKey.from_bytes(pub.to_bytes()) == pub
    assert PublicKey.from_pem(pub.to_pem()) == pub
    assert pub.to_pem().startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert hash(PublicKey.from_bytes(pub.xy)) == hash(pub)
    assert ref.on_curve((pub.x, pub.y))


def test_known_scalar_gives_reference_point(backend: sm_crypto.Backend) -> None:
    d = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
    key = PrivateKey.unsafe_from_scalar(d.to_bytes(32, "big"))
    x, y = ref.public(d)
    assert key.public_key.xy == x.to_bytes(32, "big") + y.to_bytes(32, "big")
    for bad in (0, sm_crypto.N - 1, sm_crypto.N):
        with pytest.raises(InvalidKey, match="private scalar out of range"):
            PrivateKey.unsafe_from_scalar(bad)
    with pytest.raises(InvalidKey, match="must be 32 bytes, got 31"):
        PrivateKey.unsafe_from_scalar(b"\x01" * 31)


def test_private_scalar_never_shown(backend: sm_crypto.Backend) -> None:
    d = 0x1F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A7988
    key = PrivateKey.unsafe_from_scalar(d)
    for text in (repr(key), str(key), f"{key}"):
        assert f"{d:x}" not in text.lower()
        assert text.startswith("PrivateKey(public=04")
    import pickle

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)


def test_z_value_matches_reference() -> None:
    key = PrivateKey.generate()
    pub = key.public_key
    for uid in (DEFAULT_ID, b"", b"\x00" * 100):
        assert sm_crypto.z_value(pub, uid) == ref.z(pub.x, pub.y, uid)
    assert sm_crypto.z_value(pub) == ref.z(pub.x, pub.y, DEFAULT_ID)
    e = sm_crypto.message_digest(pub, b"msg")
    assert int.from_bytes(e, "big") == ref.e(pub.x, pub.y, b"msg", DEFAULT_ID)


def test_signature_conversions() -> None:
    key = PrivateKey.generate()
    der = key.sign(b"x")
    raw = sm_crypto.signature_to_raw(der)
    assert sm_crypto.signature_to_der(raw) == der
    key.public_key.verify(raw, b"x")
    with pytest.raises(MalformedSignature, match="raw signature must be 64 bytes, got 63"):
        sm_crypto.signature_to_der(raw[:63])
    with pytest.raises(MalformedSignature, match="trailing bytes|length mismatch"):
        sm_crypto.signature_to_raw(der + b"\x00")


def test_type_errors_surface_as_invalid_signature() -> None:
    pub = PrivateKey.generate().public_key
    with pytest.raises(MalformedSignatureError, match="signature must be bytes, got str"):
        pub.verify("3044", b"m")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="message must be bytes"):
        PrivateKey.generate().sign("text")  # type: ignore[arg-type]


def test_bytearray_and_memoryview_accepted() -> None:
    key = PrivateKey.generate()
    sig = key.sign(bytearray(b"abc"))
    key.public_key.verify(memoryview(sig), memoryview(b"abc"))
    assert PublicKey.from_bytes(bytearray(key.public_key.xy)) == key.public_key


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=st.binary(max_size=2000), uid=st.binary(max_size=40))
def test_openssl_signatures_verify_under_reference(message: bytes, uid: bytes) -> None:
    key = PrivateKey.generate()
    r, s = sm_crypto._encoding.der_to_rs(key.sign(message, id=uid))
    pub = key.public_key
    assert ref.verify(pub.x, pub.y, message, uid, r, s)
    assert not ref.verify(pub.x, pub.y, message + b"\x00", uid, r, s)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    d=st.integers(min_value=1, max_value=sm_crypto.N - 2),
    message=st.binary(max_size=500),
    uid=st.binary(max_size=40),
)
def test_reference_signatures_verify_under_openssl(d: int, message: bytes, uid: bytes) -> None:
    key = PrivateKey.unsafe_from_scalar(d)
    r, s = ref.sign(d, message, uid)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    key.public_key.verify(raw, message, id=uid)
    key.public_key.verify(sm_crypto.signature_to_der(raw), message, id=uid)
    with pytest.raises(InvalidSignature, match="does not verify"):
        key.public_key.verify(raw, message, id=uid + b"!")
