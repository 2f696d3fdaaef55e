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
        try:
            if data.get("schema") != "mulu.ownership-confirmation/v1":
                raise InvalidInput("not a mulu ownership confirmation (schema mismatch)")
            conf = cls(
                chain_id=int(data["chain_id"]),
                contract=to_checksum_address(data["contract"]),
                code=str(data["code"]),
                version=int(data["version"]),
                digest=bytes.fromhex(data["digest"]),
                merkle_root=bytes.fromhex(data["merkle_root"]),
                resource_count=int(data["resource_count"]),
                indices=[int(i) for i in data["indices"]],
                resource_codes=[str(c) for c in data["resource_codes"]],
                public_key=bytes.fromhex(data["public_key"]),
                signature=bytes.fromhex(data["signature"]),
            )
        except InvalidInput:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"malformed ownership confirmation: {exc}") from exc
        if len(conf.signature) != 64 or len(conf.public_key) != 64:
            raise InvalidInput("signature and public key must be 64 bytes (r‖s, x‖y)")
        if data.get("message") and bytes.fromhex(data["message"]) != conf.message():
            raise InvalidInput("the message field does not match the confirmation's fields")
        return conf

    @classmethod
    def loads(cls, text: str | bytes) -> OwnershipConfirmation:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"ownership confirmation is not JSON: {exc}") from exc
        return cls.from_json(data)


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
