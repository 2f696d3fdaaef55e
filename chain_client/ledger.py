"""Typed access to the deployed ledger: governance, the project library, catalog anchors, history.

Write methods take the signer (an ``eth_account`` ``LocalAccount``) first and return a
:class:`TxResult` with the decoded events of the transaction; a revert raises the exception named
after the Solidity error (:mod:`chain_client.errors`). Read methods return plain dataclasses/dicts
with the ABI's field names. Nothing here formats output: that is the CLI's and the API's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import ABIEvent
from eth_utils.abi import event_abi_to_log_topic
from web3._utils.events import get_event_data
from web3.contract import Contract
from web3.types import TxReceipt

from mulu.errors import InvalidInput

from .anchors import AnchorHistory, classify
from .chain import Chain
from .deploy import Deployment
from .errors import error_class
from .types import CatalogKind, ProposalKind, Role, State, decode_code, encode_code

__all__ = ["LedgerEvent", "Ledger", "TxResult"]

#: cap on one eth_getLogs range (public nodes reject huge ranges)
LOG_CHUNK = 50_000


@dataclass(frozen=True)
class LedgerEvent:
    """One decoded event of the ledger's contracts."""

    name: str
    contract: str
    block_number: int
    tx_hash: str
    log_index: int
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.name,
            "contract": self.contract,
            "block_number": self.block_number,
            "tx_hash": self.tx_hash,
            "log_index": self.log_index,
            "args": {k: _jsonable(v) for k, v in self.args.items()},
        }


