"""Local development set-up: identities, funding, deployment and governance, idempotently.

``dev_bootstrap`` creates the identities ``eitb drc finance crypto sector unit1 unit2 platform
auditor`` under ``$MULU_HOME`` (encrypted keys), funds them, deploys the ledger with eitb, drc
and finance as governors (threshold 2) and admits every other member through governance
(propose → approve → execute). Running it again changes nothing; a run that crashed half-way
resumes: existing identities, the deployment and members already admitted are kept, and an open
proposal for the same change is approved and executed instead of proposing it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from eth_account.signers.local import LocalAccount

from .chain import Chain
from .deploy import Deployment, deploy_ledger
from .identity import IdentityStore, UnlockedIdentity
from .ledger import Ledger
from .types import ProposalKind, Role

__all__ = ["DEV_MEMBERS", "BootstrapReport", "dev_bootstrap", "setup_ledger"]

#: identity → (organisation name, roles)
DEV_MEMBERS: dict[str, tuple[str, tuple[Role, ...]]] = {
    "eitb": ("北京市经济和信息化局", (Role.GOVERNOR, Role.REVIEWER)),
    "drc": ("北京市发展和改革委员会", (Role.GOVERNOR, Role.FUNDER)),
    "finance": ("北京市财政局", (Role.GOVERNOR, Role.FUNDER)),
    "crypto": ("北京市密码管理局", (Role.CRYPTO,)),
    "sector": ("北京市教育委员会", (Role.SECTOR,)),
    "unit1": ("北京市规划和自然资源委员会信息中心", (Role.UNIT,)),
    "unit2": ("北京市卫生健康大数据中心", (Role.UNIT,)),
    "platform": ("北京市大数据中心（市级大数据平台）", (Role.PLATFORM,)),
    "auditor": ("北京市审计局", (Role.AUDITOR,)),
}
GOVERNORS = ("eitb", "drc", "finance")
THRESHOLD = 2
FUND_WEI = 10_000 * 10**18


@dataclass
class BootstrapReport:
    created_identities: list[str] = field(default_factory=list)
    deployed: bool = False
    admitted: list[str] = field(default_factory=list)
    roles_set: list[str] = field(default_factory=list)
    deployment: Deployment | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created_identities or self.deployed or self.admitted or self.roles_set)


def _deployed(chain: Chain, path: Path) -> Deployment | None:
    if not path.is_file():
        return None
    deployment = Deployment.load(path)
    if deployment.chain_id != chain.chain_id:
        return None
    for address in deployment.addresses.values():
        if not chain.rpc(lambda a=address: chain.w3.eth.get_code(a)):  # type: ignore[misc]
            return None
    return deployment


def dev_bootstrap(
    chain: Chain,
    home: Path,
    password: bytes,
    *,
    progress: Callable[[str], None] = lambda _msg: None,
    onchain_sm2: bool = False,
) -> BootstrapReport:
    """Set up the local development ledger of ``home`` on ``chain`` (see module docstring).

    ``onchain_sm2``: when deploying, also deploy the SM2 verifier so 确权 is verified on chain.
    """
    report = BootstrapReport()
    store = IdentityStore(home)
    identities = {}
    for name in DEV_MEMBERS:
        if not store.exists(name):
            store.create(name, password)
            report.created_identities.append(name)
            progress(f"created identity {name}")
        identities[name] = store.get(name)
        address = identities[name].address
        if chain.rpc(lambda a=address: chain.w3.eth.get_balance(a)) < FUND_WEI // 2:  # type: ignore[misc]
            chain.fund(address, FUND_WEI)
    unlocked: dict[str, UnlockedIdentity] = {}

    def signer(name: str) -> LocalAccount:
        """Keys are decrypted only when something must be signed (a no-op re-run needs none)."""
        if name not in unlocked:
            unlocked[name] = store.unlock(name, password)
        return unlocked[name].account

    path = home / "deployment.json"
    deployment = setup_ledger(
        chain,
        {n: i.address for n, i in identities.items()},
        {n: i.sm2_public_key for n, i in identities.items()},
        signer,
        existing=_deployed(chain, path),
        report=report,
        progress=progress,
        onchain_sm2=onchain_sm2,
    )
    if report.deployed:
        deployment.save(path)
    return report


def setup_ledger(
    chain: Chain,
    addresses: dict[str, str],
    sm2_keys: dict[str, bytes],
    signer: Callable[[str], LocalAccount],
    *,
    members: dict[str, tuple[str, tuple[Role, ...]]] = DEV_MEMBERS,
    governors: tuple[str, ...] = GOVERNORS,
    threshold: int = THRESHOLD,
    existing: Deployment | None = None,
    report: BootstrapReport | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
    onchain_sm2: bool = False,
) -> Deployment:
    """Deploy (unless ``existing``) and bring every member of ``members`` to its roles.

    ``onchain_sm2`` deploys the pure-Solidity SM2 verifier, so every 确权 is verified on chain.

    ``addresses`` and ``sm2_keys`` are keyed by the names of ``members``; ``signer(name)`` gives
    the account that signs for a governor. The first governor deploys and proposes, the others
    approve.
    """
    report = report if report is not None else BootstrapReport()
    deployment = existing
    if deployment is None:
        genesis = [(addresses[g], members[g][0], sm2_keys[g]) for g in governors]
        deployment = deploy_ledger(
            chain, signer(governors[0]), genesis, threshold, onchain_sm2=onchain_sm2
        )
        report.deployed = True
        progress(f"deployed ledger at block {deployment.start_block}")
    report.deployment = deployment
    ledger = Ledger(chain, deployment)
    signers: list[Callable[[], LocalAccount]] = [partial(signer, g) for g in governors]
    for name, (org, roles) in members.items():
        address = addresses[name]
        if not ledger.member(address).get("active"):
            _govern(
                ledger,
                signers,
                threshold,
                ProposalKind.ADMIT,
                address,
                name=org,
                roles=roles,
                sm2_key=sm2_keys[name],
            )
            report.admitted.append(name)
            progress(f"admitted {name} as {'+'.join(r.value for r in roles)}")
        elif {r for r in Role if ledger.has_role(r, address)} != set(roles):
            _govern(ledger, signers, threshold, ProposalKind.SET_ROLES, address, roles=roles)
            report.roles_set.append(name)
            progress(f"set roles of {name} to {'+'.join(r.value for r in roles)}")
    return deployment


def _govern(
    ledger: Ledger,
    governors: list[Callable[[], LocalAccount]],
    threshold: int,
    kind: ProposalKind,
    account: str,
    *,
    name: str = "",
    roles: tuple[Role, ...] = (),
    sm2_key: bytes = b"",
) -> None:
    """Propose (or resume an open proposal), gather ``threshold`` approvals, execute."""
    proposer = governors[0]()
    proposal_id = _open_proposal(ledger, kind, account)
    if proposal_id is None:
        proposal_id, _ = ledger.propose(
            proposer, kind, account, name=name, roles=roles, sm2_key=sm2_key
        )
    approvers = {a.lower() for a in ledger.proposal(proposal_id)["approvers"]}
    for get in governors:
        if ledger.approval_count(proposal_id) >= threshold:
            break
        governor = get()
        if governor.address.lower() not in approvers:
            ledger.approve(governor, proposal_id)
    ledger.execute(proposer, proposal_id)


def _open_proposal(ledger: Ledger, kind: ProposalKind, account: str) -> int | None:
    """The newest unexecuted proposal of ``kind`` about ``account`` (to resume after a crash)."""
    topics = [
        None,
        None,
        "0x" + int(kind).to_bytes(32, "big").hex(),
        "0x" + bytes.fromhex(account[2:]).rjust(32, b"\0").hex(),
    ]
    for ev in reversed(ledger.logs(contracts=["Members"], topics=topics)):
        if ev.name == "ProposalCreated" and not ledger.proposal(int(ev.args["id"]))["executed"]:
            return int(ev.args["id"])
    return None
