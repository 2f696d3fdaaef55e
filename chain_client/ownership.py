"""The 确权 (ownership confirmation) message: built in one place, signed with SM2, checked anywhere.

Byte layout (version 1), ``abi.encodePacked`` of::

    offset  size  field
    0       17    domain tag, ASCII "mulu.ownership.v1"
    17      32    chain id (uint256, big-endian)
    49      20    address of the contract that records the confirmation
    69      32    project code (bytes32, ASCII left-aligned, zero-padded)
    101     1     catalog kind (uint8; ACCEPTANCE = 1)
    102     4     catalog version (uint32)
    106     32    catalog digest: SM3 of the RFC 8785 bytes
    138     32    Merkle root of the catalog's resources
    170     4     resource count (uint32)
    174     32    keccak256 of the confirmed resource indices, each a big-endian uint32
    = 206 bytes

It names its purpose, the chain, the contract and every object it binds, so a signature cannot be
replayed onto another project, version, catalog, chain or deployment. The signature is SM2 with
SM3 and the default signer ID ``1234567812345678`` (GM/T 0009), by the unit's key valid at the
confirming block. The contract builds the same bytes (``ownershipMessage`` view); a test checks
that both agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from eth_utils.address import to_canonical_address, to_checksum_address
from eth_utils.crypto import keccak

import sm_crypto
from mulu.errors import InvalidInput

from .types import CatalogKind, decode_code, encode_code

__all__ = ["DOMAIN_TAG", "OwnershipConfirmation", "ownership_message", "sign_ownership"]

DOMAIN_TAG = b"mulu.ownership.v1"
MESSAGE_SIZE = 206


def _indices_hash(indices: list[int]) -> bytes:
    for i in indices:
        if not 0 <= i < 2**32:
            raise InvalidInput(f"resource index {i} out of range")
    return keccak(b"".join(i.to_bytes(4, "big") for i in indices))


def ownership_message(
    *,
    chain_id: int,
    contract: str,
    code: str,
    version: int,
    digest: bytes,
    merkle_root: bytes,
    resource_count: int,
    indices: list[int],
    kind: CatalogKind = CatalogKind.ACCEPTANCE,
) -> bytes:
    """The exact bytes a unit signs to confirm ownership of ``indices`` (see module docstring)."""
    if len(digest) != 32 or len(merkle_root) != 32:
        raise InvalidInput("digest and merkle root must be 32 bytes each")
    if not 0 <= chain_id < 2**256:
        raise InvalidInput("chain id must be a uint256")
    if not 0 < version < 2**32 or not 0 < resource_count < 2**32:
        raise InvalidInput("version and resource count must be positive uint32")
    message = b"".join(
        [
            DOMAIN_TAG,
            chain_id.to_bytes(32, "big"),
            to_canonical_address(contract),
            encode_code(code),
            int(kind).to_bytes(1, "big"),
            version.to_bytes(4, "big"),
            digest,
            merkle_root,
            resource_count.to_bytes(4, "big"),
            _indices_hash(indices),
        ]
    )
    assert len(message) == MESSAGE_SIZE
    return message


@dataclass(frozen=True)
class OwnershipConfirmation:
    """A signed 确权, as the offline signer writes it and ``mulu step submit`` sends it."""

    chain_id: int
    contract: str
    code: str
    version: int
    digest: bytes
    merkle_root: bytes
    resource_count: int
    indices: list[int]
    resource_codes: list[str]
    public_key: bytes  # 64-byte x‖y of the signing unit's SM2 key
    signature: bytes  # 64-byte r‖s

    def message(self) -> bytes:
        return ownership_message(
            chain_id=self.chain_id,
            contract=self.contract,
            code=self.code,
            version=self.version,
            digest=self.digest,
            merkle_root=self.merkle_root,
            resource_count=self.resource_count,
            indices=self.indices,
        )

    def verify(self, public_key: bytes | None = None) -> None:
        """Raise ``sm_crypto.InvalidSignature`` unless the signature is valid under the key given
        (the one valid at the confirming block, for an auditor) or the embedded one."""
        key = sm_crypto.PublicKey.from_bytes(public_key or self.public_key)
        key.verify(self.signature, self.message())

    @property
    def r(self) -> bytes:
        return self.signature[:32]

    @property
    def s(self) -> bytes:
        return self.signature[32:]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("digest", "merkle_root", "public_key", "signature"):
            data[key] = data[key].hex()
        data["schema"] = "mulu.ownership-confirmation/v1"
        data["message"] = self.message().hex()
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Any) -> OwnershipConfirmation:
        """Parse a confirmation strictly: every field present, of its JSON type (an integer is
        not a bool or a float), in its range, hex of its length; ``message`` must match the
        fields. :class:`InvalidInput` names the field otherwise."""
        if not isinstance(data, dict):
            raise InvalidInput(
                f"malformed ownership confirmation: want an object, got {_kind(data)}"
            )
        if data.get("schema") != "mulu.ownership-confirmation/v1":
            raise InvalidInput("not a mulu ownership confirmation (schema mismatch)")
        version = _uint(data, "version", 1, 2**32 - 1)
        resource_count = _uint(data, "resource_count", 1, 2**32 - 1)
        indices = _list(data, "indices")
        if not indices:
            raise _bad("indices", "confirm at least one resource")
        for n, i in enumerate(indices):
            if type(i) is not int or not 0 <= i < resource_count:
                raise _bad(
                    f"indices[{n}]", f"want an integer 0..{resource_count - 1}, got {i!r}"[:200]
                )
        codes = _list(data, "resource_codes")
        if not all(isinstance(c, str) for c in codes):
            raise _bad("resource_codes", "want a list of strings")
        if len(codes) != len(indices):
            raise _bad(
                "resource_codes", f"{len(codes)} codes for {len(indices)} indices (one per index)"
            )
        code = _field(data, "code", str)
        try:
            encode_code(code)
            contract = to_checksum_address(_field(data, "contract", str))
        except (InvalidInput, ValueError, TypeError) as exc:
            raise InvalidInput(f"malformed ownership confirmation: {exc}") from None
        conf = cls(
            chain_id=_uint(data, "chain_id", 1, 2**256 - 1),
            contract=contract,
            code=code,
            version=version,
            digest=_hex(data, "digest", 32),
            merkle_root=_hex(data, "merkle_root", 32),
            resource_count=resource_count,
            indices=indices,
            resource_codes=codes,
            public_key=_hex(data, "public_key", 64),
            signature=_hex(data, "signature", 64),
        )
        if _hex(data, "message", MESSAGE_SIZE) != conf.message():
            raise InvalidInput("the message field does not match the confirmation's fields")
        return conf

    @classmethod
    def loads(cls, text: str | bytes) -> OwnershipConfirmation:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"ownership confirmation is not JSON: {exc}") from exc
        return cls.from_json(data)


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _bad(key: str, why: str) -> InvalidInput:
    return InvalidInput(f"malformed ownership confirmation: {key}: {why}")


def _field(data: dict[str, Any], key: str, want: type) -> Any:
    if key not in data:
        raise _bad(key, "missing")
    value = data[key]
    if not isinstance(value, want) or (isinstance(value, bool) and want is not bool):
        raise _bad(key, f"want {want.__name__}, got {_kind(value)}")
    return value


def _uint(data: dict[str, Any], key: str, low: int, high: int) -> int:
    value = _field(data, key, int)
    if not low <= value <= high:
        shown = str(value) if abs(value) < 10**30 else f"a {value.bit_length()}-bit integer"
        bound = str(high) if high < 10**30 else f"2**{high.bit_length()} - 1"
        raise _bad(key, f"want {low}..{bound}, got {shown}")
    return int(value)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    return list(_field(data, key, list))


def _hex(data: dict[str, Any], key: str, size: int) -> bytes:
    value = _field(data, key, str)
    if not _HEX.fullmatch(value):
        raise _bad(key, "not hex digits")
    if len(value) != 2 * size:
        raise _bad(key, f"want {size} bytes ({2 * size} hex digits), got {len(value) // 2}")
    return bytes.fromhex(value)


def sign_ownership(
    key: sm_crypto.PrivateKey,
    *,
    chain_id: int,
    contract: str,
    code: str,
    version: int,
    digest: bytes,
    merkle_root: bytes,
    resource_count: int,
    indices: list[int],
    resource_codes: list[str],
) -> OwnershipConfirmation:
    """Sign a 确权 offline (no chain access needed)."""
    if len(indices) != len(resource_codes):
        raise InvalidInput("one resource code per index")
    if not indices:
        raise InvalidInput("confirm at least one resource")
    message = ownership_message(
        chain_id=chain_id,
        contract=contract,
        code=code,
        version=version,
        digest=digest,
        merkle_root=merkle_root,
        resource_count=resource_count,
        indices=indices,
    )
    return OwnershipConfirmation(
        chain_id=chain_id,
        contract=to_checksum_address(contract),
        code=decode_code(encode_code(code)),
        version=version,
        digest=digest,
        merkle_root=merkle_root,
        resource_count=resource_count,
        indices=list(indices),
        resource_codes=list(resource_codes),
        public_key=key.public_key.xy,
        signature=key.sign_raw(message),
    )
