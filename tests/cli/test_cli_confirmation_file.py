"""``mulu step submit FILE`` with a malformed confirmation file: refused as bad input (exit 2,
the field named, no traceback) before anything is sent. These used to escape as tracebacks
(``"message": "zz"`` or ``5``; ``"chain_id": -1`` or ``2**300``) or be accepted (``"version":
true`` or ``1.9``, ``"resource_codes": "x"`` or ``[]``, no ``"message"``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sm_crypto
from chain_client.ownership import OwnershipConfirmation, sign_ownership
from mulu.errors import InvalidInput
from tests.clirun import mulu

BASE: dict[str, Any] = dict(
    chain_id=31337,
    contract="0x" + "ab" * 20,
    code="BJ-2026-0007",
    version=3,
    digest=bytes(range(32)),
    merkle_root=bytes(range(32, 64)),
    resource_count=50,
    indices=[0, 1, 7],
)


def _valid() -> dict[str, Any]:
    conf = sign_ownership(
        sm_crypto.PrivateKey.generate(), **BASE, resource_codes=["a/1", "b/2", "c/3"]
    )
    return conf.to_json()


class _Drop:
    def __repr__(self) -> str:
        return "<dropped>"


DROP = _Drop()
CASES: list[tuple[str, Any, str]] = [
    ("message", "zz", "message: not hex"),
    ("message", 5, "message: want str, got int"),
    ("message", DROP, "message: missing"),
    ("message", "00" * 206, "message field does not match"),
    ("chain_id", -1, "chain_id: want 1"),
    ("chain_id", 2**300, "chain_id: want 1"),
    ("chain_id", "31337", "chain_id: want int, got str"),
    ("version", True, "version: want int, got bool"),
    ("version", 1.9, "version: want int, got float"),
    ("version", 0, "version: want 1"),
    ("resource_count", 2**32, "resource_count: want 1"),
    ("resource_codes", "x", "resource_codes: want list, got str"),
    ("resource_codes", [], "resource_codes: 0 codes for 3 indices"),
    ("resource_codes", [1, 2, 3], "resource_codes: want a list of strings"),
    ("indices", [0, 1, True], r"indices\[2\]: want an integer"),
    ("indices", [0, 1, 50], r"indices\[2\]: want an integer 0..49"),
    ("indices", [], "indices: confirm at least one resource"),
    ("digest", "ab", "digest: want 32 bytes"),
    ("signature", None, "signature: want str, got null"),
    ("contract", "0xzz", "malformed ownership confirmation"),
    ("code", "bad code", "project code"),
]


@pytest.mark.parametrize("key,value,message", CASES, ids=[f"{k}={v!r}"[:40] for k, v, _ in CASES])
def test_malformed_field_refused(key: str, value: Any, message: str) -> None:
    data = _valid()
    if value is DROP:
        del data[key]
    else:
        data[key] = value
    with pytest.raises(InvalidInput, match=message):
        OwnershipConfirmation.from_json(data)


def test_valid_file_round_trips() -> None:
    data = _valid()
    conf = OwnershipConfirmation.from_json(data)
    conf.verify()
    assert conf.to_json() == data
    for bad in ([], "x", None, 5):
        with pytest.raises(InvalidInput, match="want an object"):
            OwnershipConfirmation.from_json(bad)


@pytest.mark.parametrize(
    "key,value",
    [("message", "zz"), ("message", 5), ("chain_id", -1), ("chain_id", 2**300), ("version", True)],
)
def test_cli_submit_refuses_exit_2(tmp_path: Path, key: str, value: Any) -> None:
    data = _valid()
    data[key] = value
    file = tmp_path / "conf.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    proc = mulu(tmp_path / "home", "step", "submit", str(file), check=2)
    assert "Traceback" not in proc.stderr
    assert "InvalidInput" in proc.stderr and key in proc.stderr, proc.stderr
