"""Static SM2 vectors under tests/vectors/sm2/: the GB/T 32918.5 example and hostile inputs."""

from __future__ import annotations

import pytest
import sm2_reference as ref
from conftest import VECTORS, load_vectors
from gen_sm2_vectors import files

import sm_crypto
from sm_crypto import InvalidKey, InvalidSignature, MalformedSignatureError, PrivateKey, PublicKey

KAT = load_vectors("kat_gbt32918_5.json")
SIGS = load_vectors("hostile_signatures.json")
KEYS = load_vectors("hostile_public_keys.json")
OTHER = load_vectors("wrong_message_or_id.json")


def test_vector_files_match_their_generator() -> None:
    for name, text in files().items():
        assert (VECTORS / name).read_text(encoding="utf-8") == text, name


def test_kat_reference_reproduces_the_standard() -> None:
    d, k = int(KAT["private_key"], 16), int(KAT["k"], 16)
    pub = bytes.fromhex(KAT["public_key"])
    assert ref.public(d) == (int.from_bytes(pub[1:33], "big"), int.from_bytes(pub[33:], "big"))
    r, s = ref.sign(d, bytes.fromhex(KAT["message"]), bytes.fromhex(KAT["id"]), k)
    assert (r, s) == (int(KAT["r"], 16), int(KAT["s"], 16))


def test_kat_verifies_and_key_matches(backend: sm_crypto.Backend) -> None:
    key = PrivateKey.unsafe_from_scalar(bytes.fromhex(KAT["private_key"]))
    assert key.public_key.to_bytes().hex() == KAT["public_key"]
    raw = bytes.fromhex(KAT["r"] + KAT["s"])
    key.public_key.verify(raw, bytes.fromhex(KAT["message"]), id=bytes.fromhex(KAT["id"]))
    # and OpenSSL's own signatures with this key verify under the reference
    mine = key.sign(bytes.fromhex(KAT["message"]))
    r, s = sm_crypto._encoding.der_to_rs(mine)
    assert ref.verify(
        key.public_key.x,
        key.public_key.y,
        bytes.fromhex(KAT["message"]),
        sm_crypto.DEFAULT_ID,
        r,
        s,
    )


@pytest.mark.parametrize("vector", SIGS["vectors"], ids=lambda v: v["comment"])
def test_hostile_signature(backend: sm_crypto.Backend, vector: dict[str, str]) -> None:
    pub = PublicKey.from_bytes(bytes.fromhex(SIGS["public_key"]))
    sig, message = bytes.fromhex(vector["signature"]), bytes.fromhex(SIGS["message"])
    uid = bytes.fromhex(SIGS["id"])
    if vector["expect"] == "valid":
        pub.verify(sig, message, id=uid)
    elif vector["expect"] == "malformed":
        with pytest.raises(MalformedSignatureError, match="^signature rejected: "):
            pub.verify(sig, message, id=uid)
    else:
        assert vector["expect"] == "invalid"
        with pytest.raises(InvalidSignature, match="does not verify") as info:
            pub.verify(sig, message, id=uid)
        assert type(info.value) is InvalidSignature


@pytest.mark.parametrize("vector", KEYS["vectors"], ids=lambda v: v["comment"])
def test_hostile_public_key(vector: dict[str, str]) -> None:
    data = bytes.fromhex(vector["public_key"])
    sig, message = bytes.fromhex(KEYS["signature_raw"]), bytes.fromhex(KEYS["message"])
    if vector["expect"] == "invalid_key":
        with pytest.raises(InvalidKey, match="public key"):
            PublicKey.from_bytes(data)
        return
    pub = PublicKey.from_bytes(data)
    if vector["expect"] == "valid":
        pub.verify(sig, message)
    else:
        with pytest.raises(InvalidSignature, match="does not verify"):
            pub.verify(sig, message)


@pytest.mark.parametrize("vector", OTHER["vectors"], ids=lambda v: v["comment"])
def test_wrong_message_or_id(backend: sm_crypto.Backend, vector: dict[str, str]) -> None:
    pub = PublicKey.from_bytes(bytes.fromhex(OTHER["public_key"]))
    sig = bytes.fromhex(OTHER["signature_raw"])
    pub.verify(sig, bytes.fromhex(OTHER["message"]), id=bytes.fromhex(OTHER["id"]))
    with pytest.raises(InvalidSignature, match="does not verify"):
        pub.verify(sig, bytes.fromhex(vector["message"]), id=bytes.fromhex(vector["id"]))


def test_every_single_bit_flip_is_rejected() -> None:
    """All 512 flips of the raw form and 568+ of the DER form: none verifies, none crashes."""
    pub = PublicKey.from_bytes(bytes.fromhex(SIGS["public_key"]))
    message = bytes.fromhex(SIGS["message"])
    raw = bytes.fromhex(KAT["r"] + KAT["s"])
    der = sm_crypto.signature_to_der(raw)
    for good in (raw, der):
        pub.verify(good, message)
        for i in range(len(good) * 8):
            bad = bytearray(good)
            bad[i // 8] ^= 1 << (i % 8)
            with pytest.raises(InvalidSignature):
                pub.verify(bytes(bad), message)


def test_every_single_bit_flip_of_the_key_is_rejected() -> None:
    sig, message = bytes.fromhex(KEYS["signature_raw"]), bytes.fromhex(KEYS["message"])
    good = bytes.fromhex(KAT["public_key"])
    for i in range(len(good) * 8):
        bad = bytearray(good)
        bad[i // 8] ^= 1 << (i % 8)
        try:
            pub = PublicKey.from_bytes(bytes(bad))
        except InvalidKey:
            continue  # almost always: off the curve or a bad prefix
        with pytest.raises(InvalidSignature):  # pragma: no cover - a flip landing on the curve
            pub.verify(sig, message)
