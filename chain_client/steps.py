"""The five acceptance steps (art. 21) and the gates of acceptance and commissioning, client side.

``Steps(ledger)`` confirms steps per resource of the latest acceptance-catalog version, submits
signed 确权 (:mod:`chain_client.ownership`), and explains what holds and what blocks a gate.
Resource codes are mapped to leaf indices through the anchored document itself, which callers
supply from a documents directory named by digest (``$MULU_HOME/documents/<digest>.json``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

import catalog
from mulu.errors import InvalidInput, MuluError, RuleViolation

from .ledger import Ledger, TxResult
from .ownership import OwnershipConfirmation, ownership_message, sign_ownership
from .types import CatalogKind, State, Step, encode_code
from .workdays import BEIJING

__all__ = ["DocumentMissing", "GateReport", "Steps", "acceptance_diff", "find_document"]

#: grace on top of an update cycle's bound before a resource counts as stale (documented)
FRESHNESS_GRACE = dt.timedelta(hours=12)


class DocumentMissing(MuluError):
    """A document the operation needs is not in the documents directory."""


class RefreshStale(RuleViolation):
    """更新 not done as art. 21 means it: a resource's last confirmed refresh is older than its
    update cycle allows (the contract keeps the times, the cycles are in the catalog)."""


def find_document(documents: Path, digest: bytes, what: str = "document") -> catalog.Catalog:
    """The anchored catalog whose digest is ``digest``, loaded and re-checked."""
    path = documents / f"{digest.hex()}.json"
    if not path.is_file():
        raise DocumentMissing(
            f"{what} {digest.hex()} is not in {documents}: put the anchored file there "
            f"(named <digest>.json) or anchor it from this machine"
        )
    doc = catalog.load_catalog(path.read_bytes())
    if doc.digest != digest:
        raise DocumentMissing(f"{path} does not hash to its name (got {doc.digest.hex()})")
    return doc


def acceptance_diff(ledger: Ledger, documents: Path, code: str) -> catalog.CatalogDiff:
    """The declared → acceptance diff of ``code``'s latest anchored catalogs (documents by digest)."""
    latest: dict[int, Any] = {}
    for ev in ledger.anchors(code):
        latest[int(ev.args["kind"])] = ev
    if CatalogKind.DECLARED not in latest:
        raise InvalidInput(f"{code} has no declared catalog anchored")
    if CatalogKind.ACCEPTANCE not in latest:
        raise InvalidInput(f"{code} has no acceptance catalog anchored")
    old = find_document(
        documents, bytes(latest[CatalogKind.DECLARED].args["digest"]), "declared catalog"
    )
    new = find_document(
        documents, bytes(latest[CatalogKind.ACCEPTANCE].args["digest"]), "acceptance catalog"
    )
    return catalog.diff_catalogs(old, new)


@dataclass
class GateReport:
    """What holds and what blocks acceptance and commissioning of one project."""

    code: str
    state: State
    block_number: int
    declared_version: int
    acceptance_version: int
    resource_count: int
    confirmed: dict[str, int] = field(default_factory=dict)
    missing: dict[str, list[int]] = field(default_factory=dict)
    missing_codes: dict[str, list[str]] = field(default_factory=dict)
    stale: list[dict[str, Any]] = field(default_factory=list)
    acceptance_blockers: list[str] = field(default_factory=list)
    commission_blockers: list[str] = field(default_factory=list)

    @property
    def acceptance_ready(self) -> bool:
        return not self.acceptance_blockers

    @property
    def commission_ready(self) -> bool:
        return not self.commission_blockers

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "state": self.state.name,
            "state_zh": self.state.zh,
            "block_number": self.block_number,
            "declared_version": self.declared_version,
            "acceptance_version": self.acceptance_version,
            "resource_count": self.resource_count,
            "steps": {
                s.value: {
                    "zh": s.zh,
                    "confirmed": self.confirmed.get(s.value, 0),
                    "missing": self.missing_codes.get(s.value) or self.missing.get(s.value, []),
                }
                for s in Step
            },
            "stale_updates": self.stale,
            "acceptance": {"ready": self.acceptance_ready, "blockers": self.acceptance_blockers},
            "commissioning": {"ready": self.commission_ready, "blockers": self.commission_blockers},
        }


