"""Independent audit of one project from the chain and the documents alone (never the index).

Checks, in the order of the project's events (the chain's ``history``):

* **order**: every transition leaves the state the replay is in and is legal (DOMAIN.md, art. 6);
  every other action happens in a state that allows it; the replayed state is the chain's state;
* **role**: the actor held the role when it acted: ``hasActiveRole`` read at the block before
  the event, then the Members events of the event's own block that precede it (log order is
  transaction order) applied on top; unit actions came from the project's registered unit;
* **time**: the time rules recomputed from block timestamps (opinion validity, extension, funding
  while valid, construction deadline, progress windows, acceptance deadlines, commissioning
  window, self-evaluation window, the rectification plan's 60 working days recomputed from the
  calendar recorded on chain and compared with the State Council's arrangement: the
  ``chinese_calendar`` package, or an arrangement file given for a year it does not know);
* **anchors**: every anchor's document is present in the documents directory and gives the
  anchored digest, Merkle root and resource count, and ``isAnchored`` holds on chain; other
  referenced documents (opinions, reports, evidence), when present, hash to their digest.
  Anchors are read as :mod:`chain_client.anchors` defines them: one record per version (its
  ``CatalogAnchored``, or a ``CatalogAnchorRestated`` where that is in no block: a notice); a
  second ``CatalogAnchored`` or any anchor event that disagrees with the record is a finding, a
  restatement beside the record a notice.
* every 确权 signature, under the unit's SM2 key valid at the confirming block, and every
  acceptance against the five-step gate at the block before it; with the accepted catalog's
  document present, every 更新 refresh within its resource's update cycle at acceptance (the
  contract keeps the times, the cycles are in the document); with both anchored catalogs present,
  the change ratio and diff digest recorded at acceptance recomputed (art. 16) and the declared
  catalog the accepted one names (``declared_digest``) checked to be the reviewed one (art. 21);
  a change filing or approval whose evidence is a diff of the anchored catalogs, against the
  ratio that diff proves (art. 16).

Findings are violations (exit 1). Notices (a missed progress report, a referenced opinion not in
the documents directory) are reported but do not fail the audit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import catalog
import sm_crypto
from chain_client import workdays
from chain_client.anchors import ANCHORED, RESTATED, classify
from chain_client.ledger import Ledger, LedgerEvent
from chain_client.steps import FRESHNESS_GRACE, Steps
from chain_client.types import CatalogKind, Role, State, Step
from mulu.errors import ChainUnavailable

__all__ = ["AuditReport", "Finding", "audit_project"]

DAY = 86_400
OPINION_VALIDITY = 365 * DAY
MAX_EXTENSION_DAYS = 183
QUARTER = 90 * DAY
WARRANTY = 730 * DAY
COMMISSION_WINDOW = 183 * DAY
SELF_EVAL = (365 * DAY, 456 * DAY)
#: the largest catalog document the audit reads (above the parser's 16 MiB default); every check
#: that reads a catalog uses it, so none passes silently on a document another check accepted
MAX_CATALOG_BYTES = 1 << 26

S = State
#: transition events: (from states allowed, to)
TRANSITIONS: dict[str, tuple[tuple[State, ...], State]] = {
    "ProjectCreated": ((S.NONE,), S.RESERVE),
    "ReviewStarted": ((S.RESERVE,), S.UNDER_REVIEW),
    "ProjectFunded": ((S.UNDER_REVIEW,), S.APPROVED),
    "ConstructionStarted": ((S.APPROVED,), S.UNDER_CONSTRUCTION),
    "ProjectCommissioned": ((S.UNDER_CONSTRUCTION,), S.OPERATION),
    "ProjectTerminated": (
        (S.RESERVE, S.UNDER_REVIEW, S.APPROVED, S.UNDER_CONSTRUCTION, S.OPERATION),
        S.TERMINATED,
    ),
}
#: other actions: the states they are allowed in
ALLOWED_IN: dict[str, tuple[State, ...]] = {
    "CryptoApproved": (S.UNDER_REVIEW,),
    "ReviewPassed": (S.UNDER_REVIEW,),
    "ReviewExtended": (S.UNDER_REVIEW,),
    "ProgressReported": (S.UNDER_CONSTRUCTION,),
    "ProjectAccepted": (S.UNDER_CONSTRUCTION,),
    "CommissionApplied": (S.UNDER_CONSTRUCTION,),
    "SelfEvaluationSubmitted": (S.OPERATION,),
    "EvaluationReported": (S.OPERATION,),
    "ChangeFiled": (S.APPROVED, S.UNDER_CONSTRUCTION),
    "ChangeApproved": (S.APPROVED, S.UNDER_CONSTRUCTION),
}
UNIT = "UNIT_OF_PROJECT"
#: who may emit each event
ROLE_OF: dict[str, Role | str] = {
    "ProjectCreated": Role.REVIEWER,
    "ReviewStarted": Role.REVIEWER,
    "CryptoApproved": Role.CRYPTO,
    "ReviewPassed": Role.REVIEWER,
    "ReviewExtended": Role.REVIEWER,
    "ProjectFunded": Role.FUNDER,
    "ConstructionStarted": UNIT,
    "ProgressReported": UNIT,
    "ProjectAccepted": UNIT,
    "CommissionApplied": UNIT,
    "ProjectCommissioned": Role.REVIEWER,
    "SelfEvaluationSubmitted": UNIT,
    "ProjectTerminated": Role.REVIEWER,
    "ChangeFiled": UNIT,
    "ChangeApproved": Role.REVIEWER,
    "CatalogAnchored": UNIT,
    "CatalogAnchorRestated": UNIT,
    "EvaluationReported": Role.REVIEWER,
    "RectificationPlanSubmitted": UNIT,
    # the five steps (art. 21): 入云 and 对接 by the PLATFORM, 确权 by the project's unit; 更新
    # by either (observed by the PLATFORM, or reported by the unit)
    "StepsConfirmed": Role.PLATFORM,
    "OwnershipConfirmed": UNIT,
    "UpdatesConfirmed": Role.PLATFORM,  # or UNIT when the actor is the project's unit
}
DOCUMENT_ARGS = ("opinionDigest", "reportDigest", "evidenceDigest", "planDigest")


@dataclass
class Finding:
    check: str  # order | role | time | anchor | document | state
    message: str
    block_number: int | None = None
    tx_hash: str | None = None
    event: str | None = None


@dataclass
class AuditReport:
    code: str
    state: str
    state_zh: str
    block_number: int
    events: int
    anchors: int
    findings: list[Finding] = field(default_factory=list)
    notices: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    signatures: str = (
        "确权 signatures re-verified under the key valid at each block; gates re-checked"
    )

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["clean"] = self.clean
        return out


def _apply_roles(roles: set[str], ev: LedgerEvent, account: str) -> set[str]:
    """The roles of ``account`` after the Members event ``ev``."""
    if str(ev.args.get("account", "")).lower() != account.lower():
        return roles
    if ev.name in ("MemberAdmitted", "MemberRolesChanged"):
        found = (Role.from_id(bytes(r)) for r in ev.args["roles"])
        return {r.value for r in found if r is not None}
    if ev.name == "MemberRevoked":
        return set()
    return roles


class _Audit:
    def __init__(
        self,
        ledger: Ledger,
        code: str,
        documents: Path,
        arrangements: Iterable[workdays.Arrangement] = (),
    ) -> None:
        self.ledger, self.code, self.documents = ledger, code, documents
        self.arrangements = workdays.arrangements_by_year(arrangements)
        self.findings: list[Finding] = []
        self.notices: list[Finding] = []
        self.checked = {"order": 0, "role": 0, "time": 0, "anchor": 0, "document": 0}
        self._ts: dict[int, int] = {}
        self._member_events: list[LedgerEvent] | None = None
        self._member_events_by_block: dict[int, list[LedgerEvent]] | None = None
        self._calendar_events: list[LedgerEvent] | None = None
        self._catalogs: dict[bytes, tuple[Path | None, catalog.Catalog | str | None]] = {}

    def find(
        self, check: str, msg: str, ev: LedgerEvent | None = None, *, notice: bool = False
    ) -> None:
        item = Finding(
            check,
            msg,
            ev.block_number if ev else None,
            ev.tx_hash if ev else None,
            ev.name if ev else None,
        )
        (self.notices if notice else self.findings).append(item)

    def ts(self, block: int) -> int:
        if block not in self._ts:
            self._ts[block] = self.ledger.chain.timestamp(block)
        return self._ts[block]

    def has_role(self, role: Role, account: str, block: int) -> bool:
        """``hasActiveRole`` read at ``block``; a node without that block's state (anvil reloaded
        from a state dump) is answered by replaying the Members events up to ``block``."""
        try:
            return bool(
                self.ledger._view(  # noqa: SLF001 (a read at a past block; Ledger.has_role reads latest)
                    self.ledger.members, "hasActiveRole", role.id, account, block=block
                )
            )
        except ChainUnavailable:
            raise
        except Exception:
            return role.value in self._roles_from_events(account, block)

    def _members_events(self) -> list[LedgerEvent]:
        if self._member_events is None:
            self._member_events = self.ledger.logs(contracts=["Members"])
        return self._member_events

    def _members_events_in(self, block: int) -> list[LedgerEvent]:
        """The Members events of ``block``, in log order (indexed once: an audit asks for
        every event it judges)."""
        if self._member_events_by_block is None:
            by_block: dict[int, list[LedgerEvent]] = {}
            for ev in self._members_events():
                by_block.setdefault(ev.block_number, []).append(ev)
            self._member_events_by_block = by_block
        return self._member_events_by_block.get(block, [])

    def _roles_from_events(self, account: str, block: int) -> set[str]:
        roles: set[str] = set()
        for ev in self._members_events():
            if ev.block_number > block:
                continue
            roles = _apply_roles(roles, ev, account)
        return roles

    def held_role(self, role: Role, account: str, ev: LedgerEvent) -> bool:
        """Whether ``account`` held ``role`` when it sent ``ev``: at the block before, then the
        Members events of ``ev``'s block that come before it (an admission, a role change or a
        revocation in the same block, earlier or later in it, decides)."""
        held = self.has_role(role, account, ev.block_number - 1)
        same_block = [
            e for e in self._members_events_in(ev.block_number) if e.log_index < ev.log_index
        ]
        if not same_block:
            return held
        roles = {role.value} if held else set()
        for e in same_block:
            roles = _apply_roles(roles, e, account)
        return role.value in roles

    # -- the checks ---------------------------------------------------------------------------

    def run(self) -> AuditReport:
        head = self.ledger.chain.block_number()
        events = [e for e in self.ledger.history(self.code) if e.block_number <= head]
        onchain = self.ledger.project(self.code, block=head)
        state, unit = S.NONE, None
        p: dict[str, int] = {}  # replayed times
        anchors = 0
        judged = classify(events)
        records = {(e.block_number, e.log_index) for e in judged.records.values()}
        doubled = {(e.block_number, e.log_index): "duplicate" for e in judged.duplicates}
        for record, other in judged.conflicts:
            doubled[(other.block_number, other.log_index)] = (
                f"conflict: the record (block {record.block_number}) has digest "
                f"{bytes(record.args['digest']).hex()}"
            )
        redundant = {(e.block_number, e.log_index) for e in judged.redundant}
        for ev in events:
            a, t = ev.args, self.ts(ev.block_number)
            # order
            self.checked["order"] += 1
            if ev.name in TRANSITIONS:
                allowed, to = TRANSITIONS[ev.name]
                if state not in allowed:
                    self.find(
                        "order",
                        f"{ev.name} from {state.label}: not a legal transition to {to.label}",
                        ev,
                    )
                if "from" in a and State(int(a["from"])) is not state:
                    self.find(
                        "order",
                        f"{ev.name} says from {State(int(a['from'])).name}, replay is in {state.name}",
                        ev,
                    )
                state = to
            elif ev.name in ALLOWED_IN and state not in ALLOWED_IN[ev.name]:
                self.find("order", f"{ev.name} in {state.label}: not allowed there", ev)
            elif ev.name == "CatalogAnchored":
                kind = CatalogKind(int(a["kind"]))
                ok = (
                    (S.RESERVE, S.UNDER_REVIEW)
                    if kind is CatalogKind.DECLARED
                    else (S.UNDER_CONSTRUCTION,)
                )
                if state not in ok:
                    self.find("order", f"{kind.key} catalog anchored in {state.label}", ev)
            if ev.name == "ProjectCreated":
                unit = str(a["unit"])
            # role
            actor = str(a.get("actor") or a.get("submitter") or "")
            need = ROLE_OF.get(ev.name)
            if ev.name == "UpdatesConfirmed" and unit is not None and actor.lower() == unit.lower():
                need = UNIT  # the unit reporting its own refreshes
            if need is not None and actor:
                self.checked["role"] += 1
                if need == UNIT:
                    if unit is None or actor.lower() != unit.lower():
                        self.find(
                            "role", f"{ev.name} by {actor}, not the project's unit {unit}", ev
                        )
                    elif not self.held_role(Role.UNIT, actor, ev):
                        self.find(
                            "role",
                            f"{ev.name} by {actor}, not an active UNIT when it acted",
                            ev,
                        )
                else:
                    assert isinstance(need, Role)
                    if not self.held_role(need, actor, ev):
                        self.find(
                            "role",
                            f"{ev.name} by {actor}, not an active {need.value} when it acted",
                            ev,
                        )
            # time
            self._time(ev, t, p)
            # documents
            position = (ev.block_number, ev.log_index)
            if position in records:
                anchors += 1
                self._anchor(ev)
            elif position in doubled:
                self.find("anchor", f"{self._where(ev)}: {doubled[position]}", ev)
            elif position in redundant:
                self.find(
                    "anchor",
                    f"{self._where(ev)}: restated beside its record (a repeat, not an anchor)",
                    ev,
                    notice=True,
                )
            for key in DOCUMENT_ARGS:
                if key in a:
                    self._document(ev, a[key])
        # progress reports (a notice: late, not illegal)
        if p.get("construction") and state in (S.UNDER_CONSTRUCTION, S.OPERATION, S.TERMINATED):
            end = (
                p.get("accepted")
                or (p.get("terminated") if state is S.TERMINATED else None)
                or self.ts(head)
            )
            ended = (end - p["construction"]) // QUARTER
            # as the contract counts: reports in the windows that are over (one per window, in
            # order, so only the last report can be in the current window ``ended``)
            windows = p.get("windows_reported", 0) - (p.get("last_window") == ended)
            missed = ended - min(windows, ended)
            if missed > 0:
                self.find(
                    "time", f"{missed} quarterly progress report(s) missing (art. 18)", notice=True
                )
        self._omissions(p, self.ts(head))
        self._ownership_and_gates(events)
        self.checked["state"] = 1
        if state is not onchain["state"]:
            self.find("state", f"replayed state {state.name}, chain says {onchain['state'].name}")
        return AuditReport(
            code=self.code,
            state=onchain["state"].name,
            state_zh=onchain["state"].zh,
            block_number=head,
            events=len(events),
            anchors=anchors,
            findings=self.findings,
            notices=self.notices,
            checked=self.checked,
        )

    def _ownership_and_gates(self, events: list[LedgerEvent]) -> None:
        """Every 确权 signature under the key valid at its block; every acceptance passed its gate."""
        steps = Steps(self.ledger)
        self.checked["signature"] = sum(1 for e in events if e.name == "OwnershipConfirmed")
        for f in steps.verify_ownership_records(self.code):
            self.find("signature", f"{f['finding']} (tx {f['tx_hash']}, block {f['block_number']})")
        # the gate, replayed from the events (no archive state needed): at acceptance, every
        # resource of the accepted version had all four confirmable steps (上链 is the anchor)
        all_records = sorted(
            classify(events).records.values(), key=lambda e: (e.block_number, e.log_index)
        )
        records = [e for e in all_records if int(e.args["kind"]) == CatalogKind.ACCEPTANCE]
        declared = [e for e in all_records if int(e.args["kind"]) == CatalogKind.DECLARED]
        counts = {int(e.args["version"]): int(e.args["resourceCount"]) for e in records}
        digests = {int(e.args["version"]): bytes(e.args["digest"]) for e in records}
        changes: dict[str, int] = {}  # the largest filed / approved change so far (art. 16)
        done: dict[tuple[int, str], set[int]] = {}
        refreshed: dict[tuple[int, int], int] = {}  # (version, index) → latest refresh, as kept
        for ev in events:
            a = ev.args
            if ev.name == "StepsConfirmed":
                step = list(Step)[int(a["step"])].value
            elif ev.name == "UpdatesConfirmed":
                step = Step.UPDATE.value
                for i, when in zip(a["indices"], a["refreshedAt"], strict=True):
                    key = (int(a["version"]), int(i))
                    refreshed[key] = max(refreshed.get(key, 0), int(when))
            elif ev.name == "OwnershipConfirmed":
                step = Step.OWNERSHIP.value
            elif ev.name == "ProjectAccepted":
                self.checked["gate"] = self.checked.get("gate", 0) + 1
                version = int(a["catalogVersion"])
                need = counts.get(version, 0)
                if not need:
                    self.find(
                        "gate", f"accepted acceptance catalog v{version} was never anchored", ev
                    )
                for s in (Step.CLOUD, Step.UPDATE, Step.OWNERSHIP, Step.INTERFACE):
                    have = len(done.get((version, s.value), set()))
                    if have < need:
                        self.find(
                            "gate",
                            f"accepted with {s.zh} {s.value} for {have} of {need} resources",
                            ev,
                        )
                if version in digests:
                    self._freshness(ev, version, digests[version], refreshed)
                    baseline = [
                        e
                        for e in declared
                        if (e.block_number, e.log_index) < (ev.block_number, ev.log_index)
                    ]
                    if baseline:
                        self._change(ev, baseline, digests[version], changes)
                continue
            elif ev.name in ("ChangeFiled", "ChangeApproved"):
                changes[ev.name] = max(changes.get(ev.name, 0), int(a["ratioBp"]))
                before = [
                    e
                    for e in all_records
                    if (e.block_number, e.log_index) < (ev.block_number, ev.log_index)
                ]
                self._evidence(ev, before)
                continue
            else:
                continue
            done.setdefault((int(a["version"]), step), set()).update(int(i) for i in a["indices"])

    def _catalog(self, digest: bytes) -> tuple[Path | None, catalog.Catalog | str | None]:
        """The document of ``digest``, read and validated once per audit (the anchor, freshness
        and change checks all read the accepted catalog): ``(path, catalog)``, ``(path, why it
        is not a valid catalog)``, or ``(None, None)`` when the directory does not hold it."""
        if digest not in self._catalogs:
            path = _find(self.documents, digest)
            loaded: catalog.Catalog | str | None = None
            if path is not None:
                try:
                    loaded = catalog.load_catalog(path.read_bytes(), max_bytes=MAX_CATALOG_BYTES)
                except catalog.CatalogError as exc:
                    loaded = str(exc)
                except OSError as exc:
                    loaded = f"cannot read it: {exc.strerror or exc}"
            self._catalogs[digest] = (path, loaded)
        return self._catalogs[digest]

    def _freshness(
        self, ev: LedgerEvent, version: int, digest: bytes, refreshed: dict[tuple[int, int], int]
    ) -> None:
        """更新 at acceptance means refreshed within the resource's update cycle (art. 21): the
        cycles are in the acceptance catalog, so this is checked when its document is present
        (the contract holds only the times)."""
        doc = self._catalog(digest)[1]
        if not isinstance(doc, catalog.Catalog):
            return  # the anchor check reports the document
        accepted = self.ts(ev.block_number)
        self.checked["freshness"] = self.checked.get("freshness", 0) + 1
        stale = []
        for index, resource in enumerate(doc.document["resources"]):
            bound = catalog.UpdateCycle(resource["update_cycle"]).max_age
            if bound is None:
                continue
            last = refreshed.get((version, index), 0)
            if not last or accepted - last > (bound + FRESHNESS_GRACE).total_seconds():
                stale.append(f"{resource['code']} ({resource['update_cycle']})")
        if stale:
            self.find(
                "gate",
                f"accepted with 更新 update older than the update cycle for {len(stale)} "
                f"resource(s), first {stale[0]} (art. 21)",
                ev,
            )

    def _change(
        self,
        ev: LedgerEvent,
        baseline: list[LedgerEvent],
        accepted: bytes,
        changes: dict[str, int],
    ) -> None:
        """Art. 16: the unit records the declared → acceptance change ratio and the diff's digest
        when it accepts, and the contract judges the filing or approval it needs by that ratio
        alone (it holds no documents). So the audit, holding both anchored catalogs, computes the
        diff again: a ratio recorded smaller than the documents give is a change that escaped
        its filing or approval. Art. 21: the acceptance catalog is compiled against the declared
        one, the last declared version anchored before acceptance (the one reviewed); the
        ``declared_digest`` it names, when it names one, must be that catalog's. Without the
        documents this is not checked (the anchor check reports a missing document)."""
        declared = bytes(baseline[-1].args["digest"])
        old, new = self._catalog(declared)[1], self._catalog(accepted)[1]
        if not isinstance(old, catalog.Catalog) or not isinstance(new, catalog.Catalog):
            return  # the anchor check reports the document
        diff = catalog.diff_catalogs(old, new)
        self.checked["change"] = self.checked.get("change", 0) + 1
        named = new.document.get("declared_digest")
        if named is not None and named != declared.hex():
            versions = {bytes(e.args["digest"]).hex(): int(e.args["version"]) for e in baseline}
            what = (
                f"its superseded declared v{versions[named]}"
                if named in versions
                else "no declared catalog anchored for the project"
            )
            self.find(
                "change",
                f"accepted acceptance catalog v{new.version} says it was compiled against declared "
                f"catalog {named} ({what}); the declared catalog of the project is declared "
                f"v{old.version} {declared.hex()} (art. 21)",
                ev,
            )
        want = min(diff.ratio_bp, catalog.RECORDED_RATIO_LIMIT_BP)  # as `project accept` records
        got = int(ev.args["changeRatioBp"])
        if got != want:
            approved = changes.get("ChangeApproved", 0)
            covered = max(approved, changes.get("ChangeFiled", 0))
            if want > catalog.FILING_LIMIT_BP:
                need = f"a REVIEWER approval of at least {want} bp (approved: {approved})"
            else:
                need = f"a filing or approval of at least {want} bp (on record: {covered})"
            self.find(
                "change",
                f"acceptance recorded a change of {got} bp; the anchored declared v{old.version} "
                f"and acceptance v{new.version} differ by {want} bp, which needs {need} (art. 16)",
                ev,
            )
        recorded = bytes(ev.args["diffDigest"])
        if recorded != diff.digest:
            self.find(
                "change",
                f"acceptance recorded diff digest {recorded.hex()}; the diff of the anchored "
                f"catalogs is {diff.digest.hex()}",
                ev,
            )

    def _evidence(self, ev: LedgerEvent, anchored: list[LedgerEvent]) -> None:
        """Art. 16: a change filing or approval carries its ratio and an evidence digest; the
        contract judges the filing limit by the ratio alone. When the evidence is a catalog diff
        whose sides are catalogs anchored for the project (declared → acceptance, before the
        event) and whose proofs verify against their roots, the ratio it proves is the change:
        recorded smaller, or filed above 15% (which needs EITB's approval), it is a finding.
        Other evidence (a letter, a report) is not judged here."""
        digest = bytes(ev.args["evidenceDigest"])
        path = _find(self.documents, digest)
        if path is None:
            return  # the document check gives the notice
        try:
            data = catalog.parse_json(path.read_bytes())
            old_root = bytes.fromhex(data["old"]["merkle_root"])
            new_root = bytes.fromhex(data["new"]["merkle_root"])
        except (catalog.CatalogError, OSError, ValueError, TypeError, KeyError):
            return  # not a catalog diff
        roots = {
            (int(e.args["kind"]), bytes(e.args["merkleRoot"])): int(e.args["resourceCount"])
            for e in anchored
        }
        old = roots.get((int(CatalogKind.DECLARED), old_root))
        new = roots.get((int(CatalogKind.ACCEPTANCE), new_root))
        if old is None or new is None:
            return  # not a diff of this project's anchored catalogs
        try:
            catalog.verify_diff(data, old_root, new_root, old_count=old, new_count=new)
        except catalog.CatalogError as exc:
            self.find("change", f"{ev.name} evidence {path.name} is not a valid diff: {exc}", ev)
            return
        diff = catalog.CatalogDiff.from_json(data)
        self.checked["change"] = self.checked.get("change", 0) + 1
        proven = min(diff.ratio_bp, catalog.RECORDED_RATIO_LIMIT_BP)
        got = int(ev.args["ratioBp"])
        what = "filed (备案)" if ev.name == "ChangeFiled" else "approved"
        if ev.name == "ChangeFiled" and proven > catalog.FILING_LIMIT_BP:
            self.find(
                "change",
                f"change {what} as {got} bp; its evidence, the diff of the anchored declared and "
                f"acceptance catalogs, proves {proven} bp, over {catalog.FILING_LIMIT_BP} bp: it "
                "needs EITB's change approval, not a filing (art. 16)",
                ev,
            )
        elif got < proven:
            self.find(
                "change",
                f"change {what} as {got} bp; its evidence, the diff of the anchored declared and "
                f"acceptance catalogs, proves {proven} bp (art. 16)",
                ev,
            )

    def _time(self, ev: LedgerEvent, t: int, p: dict[str, int]) -> None:
        a, n = ev.args, ev.name

        def rule(ok: bool, msg: str) -> None:
            self.checked["time"] += 1
            if not ok:
                self.find("time", msg, ev)

        if n == "ReviewPassed":
            rule(
                int(a["expiresAt"]) == t + OPINION_VALIDITY,
                f"opinion expires {a['expiresAt']}, want passed + 365 days = {t + OPINION_VALIDITY}",
            )
            p["expires"] = int(a["expiresAt"])
        elif n == "ReviewExtended":
            days = int(a["extensionDays"])
            rule(not p.get("extended"), "the opinion was extended twice (art. 15: once)")
            rule(
                1 <= days <= MAX_EXTENSION_DAYS,
                f"extension of {days} days, max {MAX_EXTENSION_DAYS}",
            )
            rule(t > p.get("expires", 0), "extended while the opinion was still valid (art. 15)")
            rule(
                int(a["expiresAt"]) == p.get("expires", 0) + days * DAY,
                "extended expiry is not expiry + days",
            )
            p["expires"], p["extended"] = int(a["expiresAt"]), 1
        elif n == "ProjectFunded":
            rule(
                t <= p.get("expires", 0),
                f"funded at {t} with the opinion expired at {p.get('expires')} (art. 14, 15)",
            )
            p["period"] = int(a["periodDays"])
        elif n == "ConstructionStarted":
            rule(
                int(a["deadline"]) == t + p.get("period", 0) * DAY,
                "construction deadline is not start + period",
            )
            p["construction"] = t
        elif n == "ProgressReported":
            window = (t - p.get("construction", t)) // QUARTER
            rule(
                int(a["window"]) == window,
                f"progress report for window {a['window']}, time says {window}",
            )
            rule(p.get("last_window", -1) < window, f"second report in window {window}")
            p["last_window"] = window
            p["windows_reported"] = p.get("windows_reported", 0) + 1
        elif n == "ProjectAccepted":
            rule(
                int(a["warrantyEndsAt"]) == t + WARRANTY,
                "warranty end is not acceptance + 730 days",
            )
            rule(
                int(a["commissionDeadline"]) == t + COMMISSION_WINDOW,
                "commission deadline is not acceptance + 183 days",
            )
            p["accepted"] = t
        elif n == "CommissionApplied":
            rule(
                t <= p.get("accepted", 0) + COMMISSION_WINDOW,
                "commissioning applied after acceptance + 183 days (art. 23)",
            )
            p["applied"] = t
        elif n == "ProjectCommissioned":
            p["operation"] = t
        elif n == "SelfEvaluationSubmitted":
            op = p.get("operation", 0)
            rule(
                op + SELF_EVAL[0] <= t <= op + SELF_EVAL[1],
                "self-evaluation outside 12-15 months of operation (art. 30)",
            )
            p["self_evaluated"] = t
        elif n == "ProjectTerminated":
            p["terminated"] = t
        elif n == "EvaluationReported":
            due = int(a["rectificationDueAt"])
            onchain, arrangement = self._rectification_due(ev, t)
            rule(
                due == onchain,
                f"rectification due {due}, want 60 working days by the calendar on chain = "
                + (str(onchain) if onchain >= 0 else "none (calendar not recorded)"),
            )
            if arrangement is not None and arrangement != due:
                self.find(
                    "time",
                    f"rectification due {due}: by the State Council's holiday arrangement "
                    f"({self._arrangement_source(t)}) 60 working days end at {arrangement}; the "
                    "calendar recorded on chain differs (art. 31)",
                    ev,
                )
            if "rectification_due" in p and not p.get("plan") and t > p["rectification_due"]:
                p["plans_missed"] = p.get("plans_missed", 0) + 1  # the previous report's
            p["rectification_due"], p["plan"] = due, 0
        elif n == "RectificationPlanSubmitted":
            rule("rectification_due" in p, "rectification plan without an evaluation report")
            rule(not p.get("plan"), "second rectification plan for one report")
            rule(
                t <= p.get("rectification_due", 0),
                "rectification plan after 60 working days of the report (art. 31)",
            )
            p["plan"] = 1

    def _omissions(self, p: dict[str, int], now: int) -> None:
        """What a deadline required and never came, as of the head block (notices, like a missed
        progress report: the chain refuses the late act, nothing records its absence). A
        termination before the deadline ends the obligation."""
        terminated = p.get("terminated")

        def passed(deadline: int) -> bool:
            return now > deadline and (terminated is None or terminated > deadline)

        def day(ts: int) -> str:
            return workdays.day_date(workdays.beijing_day(ts)).isoformat()

        if "accepted" in p and not p.get("applied"):
            closed = p["accepted"] + COMMISSION_WINDOW
            if passed(closed):
                self.find(
                    "time",
                    f"no commissioning application within 183 days of acceptance: the window "
                    f"closed {day(closed)} (art. 23)",
                    notice=True,
                )
        if "operation" in p and not p.get("self_evaluated"):
            closed = p["operation"] + SELF_EVAL[1]
            if passed(closed):
                self.find(
                    "time",
                    f"no performance self-evaluation within 12-15 months of operation: the window "
                    f"closed {day(closed)} (art. 30)",
                    notice=True,
                )
        missed = p.get("plans_missed", 0)
        if "rectification_due" in p and not p.get("plan") and passed(p["rectification_due"]):
            missed += 1
        if missed:
            self.find(
                "time",
                f"{missed} rectification plan(s) not submitted within 60 working days of the "
                "evaluation report (art. 31)",
                notice=True,
            )

    def _rectification_due(self, ev: LedgerEvent, t: int) -> tuple[int, int | None]:
        """The deadline of the report ``ev`` (at ``t``) by the calendar words recorded before it
        (replayed from the ``WorkCalendarSet`` events, so a node without old state answers too),
        and by ``chinese_calendar`` when it knows every day counted (else None)."""
        if self._calendar_events is None:
            self._calendar_events = [
                e
                for e in self.ledger.logs(
                    contracts=["ProjectLibrary"],
                    topics=[self.ledger.library.events.WorkCalendarSet().topic],
                )
                if e.name == "WorkCalendarSet"
            ]
        words: dict[int, int] = {}
        for e in self._calendar_events:
            if (e.block_number, e.log_index) < (ev.block_number, ev.log_index):
                words[int(e.args["wordIndex"])] = int(e.args["workdays"])

        def recorded(day: date) -> bool:
            d = (day - workdays.EPOCH).days
            bits = words.get(workdays.word_index(d), 0)
            if not bits:
                raise LookupError(day)
            return bool(bits >> (d % workdays.WORD_DAYS) & 1)

        try:
            onchain = workdays.rectification_due(t, recorded)
        except LookupError:  # the contract could not have computed the deadline
            return -1, None
        try:
            return onchain, workdays.rectification_due(t, self._published_workday)
        except workdays.CalendarUnknown:  # a year neither the package nor a file knows
            return onchain, None

    def _published_workday(self, day: date) -> bool:
        """The State Council's arrangement: the file given for ``day``'s year, else the
        ``chinese_calendar`` package; :class:`~chain_client.workdays.CalendarUnknown` for a year
        neither knows."""
        arrangement = self.arrangements.get(day.year)
        if arrangement is not None:
            return arrangement.is_workday(day)
        if not workdays.known(day):
            raise workdays.CalendarUnknown(day)
        return workdays.is_workday(day)

    def _arrangement_source(self, t: int) -> str:
        year = workdays.day_date(workdays.beijing_day(t)).year
        years = sorted(y for y in self.arrangements if y >= year)
        if not years:
            return "chinese_calendar"
        return "chinese_calendar and the arrangement file(s) for " + ", ".join(map(str, years))

    @staticmethod
    def _where(ev: LedgerEvent) -> str:
        a = ev.args
        kind = CatalogKind(int(a["kind"]))
        return f"{ev.name} {kind.key} v{int(a['version'])} (digest {bytes(a['digest']).hex()})"

    def _anchor(self, ev: LedgerEvent) -> None:
        """The record of an anchored version (``CatalogAnchored`` or its restatement)."""
        a = ev.args
        self.checked["anchor"] += 1
        kind = CatalogKind(int(a["kind"]))
        digest, root, count = bytes(a["digest"]), bytes(a["merkleRoot"]), int(a["resourceCount"])
        version = int(a["version"])
        where = f"{kind.key} v{version} (digest {digest.hex()})"
        if ev.name == RESTATED:
            self.find(
                "anchor",
                f"{where}: its {ANCHORED} is in no block; restated at block {ev.block_number}",
                ev,
                notice=True,
            )
        if not self.ledger.is_anchored(self.code, kind, version, digest, root, count):
            self.find("anchor", f"{where}: isAnchored is false on chain", ev)
        path, cat = self._catalog(digest)
        if path is None:
            self.find("anchor", f"{where}: document missing from {self.documents}", ev)
            return
        if not isinstance(cat, catalog.Catalog):
            self.find("anchor", f"{where}: {path.name} is not a valid catalog: {cat}", ev)
            return
        for name, want, got in (
            ("digest", digest.hex(), cat.digest.hex()),
            ("merkle_root", root.hex(), cat.merkle_root.hex()),
            ("resource_count", str(count), str(cat.resource_count)),
            ("project_code", self.code, cat.project_code),
            ("kind", kind.key, cat.kind.value),
            ("version", str(version), str(cat.version)),
        ):
            if want != got:
                self.find(
                    "anchor", f"{where}: document {path.name} {name} {got}, anchored {want}", ev
                )

    def _document(self, ev: LedgerEvent, value: Any) -> None:
        if isinstance(value, bytes | bytearray):
            digest = bytes(value)
        else:
            digest = bytes.fromhex(str(value).removeprefix("0x"))
        path = _find(self.documents, digest)
        if path is None:
            self.find(
                "document",
                f"{ev.name} document {digest.hex()} not in {self.documents}",
                ev,
                notice=True,
            )
            return
        self.checked["document"] += 1
        got = sm_crypto.sm3(path.read_bytes())
        if got != digest:
            self.find(
                "document",
                f"{path.name}: SM3 is {got.hex()}, the ledger recorded {digest.hex()}",
                ev,
            )


def _find(directory: Path, digest: bytes) -> Path | None:
    exact = directory / digest.hex()
    if exact.is_file():
        return exact
    if directory.is_dir():
        for path in sorted(directory.glob(digest.hex() + ".*")):
            if path.is_file():
                return path
    return None


def audit_project(
    ledger: Ledger,
    code: str,
    documents: Path,
    *,
    arrangements: Iterable[workdays.Arrangement] = (),
) -> AuditReport:
    """Audit project ``code`` (module docstring); ``documents`` holds ``<digest>[.ext]`` files.

    ``arrangements``: published holiday arrangements (:func:`~chain_client.workdays.
    read_arrangement`) for years ``chinese_calendar`` does not know, so the rectification
    deadlines of those years are cross-checked too."""
    return _Audit(ledger, code, Path(documents), arrangements).run()
