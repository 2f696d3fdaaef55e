"""The 确权 message: exact layout, binding of every field, offline signing, JSON round trip."""

from __future__ import annotations

import pytest
from eth_utils import keccak

import sm_crypto
from chain_client.ownership import (
    DOMAIN_TAG,
    MESSAGE_SIZE,
    OwnershipConfirmation,
    ownership_message,
    sign_ownership,
)
from mulu.errors import InvalidInput

CONTRACT = "0x" + "ab" * 20
BASE = dict(
    chain_id=31337,
    contract=CONTRACT,
    code="BJ-2026-0007",
    version=3,
    digest=bytes(range(32)),
    merkle_root=bytes(range(32, 64)),
    resource_count=50,
    indices=[0, 1, 7],
)


def test_layout_is_exactly_as_documented() -> None:
    m = ownership_message(**BASE)
    assert len(m) == MESSAGE_SIZE == 206
    assert m[:17] == DOMAIN_TAG == b"mulu.ownership.v1"
    assert int.from_bytes(m[17:49], "big") == 31337
    assert m[49:69] == bytes.fromhex("ab" * 20)
    assert m[69:101] == b"BJ-2026-0007".ljust(32, b"\0")
    assert m[101] == 1  # ACCEPTANCE
    assert int.from_bytes(m[102:106], "big") == 3
    assert m[106:138] == BASE["digest"] and m[138:170] == BASE["merkle_root"]
    assert int.from_bytes(m[170:174], "big") == 50
    assert m[174:206] == keccak(b"\0\0\0\0" + b"\0\0\0\1" + b"\0\0\0\7")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("chain_id", 1),
        ("contract", "0x" + "cd" * 20),
        ("code", "BJ-2026-0008"),
        ("version", 4),
        ("digest", bytes(32)),
        ("merkle_root", bytes(32)),
        ("resource_count", 51),
        ("indices", [0, 1]),
        ("indices", [1, 0, 7]),
    ],
)
def test_every_field_is_bound(field: str, value: object) -> None:
    assert ownership_message(**(BASE | {field: value})) != ownership_message(**BASE)


def test_signed_offline_verifies_and_rejects_replay() -> None:
    key = sm_crypto.PrivateKey.generate()
    conf = sign_ownership(key, **BASE, resource_codes=["a", "b", "c"])
    conf.verify()
    conf.verify(key.public_key.xy)
    other = sm_crypto.PrivateKey.generate().public_key.xy
    with pytest.raises(sm_crypto.InvalidSignature):
        conf.verify(other)  # the wrong key
    for field, value in (
        ("version", 4),
        ("code", "BJ-2026-0009"),
        ("chain_id", 5),
        ("contract", "0x" + "11" * 20),
    ):
        moved = OwnershipConfirmation(**{**conf.__dict__, field: value})
        with pytest.raises(sm_crypto.InvalidSignature):
            moved.verify()


def test_json_round_trip_and_tamper_detection() -> None:
    key = sm_crypto.PrivateKey.generate()
    conf = sign_ownership(key, **BASE, resource_codes=["a", "b", "c"])
    again = OwnershipConfirmation.loads(conf.dumps())
    assert again == conf
    data = conf.to_json()
    data["version"] = 9  # fields no longer match the recorded message
    with pytest.raises(InvalidInput, match="message field"):
        OwnershipConfirmation.from_json(data)
    for bad in ("not json", "{}", '{"schema": "mulu.ownership-confirmation/v1"}'):
        with pytest.raises(InvalidInput):
            OwnershipConfirmation.loads(bad)


def test_bad_input_refused() -> None:
    with pytest.raises(InvalidInput):
        ownership_message(**(BASE | {"digest": b"short"}))
    with pytest.raises(InvalidInput):
        ownership_message(**(BASE | {"indices": [2**32]}))
    with pytest.raises(InvalidInput):
        ownership_message(**(BASE | {"code": "bad code"}))
    with pytest.raises(InvalidInput):
        sign_ownership(
            sm_crypto.PrivateKey.generate(), **(BASE | {"indices": []}), resource_codes=[]
        )