class Steps:
    """Step confirmations and gates over one :class:`Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.contract = getattr(ledger, "confirmations", None) or ledger.catalogs

    # -- reading --------------------------------------------------------------------------------

    def acceptance_anchor(self, code: str, version: int | None = None) -> dict[str, Any]:
        """The ``CatalogAnchored`` event of the latest (or given) acceptance version."""
        events = [
            e for e in self.ledger.anchors(code) if int(e.args["kind"]) == CatalogKind.ACCEPTANCE
        ]
        if version is not None:
            events = [e for e in events if int(e.args["version"]) == version]
        if not events:
            raise InvalidInput(
                f"{code} has no acceptance catalog" + (f" version {version}" if version else "")
            )
        ev = events[-1]
        return {**ev.args, "block_number": ev.block_number, "tx_hash": ev.tx_hash}

    def status(
        self, code: str, version: int, *, block: int | str = "latest"
    ) -> tuple[int, list[int]]:
        """(resource count, confirmed count per step in ``Step`` order)."""
        value = self.ledger.chain.call(
            self.contract.functions.stepStatus(encode_code(code), version), block=block
        )
        return int(value[0]), [int(x) for x in value[1]]

    def is_confirmed(self, code: str, version: int, step: Step, index: int) -> bool:
        fn = self.contract.functions.isConfirmed(encode_code(code), version, step.index, index)
        return bool(self.ledger.chain.call(fn))

    def last_refreshed(self, code: str, version: int, index: int) -> int:
        fn = self.contract.functions.lastRefreshed(encode_code(code), version, index)
        return int(self.ledger.chain.call(fn))

    def missing(self, code: str, version: int, step: Step, count: int) -> list[int]:
        return [i for i in range(count) if not self.is_confirmed(code, version, step, i)]

    # -- writing --------------------------------------------------------------------------------

    def confirm(
        self, signer: LocalAccount, code: str, version: int, step: Step, indices: Sequence[int]
    ) -> TxResult:
        """入云 / 对接 by a PLATFORM member."""
        if step not in (Step.CLOUD, Step.INTERFACE):
            raise InvalidInput(f"step {step.value} is not confirmed this way")
        fn = self.contract.functions.confirmSteps(
            encode_code(code), version, step.index, list(indices)
        )
        return self.ledger._result(self.ledger.chain.transact(signer, fn))

    def confirm_updates(
        self,
        signer: LocalAccount,
        code: str,
        version: int,
        indices: Sequence[int],
        refreshed_at: Sequence[int],
    ) -> TxResult:
        """更新 by a PLATFORM member, with the last observed refresh time of each resource."""
        fn = self.contract.functions.confirmUpdates(
            encode_code(code), version, list(indices), list(refreshed_at)
        )
        return self.ledger._result(self.ledger.chain.transact(signer, fn))

    def sign_ownership(
        self,
        key: Any,
        doc: catalog.Catalog,
        resource_codes: Sequence[str],
        *,
        chain_id: int | None = None,
    ) -> OwnershipConfirmation:
        """A 确权 over ``resource_codes`` of the anchored ``doc``, signed with the unit's SM2 key."""
        indices = [doc.index_of(c) for c in resource_codes]
        return sign_ownership(
            key,
            chain_id=self.ledger.chain.chain_id if chain_id is None else chain_id,
            contract=self.contract.address,
            code=doc.project_code,
            version=doc.version,
            digest=doc.digest,
            merkle_root=doc.merkle_root,
            resource_count=doc.resource_count,
            indices=indices,
            resource_codes=list(resource_codes),
        )

    def submit_ownership(self, signer: LocalAccount, conf: OwnershipConfirmation) -> TxResult:
        """Send a signed 确权 from the unit's account (any machine)."""
        if (
            conf.chain_id != self.ledger.chain.chain_id
            or conf.contract.lower() != self.contract.address.lower()
        ):
            raise InvalidInput(
                f"confirmation is for chain {conf.chain_id} contract {conf.contract}, "
                f"not chain {self.ledger.chain.chain_id} contract {self.contract.address}"
            )
        fn = self.contract.functions.confirmOwnership(
            encode_code(conf.code),
            conf.version,
            conf.indices,
            conf.digest,
            conf.merkle_root,
            conf.r,
            conf.s,
        )
        return self.ledger._result(self.ledger.chain.transact(signer, fn))

    def verify_ownership_records(self, code: str) -> list[dict[str, Any]]:
        """Re-check every recorded 确权 of ``code`` off chain; returns findings (empty = clean).

        Each ``OwnershipConfirmed`` event is rebuilt into its message (this chain, this contract,
        the anchored catalog of that version) and its SM2 signature is verified under the key the
        contract used (the event's ``keyIndex``), which must have been valid at the confirming
        block — so a replayed, forged or wrong-key signature, or one made with a key revoked or
        rotated out before that block, is reported.
        """
        import sm_crypto

        findings = []
        keys: dict[str, list[dict[str, Any]]] = {}
        anchors = {
            int(e.args["version"]): e
            for e in self.ledger.anchors(code)
            if int(e.args["kind"]) == CatalogKind.ACCEPTANCE
        }
        events = [
            e
            for e in self.ledger.logs(topics=[None, "0x" + encode_code(code).hex()])
            if e.name == "OwnershipConfirmed"
        ]
        for ev in events:
            a = ev.args
            version = int(a["version"])
            where = {"tx_hash": ev.tx_hash, "block_number": ev.block_number, "version": version}
            anchor = anchors.get(version)
            if (
                anchor is None
                or bytes(anchor.args["digest"]) != bytes(a["digest"])
                or bytes(anchor.args["merkleRoot"]) != bytes(a["merkleRoot"])
            ):
                findings.append(
                    {**where, "finding": "确权 does not name the anchored catalog of its version"}
                )
                continue
            message = ownership_message(
                chain_id=self.ledger.chain.chain_id,
                contract=self.contract.address,
                code=code,
                version=version,
                digest=bytes(a["digest"]),
                merkle_root=bytes(a["merkleRoot"]),
                resource_count=int(anchor.args["resourceCount"]),
                indices=[int(i) for i in a["indices"]],
            )
            actor = str(a.get("actor") or a.get("unit"))
            key_index = int(a["keyIndex"])
            if actor not in keys:
                keys[actor] = self.ledger.keys(actor)
            held = keys[actor]
            # the key the contract used (its index is in the event) must have been valid at the
            # block: from its first block through its last, the rotation's own block included
            # (a 确权 before the rotation in that block was made with it)
            if key_index >= len(held) or not _valid_through(held[key_index], ev.block_number):
                findings.append(
                    {
                        **where,
                        "finding": f"signer {actor} held no SM2 key #{key_index} at block "
                        f"{ev.block_number}",
                    }
                )
                continue
            key = bytes(held[key_index]["x"]) + bytes(held[key_index]["y"])
            try:
                sm_crypto.PublicKey.from_bytes(key).verify(bytes(a["r"]) + bytes(a["s"]), message)
            except sm_crypto.InvalidSignature as exc:
                findings.append(
                    {
                        **where,
                        "finding": f"确权 signature invalid under the signer's key #{key_index}, "
                        f"valid at its block: {exc}",
                    }
                )
        return findings

    def onchain_message(self, conf: OwnershipConfirmation) -> bytes:
        fn = self.contract.functions.ownershipMessage(
            encode_code(conf.code), conf.version, conf.indices, conf.digest, conf.merkle_root
        )
        return bytes(self.ledger.chain.call(fn))

    # -- gates ----------------------------------------------------------------------------------

    def gates(
        self,
        code: str,
        documents: Path | None = None,
        *,
        now: int | None = None,
        detail: bool = True,
        block: int | None = None,
    ) -> GateReport:
        """What holds and what blocks acceptance and commissioning (read-only).

        ``detail=False`` (the service's hot path) skips what costs a call per resource — the
        per-resource lists, the document and the freshness check — and names only the first
        missing resource (``firstMissing``). ``block``: as of that block instead of the head
        (with ``detail=False`` only: the per-resource checks read the head).
        """
        if block is not None and detail:
            raise InvalidInput("gates as of a past block are read with detail=False only")
        at: int | str = "latest" if block is None else block
        info = self.ledger.project(code, block=at)
        block = self.ledger.chain.block_number() if block is None else block
        declared = int(self.ledger.latest_catalog(code, "declared", block=at)["version"])
        latest = self.ledger.latest_catalog(code, "acceptance", block=at)
        version, count = int(latest["version"]), int(latest["resourceCount"])
        report = GateReport(code, info["state"], block, declared, version, count)
        if declared == 0:
            report.acceptance_blockers.append("no declared catalog (申报项目数据目录) anchored")
        if version == 0:
            report.acceptance_blockers.append("no acceptance catalog (验收项目数据目录) anchored")
        doc = None
        if version and documents is not None and detail:
            try:
                doc = find_document(
                    documents,
                    bytes(self.acceptance_anchor(code, version)["digest"]),
                    "acceptance catalog",
                )
            except DocumentMissing as exc:
                report.acceptance_blockers.append(str(exc))
        if version:
            _, confirmed = self.status(code, version, block=at)
            first: tuple[Step, int] | None = None
            if not detail:
                fn = self.contract.functions.firstMissing(encode_code(code), version)
                complete, first_step, first_index = self.ledger.chain.call(fn, block=at)
                first = None if complete else (list(Step)[int(first_step)], int(first_index))
            for step in Step:
                report.confirmed[step.value] = confirmed[step.index]
                if confirmed[step.index] < count:
                    if detail:
                        gap = self.missing(code, version, step, count)
                    elif first is not None and first[0] is step:
                        gap = [first[1]]
                    else:
                        report.acceptance_blockers.append(
                            f"{step.zh} {step.value}: {count - confirmed[step.index]} of {count} missing"
                        )
                        continue
                    report.missing[step.value] = gap
                    if doc is not None:
                        codes = doc.codes
                        report.missing_codes[step.value] = [codes[i] for i in gap]
                    example = report.missing_codes.get(step.value, gap)[0]
                    report.acceptance_blockers.append(
                        f"{step.zh} {step.value}: {count - confirmed[step.index]} of {count} resources missing (first: {example})"
                    )
            if doc is not None:
                report.stale = self.stale_updates(code, version, doc, now=now)
                if report.stale:  # 更新 means refreshed within the update cycle (art. 21)
                    stale = report.stale[0]
                    report.acceptance_blockers.append(
                        f"{Step.UPDATE.zh} {Step.UPDATE.value}: {len(report.stale)} resource(s) not "
                        f"refreshed within their update cycle (first: {stale['resource_code']}, "
                        f"{stale['update_cycle']})"
                    )
        if info["state"] is not State.UNDER_CONSTRUCTION:
            report.acceptance_blockers.append(
                f"state is {info['state'].label}, acceptance happens in 在建"
            )
        accepted = int(info.get("acceptedAt", 0))
        if not accepted:
            report.commission_blockers.append("not accepted yet")
        else:
            accepted_version = int(info.get("acceptedCatalogVersion", version) or version)
            if accepted_version != version:
                report.commission_blockers.append(
                    f"acceptance catalog v{version} anchored after acceptance of v{accepted_version}: confirmations reset"
                )
            if any(report.missing.values()):
                report.commission_blockers.append(
                    "confirmations of the latest acceptance catalog incomplete"
                )
            deadline = accepted + 183 * 86_400
            applied = int(info.get("commissionAppliedAt", 0))
            if not applied:
                report.commission_blockers.append(
                    "commissioning not applied for (deadline "
                    + dt.datetime.fromtimestamp(deadline, BEIJING).date().isoformat()
                    + ")"
                )
        if not int(info.get("opinionPassedAt", 0)):
            report.commission_blockers.append("no technical review passed (art. 24)")
        return report

    def require_fresh(self, code: str, documents: Path, *, now: int | None = None) -> None:
        """:class:`RefreshStale` when a resource of the latest acceptance catalog (its document
        in ``documents``) has a confirmed refresh older than its update cycle allows."""
        anchor = self.acceptance_anchor(code)
        doc = find_document(documents, bytes(anchor["digest"]), "acceptance catalog")
        # a refresh never confirmed is a missing 更新 step, which the contract names itself
        # (GateStepMissing); here only the confirmed refreshes that are too old
        stale = [
            s
            for s in self.stale_updates(code, int(anchor["version"]), doc, now=now)
            if s["last_refreshed"] is not None
        ]
        if stale:
            listed = ", ".join(f"{s['resource_code']} ({s['update_cycle']})" for s in stale[:5])
            more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
            raise RefreshStale(
                f"{code}: {len(stale)} resource(s) not refreshed within their update cycle "
                f"(更新, art. 21): {listed}{more}; confirm their refreshes first"
            )

    def stale_updates(
        self, code: str, version: int, doc: catalog.Catalog, *, now: int | None = None
    ) -> list[dict[str, Any]]:
        """Resources whose last confirmed refresh is older than their update cycle allows (+ grace)."""
        now = self.ledger.chain.timestamp() if now is None else now
        stale = []
        codes = doc.codes
        for index, resource in enumerate(doc.document["resources"]):
            cycle = catalog.UpdateCycle(resource["update_cycle"])
            bound = cycle.max_age
            if bound is None:
                continue
            last = self.last_refreshed(code, version, index)
            age = now - last if last else None
            if last == 0 or age is None or age > (bound + FRESHNESS_GRACE).total_seconds():
                stale.append(
                    {
                        "index": index,
                        "resource_code": codes[index],
                        "update_cycle": cycle.value,
                        "last_refreshed": last or None,
                        "age_s": age,
                        "allowed_s": int((bound + FRESHNESS_GRACE).total_seconds()),
                    }
                )
        return stale


def _valid_through(key: dict[str, Any], block: int) -> bool:
    """Whether a member key (``Members.keyByIndex``) was in force at some point of ``block``:
    valid from ``validFromBlock``, and until ``validUntilBlock`` (0: still valid) counting that
    block itself, in which the key was current until the rotation or revocation."""
    until = int(key["validUntilBlock"])
    return int(key["validFromBlock"]) <= block and (until == 0 or block <= until)
