"""Deploying the ledger (Members → ProjectLibrary → CatalogLedger, then wiring) and its record.

The record, ``deployment.json``, names the chain id, the contract addresses and the block the
deployment began at (indexers start there). It is written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from mulu.errors import InvalidInput, MuluError

from .chain import Chain

__all__ = ["CONTRACTS", "Deployment", "DeploymentMissing", "deploy_ledger"]

#: the deployed contracts, in deployment order
CONTRACTS = ("Members", "ProjectLibrary", "CatalogLedger")


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
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)

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
) -> Deployment:
    """Deploy and wire the three contracts.

    ``governors`` are ``(address, name, sm2_public_key_xy)`` of the initial GOVERNOR members.
    """
    if not 1 <= threshold <= len(governors):
        raise InvalidInput(
            f"threshold {threshold} must be between 1 and {len(governors)} governors"
        )
    start_block = chain.block_number()
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
    chain.transact(deployer, library.functions.setCatalogLedger(ledger.address))
    # the catalog ledger keeps its own view of active units, pushed by Members (cheaper anchors)
    chain.transact(deployer, members.functions.setObserver(ledger.address))
    return Deployment(
        chain_id=chain.chain_id,
        addresses={
            "Members": members.address,
            "ProjectLibrary": library.address,
            "CatalogLedger": ledger.address,
        },
        start_block=start_block,
        threshold=threshold,
        governors=[g[0] for g in governors],
    )
