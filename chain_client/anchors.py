"""What "anchored once" means in the event history: one rule for every reader.

An anchor writes its commitment to storage and emits ``CatalogAnchored``. A node that lost the
block of an anchoring transaction but kept its storage (anvil restored from a ``--state`` dump
taken while that block was being mined) has the anchor without its event; the unit then calls
``restateAnchors``, which checks the stored commitment and emits ``CatalogAnchorRestated`` with the
same fields. The index (``api.index``), the audits (``api.audit``, ``pipeline.audit_anchors``),
the pipeline's re-verify and the fault tests read the history through :func:`judge` and
:func:`classify`, so they agree. Per (project, kind, version), in chain order:

* the **record** is the first ``CatalogAnchored``; with none, the first ``CatalogAnchorRestated``;
* a further ``CatalogAnchored`` with the record's (digest, root, count) is a **duplicate** (a
  second anchor: a finding);
* any event of either name with another (digest, root, count) is a **conflict** (a finding; it
  never replaces the record, so a restatement cannot hide a real conflicting anchor, nor the
  other way round);
* a ``CatalogAnchorRestated`` with the record's fields beside the record is **redundant** (a
  repeat, never a second anchor: a notice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .ledger import LedgerEvent

__all__ = [
    "ANCHORED",
    "ANCHOR_EVENTS",
    "RESTATED",
    "AnchorHistory",
    "Verdict",
    "anchor_key",
    "classify",
    "commitment",
    "judge",
]

ANCHORED = "CatalogAnchored"
RESTATED = "CatalogAnchorRestated"
ANCHOR_EVENTS = (ANCHORED, RESTATED)

#: what an anchor event is, given what the history already holds for its version
Verdict = Literal["record", "supersede", "duplicate", "conflict", "redundant"]
Commitment = tuple[bytes, bytes, int]
Key = tuple[bytes, int, int]


def commitment(args: dict[str, Any]) -> Commitment:
    """(digest, merkle root, resource count) of an anchor event's decoded arguments."""
    return bytes(args["digest"]), bytes(args["merkleRoot"]), int(args["resourceCount"])


def anchor_key(args: dict[str, Any]) -> Key:
    """(code as bytes32, kind, version) of an anchor event's decoded arguments."""
    return bytes(args["code"]), int(args["kind"]), int(args["version"])


def judge(record: tuple[str, Commitment] | None, name: str, fields: Commitment) -> Verdict:
    """The verdict on an anchor event ``name`` with ``fields`` when its version's record so far
    is ``record`` (event name and fields, or None). ``supersede``: a ``CatalogAnchored`` after a
    restatement of the same fields (impossible on a consistent chain) becomes the record and the
    restatement redundant."""
    if name not in ANCHOR_EVENTS:
        raise ValueError(f"{name} is not an anchor event")
    if record is None:
        return "record"
    if fields != record[1]:
        return "conflict"
    if name == RESTATED:
        return "redundant"
    return "duplicate" if record[0] == ANCHORED else "supersede"


@dataclass
class AnchorHistory:
    """The anchor events of a history, judged (module docstring)."""

    records: dict[Key, LedgerEvent] = field(default_factory=dict)
    duplicates: list[LedgerEvent] = field(default_factory=list)
    #: (the record, the event that disagrees with it)
    conflicts: list[tuple[LedgerEvent, LedgerEvent]] = field(default_factory=list)
    redundant: list[LedgerEvent] = field(default_factory=list)

    @property
    def restated(self) -> list[LedgerEvent]:
        """Records that are restatements (their ``CatalogAnchored`` is in no block)."""
        return [e for e in self.records.values() if e.name == RESTATED]

    def record(self, code: bytes, kind: int, version: int) -> LedgerEvent | None:
        return self.records.get((code, kind, version))

    def has_record(
        self, code: bytes, kind: int, version: int, digest: bytes, root: bytes, count: int
    ) -> bool:
        """True iff the version's record carries exactly these fields."""
        found = self.records.get((code, kind, version))
        return found is not None and commitment(found.args) == (digest, root, count)


def classify(events: Iterable[LedgerEvent]) -> AnchorHistory:
    """Judge the anchor events among ``events`` (others are ignored), taken in chain order."""
    out = AnchorHistory()
    ordered = sorted(
        (e for e in events if e.name in ANCHOR_EVENTS), key=lambda e: (e.block_number, e.log_index)
    )
    for ev in ordered:
        key = anchor_key(ev.args)
        current = out.records.get(key)
        verdict = judge(
            None if current is None else (current.name, commitment(current.args)),
            ev.name,
            commitment(ev.args),
        )
        if verdict == "record":
            out.records[key] = ev
        elif verdict == "supersede":
            assert current is not None
            out.redundant.append(current)
            out.records[key] = ev
        elif verdict == "duplicate":
            out.duplicates.append(ev)
        elif verdict == "conflict":
            assert current is not None
            out.conflicts.append((current, ev))
        else:
            out.redundant.append(ev)
    return out
