"""Domain types shared by the client, the CLI and the service: states, roles, kinds, codes."""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum

from eth_utils.crypto import keccak

from mulu.errors import InvalidInput

__all__ = [
    "CatalogKind",
    "ProposalKind",
    "Role",
    "State",
    "Step",
    "decode_code",
    "encode_code",
]


class State(IntEnum):
    """Project library states (art. 6), numbered as in ``ProjectLibrary.State``."""

    NONE = 0
    RESERVE = 1
    UNDER_REVIEW = 2
    APPROVED = 3
    UNDER_CONSTRUCTION = 4
    OPERATION = 5
    TERMINATED = 6

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]

    @property
    def label(self) -> str:
        """``储备 RESERVE`` — the Chinese name beside the key, for humans."""
        return f"{self.zh} {self.name}"


_STATE_ZH = {
    State.NONE: "不存在",
    State.RESERVE: "储备",
    State.UNDER_REVIEW: "在审",
    State.APPROVED: "待建",
    State.UNDER_CONSTRUCTION: "在建",
    State.OPERATION: "运维",
    State.TERMINATED: "终止",
}


class CatalogKind(IntEnum):
    """Catalog kinds, numbered as in ``CatalogLedger.CatalogKind``."""

    DECLARED = 0
    ACCEPTANCE = 1

    @property
    def key(self) -> str:
        """The document's spelling: ``declared`` / ``acceptance``."""
        return self.name.lower()

    @property
    def zh(self) -> str:
        return "申报项目数据目录" if self is CatalogKind.DECLARED else "验收项目数据目录"

    @classmethod
    def parse(cls, value: str | int | CatalogKind) -> CatalogKind:
        if isinstance(value, CatalogKind):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[str(value).upper()]
        except KeyError:
            raise InvalidInput(
                f"catalog kind {value!r}: expected 'declared' or 'acceptance'"
            ) from None


class Role(StrEnum):
    """Member roles (DOMAIN.md, "Actors and roles"); on chain ``keccak256("<NAME>_ROLE")``."""

    GOVERNOR = "GOVERNOR"
    REVIEWER = "REVIEWER"
    FUNDER = "FUNDER"
    CRYPTO = "CRYPTO"
    SECTOR = "SECTOR"
    UNIT = "UNIT"
    PLATFORM = "PLATFORM"
    AUDITOR = "AUDITOR"

    @property
    def id(self) -> bytes:
        return keccak(text=f"{self.value}_ROLE")

    @classmethod
    def from_id(cls, role_id: bytes) -> Role | None:
        for role in cls:
            if role.id == bytes(role_id):
                return role
        return None

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            known = ", ".join(r.value for r in cls)
            raise InvalidInput(f"role {value!r}: expected one of {known}") from None


class ProposalKind(IntEnum):
    """Governance proposal kinds, numbered as in ``Members.ProposalKind``."""

    ADMIT = 0
    SET_ROLES = 1
    ROTATE_KEY = 2
    REVOKE = 3


class Step(StrEnum):
    """The five acceptance steps of art. 21."""

    CLOUD = "cloud"  # 入云
    UPDATE = "update"  # 更新
    CHAIN = "chain"  # 上链
    OWNERSHIP = "ownership"  # 确权
    INTERFACE = "interface"  # 对接

    @property
    def index(self) -> int:  # type: ignore[override]  # shadows str.index on purpose (the position)
        """Position in the contracts' ``Step`` enum (CLOUD, UPDATE, CHAIN, OWNERSHIP, INTERFACE)."""
        return list(Step).index(self)

    @property
    def zh(self) -> str:
        return {
            "cloud": "入云",
            "update": "更新",
            "chain": "上链",
            "ownership": "确权",
            "interface": "对接",
        }[self.value]

    @classmethod
    def parse(cls, value: str) -> Step:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise InvalidInput(
                f"step {value!r}: expected one of {', '.join(s.value for s in cls)}"
            ) from None


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")


def encode_code(code: str) -> bytes:
    """A project's unified code (统一编码) as the ``bytes32`` the contracts key it by."""
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise InvalidInput(
            f"project code {code!r}: 1-32 ASCII letters, digits and . _ / - (starting alphanumeric)"
        )
    return code.encode("ascii").ljust(32, b"\0")


def decode_code(raw: bytes | bytearray) -> str:
    """The inverse of :func:`encode_code`."""
    return bytes(raw).rstrip(b"\0").decode("ascii", errors="replace")