@dataclass(frozen=True)
class TxResult:
    """A mined, successful transaction and what it emitted."""

    tx_hash: str
    block_number: int
    gas_used: int
    events: list[LedgerEvent] = field(default_factory=list)

    def event(self, name: str) -> LedgerEvent:
        for ev in self.events:
            if ev.name == name:
                return ev
        raise LookupError(f"transaction {self.tx_hash} emitted no {name}")

    def to_json(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "gas_used": self.gas_used,
            "events": [e.to_json() for e in self.events],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _named(outputs: list[dict[str, Any]], value: Any) -> Any:
    """Turn web3's tuples for struct outputs into dicts keyed by the ABI's component names."""
    if len(outputs) == 1 and outputs[0]["type"] == "tuple":
        return _named_tuple(outputs[0]["components"], value)
    if len(outputs) == 1:
        return value
    return {o["name"] or f"out{i}": v for i, (o, v) in enumerate(zip(outputs, value, strict=True))}


def _named_tuple(components: list[dict[str, Any]], value: Sequence[Any]) -> dict[str, Any]:
    result = {}
    for comp, item in zip(components, value, strict=True):
        if comp["type"] == "tuple":
            item = _named_tuple(comp["components"], item)
        elif comp["type"] == "tuple[]":
            item = [_named_tuple(comp["components"], x) for x in item]
        result[comp["name"]] = item
    return result


class Ledger:
    """The ledger of one :class:`Deployment` on one :class:`Chain`."""

    def __init__(self, chain: Chain, deployment: Deployment) -> None:
        if deployment.chain_id != chain.chain_id:
            raise InvalidInput(
                f"deployment is for chain {deployment.chain_id}, endpoint is chain {chain.chain_id}"
            )
        self.chain = chain
        self.deployment = deployment
        self.members = chain.contract("Members", deployment.addresses["Members"])
        self.library = chain.contract("ProjectLibrary", deployment.addresses["ProjectLibrary"])
        self.catalogs = chain.contract("CatalogLedger", deployment.addresses["CatalogLedger"])
        self.confirmations = chain.contract("Confirmations", deployment.addresses["Confirmations"])
        self._contracts = {
            "Members": self.members,
            "ProjectLibrary": self.library,
            "CatalogLedger": self.catalogs,
            "Confirmations": self.confirmations,
        }
        self._by_address = {c.address.lower(): name for name, c in self._contracts.items()}
        self._events: dict[bytes, tuple[str, ABIEvent]] = {}
        for name, contract in self._contracts.items():
            for item in contract.abi:
                if item.get("type") == "event":
                    event = cast(ABIEvent, item)  # the ABI union is not narrowed by the "type" key
                    self._events[bytes(event_abi_to_log_topic(event))] = (name, event)

    # -- plumbing -----------------------------------------------------------------------------

    def _send(self, signer: LocalAccount, contract: Contract, fn: str, *args: Any) -> TxResult:
        receipt = self.chain.transact(signer, getattr(contract.functions, fn)(*args))
        return self._result(receipt)

    def _view(self, contract: Contract, fn: str, *args: Any, block: int | str = "latest") -> Any:
        function = getattr(contract.functions, fn)(*args)
        value = self.chain.call(function, block=block)
        return _named(function.abi["outputs"], value)

    def _result(self, receipt: TxReceipt) -> TxResult:
        return TxResult(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            events=self.decode_logs(receipt["logs"]),
        )

    def decode_logs(self, logs: Iterable[Any]) -> list[LedgerEvent]:
        """Decode the logs of our contracts (others are skipped)."""
        events = []
        for log in logs:
            contract = self._by_address.get(str(log["address"]).lower())
            if contract is None or not log["topics"]:
                continue
            entry = self._events.get(bytes(log["topics"][0]))
            if entry is None:
                continue
            data = get_event_data(self.chain.w3.codec, entry[1], log)
            events.append(
                LedgerEvent(
                    name=data["event"],
                    contract=contract,
                    block_number=int(data["blockNumber"]),
                    tx_hash="0x" + bytes(data["transactionHash"]).hex(),
                    log_index=int(data["logIndex"]),
                    args=dict(data["args"]),
                )
            )
        return events

    def logs(
        self,
        *,
        contracts: Sequence[str] | None = None,
        topics: list[Any] | None = None,
        from_block: int | None = None,
        to_block: int | str = "latest",
    ) -> list[LedgerEvent]:
        """Decoded events, oldest first, in chunks of :data:`LOG_CHUNK` blocks."""
        names = contracts or list(self._contracts)
        addresses = [self._contracts[n].address for n in names]
        start = self.deployment.start_block if from_block is None else from_block
        end = self.chain.block_number() if to_block == "latest" else int(to_block)
        out: list[LedgerEvent] = []
        while start <= end:
            stop = min(start + LOG_CHUNK - 1, end)
            params: dict[str, Any] = {"address": addresses, "fromBlock": start, "toBlock": stop}
            if topics:
                params["topics"] = topics
            out += self.decode_logs(self.chain.rpc(lambda p=params: self.chain.w3.eth.get_logs(p)))  # type: ignore[misc]
            start = stop + 1
        out.sort(key=lambda e: (e.block_number, e.log_index))
        return out

    # -- governance (Members) -----------------------------------------------------------------

    def propose(
        self,
        signer: LocalAccount,
        kind: ProposalKind,
        account: str,
        *,
        name: str = "",
        roles: Sequence[Role] = (),
        sm2_key: bytes = b"",
    ) -> tuple[int, TxResult]:
        """Create a proposal (the proposer's approval counts); returns its id."""
        result = self._send(
            signer,
            self.members,
            "propose",
            int(kind),
            account,
            name,
            [r.id for r in roles],
            sm2_key,
        )
        return int(result.event("ProposalCreated").args["id"]), result

    def approve(self, signer: LocalAccount, proposal_id: int) -> TxResult:
        return self._send(signer, self.members, "approve", proposal_id)

    def execute(self, signer: LocalAccount, proposal_id: int) -> TxResult:
        return self._send(signer, self.members, "execute", proposal_id)

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        return dict(self._view(self.members, "proposal", proposal_id))

    def approval_count(self, proposal_id: int) -> int:
        return int(self._view(self.members, "approvalCount", proposal_id))

    def has_role(self, role: Role, account: str) -> bool:
        return bool(self._view(self.members, "hasActiveRole", role.id, account))

    def member(self, account: str) -> dict[str, Any]:
        info = dict(self._view(self.members, "memberOf", account))
        info["account"] = account
        info["keys"] = self.keys(account)
        return info

    def member_accounts(self) -> list[str]:
        count = int(self._view(self.members, "memberCount"))
        return [str(self._view(self.members, "memberByIndex", i)) for i in range(count)]

    def keys(self, account: str) -> list[dict[str, Any]]:
        count = int(self._view(self.members, "keyCount", account))
        return [dict(self._view(self.members, "keyByIndex", account, i)) for i in range(count)]

    def key_at(self, account: str, block_number: int) -> bytes:
        """The SM2 key (64-byte x‖y) of ``account`` valid at ``block_number``."""
        value = self._view(self.members, "keyAt", account, block_number)
        return bytes(value["x"]) + bytes(value["y"])

    def threshold(self) -> int:
        return int(self._view(self.members, "threshold"))

    # -- project library ----------------------------------------------------------------------

    def create_project(self, signer: LocalAccount, code: str, unit: str, name: str) -> TxResult:
        return self._send(signer, self.library, "createProject", encode_code(code), unit, name)

    def start_review(self, signer: LocalAccount, code: str) -> TxResult:
        return self._send(signer, self.library, "startReview", encode_code(code))

    def approve_crypto(self, signer: LocalAccount, code: str) -> TxResult:
        return self._send(signer, self.library, "approveCrypto", encode_code(code))

    def pass_review(self, signer: LocalAccount, code: str, opinion_digest: bytes) -> TxResult:
        return self._send(signer, self.library, "passReview", encode_code(code), opinion_digest)

    def extend_review(self, signer: LocalAccount, code: str, days: int) -> TxResult:
        return self._send(signer, self.library, "extendReview", encode_code(code), days)

    def fund(self, signer: LocalAccount, code: str, period_days: int) -> TxResult:
        return self._send(signer, self.library, "fund", encode_code(code), period_days)

    def start_construction(self, signer: LocalAccount, code: str) -> TxResult:
        return self._send(signer, self.library, "startConstruction", encode_code(code))

    def report_progress(self, signer: LocalAccount, code: str, report_digest: bytes) -> TxResult:
        return self._send(signer, self.library, "reportProgress", encode_code(code), report_digest)

    def accept(
        self, signer: LocalAccount, code: str, ratio_bp: int = 0, diff_digest: bytes = bytes(32)
    ) -> TxResult:
        """验收 of the latest acceptance catalog with the declared → acceptance change ratio (basis
        points) and the diff's digest (the contract refuses a zero digest: ``ProjectZeroDigest``)."""
        return self._send(signer, self.library, "accept", encode_code(code), ratio_bp, diff_digest)

    def apply_commission(self, signer: LocalAccount, code: str) -> TxResult:
        return self._send(signer, self.library, "applyCommission", encode_code(code))

    def commission(self, signer: LocalAccount, code: str) -> TxResult:
        return self._send(signer, self.library, "commission", encode_code(code))

    def submit_self_evaluation(self, signer: LocalAccount, code: str, digest: bytes) -> TxResult:
        return self._send(signer, self.library, "submitSelfEvaluation", encode_code(code), digest)

    def set_work_calendar(self, signer: LocalAccount, word_index: int, workdays: int) -> TxResult:
        """Record calendar word ``word_index`` (see :mod:`chain_client.workdays`); REVIEWER."""
        return self._send(signer, self.library, "setWorkCalendar", word_index, workdays)

    def record_evaluation_report(self, signer: LocalAccount, code: str, digest: bytes) -> TxResult:
        """EITB's performance evaluation report (art. 31); the contract computes the
        rectification deadline from the recorded calendar."""
        return self._send(signer, self.library, "recordEvaluationReport", encode_code(code), digest)

    def submit_rectification_plan(self, signer: LocalAccount, code: str, digest: bytes) -> TxResult:
        return self._send(
            signer, self.library, "submitRectificationPlan", encode_code(code), digest
        )

    def evaluation(self, code: str, *, block: int | str = "latest") -> dict[str, Any]:
        """The latest evaluation report and rectification plan of ``code`` (zeros when none)."""
        return dict(self._view(self.library, "evaluation", encode_code(code), block=block))

    def work_calendar(self, word_index: int) -> int:
        """Calendar word ``word_index`` as recorded (0 when not)."""
        return int(self._view(self.library, "workCalendar", word_index))

    def rectification_deadline(self, reported_at: int) -> int:
        return int(self._view(self.library, "rectificationDeadline", reported_at))

    def terminate(self, signer: LocalAccount, code: str, reason: str) -> TxResult:
        return self._send(signer, self.library, "terminate", encode_code(code), reason)

    def file_change(
        self, signer: LocalAccount, code: str, ratio_bp: int, evidence: bytes
    ) -> TxResult:
        return self._send(signer, self.library, "fileChange", encode_code(code), ratio_bp, evidence)

    def approve_change(
        self, signer: LocalAccount, code: str, ratio_bp: int, evidence: bytes
    ) -> TxResult:
        return self._send(
            signer, self.library, "approveChange", encode_code(code), ratio_bp, evidence
        )

    def change(self, signer: LocalAccount, code: str, ratio_bp: int, evidence: bytes) -> TxResult:
        """File the change (≤ 15%, the unit) or approve it (the reviewer), by the signer's role."""
        if self.has_role(Role.REVIEWER, signer.address):
            return self.approve_change(signer, code, ratio_bp, evidence)
        return self.file_change(signer, code, ratio_bp, evidence)

    def project(self, code: str, *, block: int | str = "latest") -> dict[str, Any]:
        """All recorded fields of a project (``state`` as :class:`State`)."""
        raw = encode_code(code)
        info = dict(self._view(self.library, "project", raw, block=block))
        info["state"] = State(int(info["state"]))
        if info["state"] is State.NONE:
            raise error_class("ProjectUnknown")({"code": raw})
        info["code"] = code
        return info

    def state(self, code: str) -> State:
        return State(int(self._view(self.library, "stateOf", encode_code(code))))

    def exists(self, code: str) -> bool:
        return bool(self._view(self.library, "exists", encode_code(code)))

    def progress_status(self, code: str) -> dict[str, Any]:
        return dict(self._view(self.library, "progressStatus", encode_code(code)))

    def view(self, contract: str, fn: str, *args: Any) -> Any:
        """Any other view function by name (``ledger.view("ProjectLibrary", "warrantyEndsAt", c)``)."""
        return self._view(self._contracts[contract], fn, *args)

    def history(self, code: str) -> list[LedgerEvent]:
        """Every event of the project (transitions, anchors, step confirmations), oldest first."""
        return self.logs(
            contracts=["ProjectLibrary", "CatalogLedger", "Confirmations"],
            topics=[None, "0x" + encode_code(code).hex()],
        )

    def project_codes(self) -> list[str]:
        """Codes of every project ever created, in creation order."""
        return [
            decode_code(e.args["code"])
            for e in self.logs(contracts=["ProjectLibrary"])
            if e.name == "ProjectCreated"
        ]

    # -- catalog anchors ----------------------------------------------------------------------

    def anchor(
        self,
        signer: LocalAccount,
        code: str,
        kind: CatalogKind | str,
        version: int,
        digest: bytes,
        merkle_root: bytes,
        resource_count: int,
    ) -> TxResult:
        """Anchor one catalog version (idempotent for an identical re-anchor: no event)."""
        return self._send(
            signer,
            self.catalogs,
            "anchor",
            encode_code(code),
            int(CatalogKind.parse(kind)),
            version,
            digest,
            merkle_root,
            resource_count,
        )

    def restate_anchors(
        self,
        signer: LocalAccount,
        items: Sequence[tuple[str, CatalogKind | str, int, bytes, bytes, int]],
    ) -> TxResult:
        """Announce again anchors that storage holds but the event history lacks (the project's
        unit; one ``CatalogAnchorRestated`` per item, no state change). Each item is (code, kind,
        version, digest, merkle_root, resource_count) and must equal the stored commitment
        (``CatalogNotAnchored``, ``CatalogVersionConflict``)."""
        return self._send(
            signer,
            self.catalogs,
            "restateAnchors",
            [(encode_code(c), int(CatalogKind.parse(k)), v, d, r, n) for c, k, v, d, r, n in items],
        )

    def anchor_history(self, code: str | None = None) -> AnchorHistory:
        """The anchor events (of ``code``, or of every project) judged by
        :func:`chain_client.anchors.classify`: one record per version, and the duplicates,
        conflicts and redundant restatements beside them."""
        topics = None if code is None else [None, "0x" + encode_code(code).hex()]
        return classify(self.logs(contracts=["CatalogLedger"], topics=topics))

    def anchor_record(self, code: str, kind: CatalogKind | str, version: int) -> LedgerEvent | None:
        """The event that records version ``version`` of the ``kind`` catalog of ``code``
        (``CatalogAnchored``, or ``CatalogAnchorRestated`` when that is in no block), or None."""
        return self.anchor_history(code).record(
            encode_code(code), int(CatalogKind.parse(kind)), version
        )

    def latest_catalog(
        self, code: str, kind: CatalogKind | str, *, block: int | str = "latest"
    ) -> dict[str, Any]:
        return dict(
            self._view(
                self.catalogs,
                "latest",
                encode_code(code),
                int(CatalogKind.parse(kind)),
                block=block,
            )
        )

    def is_anchored(
        self,
        code: str,
        kind: CatalogKind | str,
        version: int,
        digest: bytes,
        root: bytes,
        count: int,
    ) -> bool:
        return bool(
            self._view(
                self.catalogs,
                "isAnchored",
                encode_code(code),
                int(CatalogKind.parse(kind)),
                version,
                digest,
                root,
                count,
            )
        )

    def anchors(self, code: str) -> list[LedgerEvent]:
        """The project's anchor records, one per (kind, version) — its ``CatalogAnchored``
        event, or the ``CatalogAnchorRestated`` one where that is in no block — declared first,
        each kind by version (so the last of a kind is its latest)."""
        records = self.anchor_history(code).records
        return [records[k] for k in sorted(records, key=lambda k: (k[1], k[2]))]
