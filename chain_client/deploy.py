"""Deploying the ledger (Members → ProjectLibrary → CatalogLedger → Confirmations, then wiring).

The record, ``deployment.json``, names the chain id, the contract addresses and the block the
deployment began at (indexers start there). It is written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from mulu.errors import InvalidInput, MuluError
from mulu.files import write_atomic

from .chain import Chain

__all__ = ["CONTRACTS", "VERIFIER", "Deployment", "DeploymentMissing", "deploy_ledger"]

#: the deployed contracts, in deployment order (an ``SM2Verifier`` may precede them: optional)
CONTRACTS = ("Members", "ProjectLibrary", "CatalogLedger", "Confirmations")
#: the 确权 signature verifier's entry in ``Deployment.addresses`` (absent = off-chain mode)
VERIFIER = "SM2Verifier"


class DeploymentMissing(MuluError):
    """No deployment record where one was expected."""


@dataclass(frozen=True)
class Deployment:
    """Where the ledger lives on one chain."""

    chain_id: int
    addresses: dict[str, str]
    start_block: int
    threshold: int
    governors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        missing = [name for name in CONTRACTS if name not in data.get("addresses", {})]
        if missing:
            raise InvalidInput(f"deployment record lacks addresses of {', '.join(missing)}")
        return cls(
            chain_id=int(data["chain_id"]),
            addresses=dict(data["addresses"]),
            start_block=int(data["start_block"]),
            threshold=int(data["threshold"]),
            governors=list(data.get("governors", [])),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Deployment:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeploymentMissing(
                f"no deployment at {path}: run `mulu dev bootstrap` (local) or copy the "
                "deployment.json of your network there"
            ) from None
        except ValueError as exc:
            raise InvalidInput(f"{path} is not valid JSON: {exc}") from exc
        return cls.from_json(data)


def deploy_ledger(
    chain: Chain,
    deployer: LocalAccount,
    governors: Sequence[tuple[str, str, bytes]],
    threshold: int,
    *,
    verifier: str | None = None,
    onchain_sm2: bool = False,
) -> Deployment:
    """Deploy and wire the four contracts.

    ``governors`` are ``(address, name, sm2_public_key_xy)`` of the initial GOVERNOR members.
    ``verifier`` is the address of an ``ISM2Verifier`` that ``Confirmations`` uses to verify 确权
    signatures on chain; ``onchain_sm2=True`` deploys an ``SM2Verifier`` first and uses it. Neither:
    off-chain mode (signatures are recorded in events and verified by clients and auditors).
    """
    if verifier is not None and onchain_sm2:
        raise InvalidInput("give either a verifier address or onchain_sm2=True, not both")
    if not 1 <= threshold <= len(governors):
        raise InvalidInput(
            f"threshold {threshold} must be between 1 and {len(governors)} governors"
        )
    start_block = chain.block_number()
    if onchain_sm2:
        verifier = chain.deploy(deployer, "SM2Verifier").address
    members = chain.deploy(
        deployer,
        "Members",
        [g[0] for g in governors],
        [g[1] for g in governors],
        [bytes(g[2]) for g in governors],
        threshold,
    )
    library = chain.deploy(deployer, "ProjectLibrary", members.address)
    ledger = chain.deploy(deployer, "CatalogLedger", members.address, library.address)
    confirmations = chain.deploy(
        deployer,
        "Confirmations",
        members.address,
        library.address,
        ledger.address,
        verifier or "0x" + "00" * 20,
    )
    chain.transact(deployer, library.functions.setCatalogLedger(ledger.address))
    chain.transact(deployer, ledger.functions.setConfirmations(confirmations.address))
    # the catalog ledger keeps its own view of active units, pushed by Members (cheaper anchors)
    chain.transact(deployer, members.functions.setObserver(ledger.address))
    addresses: dict[str, str] = {
        "Members": members.address,
        "ProjectLibrary": library.address,
        "CatalogLedger": ledger.address,
        "Confirmations": confirmations.address,
    }
    if verifier:
        addresses[VERIFIER] = chain.w3.to_checksum_address(verifier)
    return Deployment(
        chain_id=chain.chain_id,
        addresses=addresses,
        start_block=start_block,
        threshold=threshold,
        governors=[g[0] for g in governors],
    )
