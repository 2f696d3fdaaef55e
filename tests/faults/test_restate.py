"""An anchor in storage whose block the node lost (anvil restored from a state dump taken while
that block was being mined): the audits see it as lost, the pipeline restates it once, and then
every reader — ``audit_exactly_once``, ``audit_anchors``, ``mulu audit`` — finds exactly one
record per version."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.audit import audit_project
from catalog import load_catalog
from chain_client.anchors import ANCHORED, RESTATED, classify
from chain_client.journal import Journal, JournalEntry
from chain_client.ledger import LedgerEvent
from chain_client.pipeline import AnchorPipeline, audit_anchors
from chain_client.types import CatalogKind, encode_code

from .conftest import FaultWorld, anchor_without_event, audit_exactly_once

CODE = encode_code("BJ-2026-0001")


def _event(name: str, version: int, digest: bytes, block: int, log: int = 0) -> LedgerEvent:
    args = {
        "code": CODE,
        "kind": 0,
        "version": version,
        "digest": digest,
        "merkleRoot": b"\x01" * 32,
        "resourceCount": 3,
        "submitter": "0x" + "22" * 20,
    }
    return LedgerEvent(name, "CatalogLedger", block, f"0x{block:064x}", log, args)


A, B = b"\xaa" * 32, b"\xbb" * 32


def test_one_record_per_version_and_nothing_hidden() -> None:
    # the usual history, and a version whose only record is its restatement
    h = classify([_event(ANCHORED, 1, A, 10), _event(RESTATED, 2, B, 12)])
    assert {k[2]: e.name for k, e in h.records.items()} == {1: ANCHORED, 2: RESTATED}
    assert [e.block_number for e in h.restated] == [12]
    assert h.has_record(CODE, 0, 2, B, b"\x01" * 32, 3)
    assert not h.has_record(CODE, 0, 2, A, b"\x01" * 32, 3)
    assert not (h.duplicates or h.conflicts or h.redundant)
    # a restatement beside its CatalogAnchored is a repeat, not a second anchor
    h = classify([_event(RESTATED, 1, A, 20), _event(ANCHORED, 1, A, 10)])
    assert h.records[(CODE, 0, 1)].name == ANCHORED
    assert [e.block_number for e in h.redundant] == [20] and not h.duplicates
    # ... also in the impossible order: the anchor, not the restatement, is the record
    h = classify([_event(RESTATED, 1, A, 10), _event(ANCHORED, 1, A, 20)])
    assert h.records[(CODE, 0, 1)].name == ANCHORED and len(h.redundant) == 1
    # a second anchor is a duplicate
    h = classify([_event(ANCHORED, 1, A, 10), _event(ANCHORED, 1, A, 11)])
    assert [e.block_number for e in h.duplicates] == [11]
    # a restatement cannot hide a conflicting anchor, nor replace the record
    for first, second in ((ANCHORED, RESTATED), (RESTATED, ANCHORED), (ANCHORED, ANCHORED)):
        h = classify([_event(first, 1, A, 10), _event(second, 1, B, 11)])
        assert h.records[(CODE, 0, 1)].args["digest"] == A
        assert [(r.block_number, o.block_number) for r, o in h.conflicts] == [(10, 11)]
        assert not h.redundant and not h.duplicates


@pytest.mark.anvil
def test_anchors_without_their_event_are_restated_once(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    ledger, unit = fault_world.ledger, fault_world.unit
    codes = fault_world.create_projects(2)
    paths = fault_world.write_catalogs(tmp_path / "cats", codes, 3)
    cats = [load_catalog(p.read_bytes()) for p in paths]
    lost = cats[:2]  # v1 and v2 of the first project: in storage, their block gone
    for cat in lost:
        anchor_without_event(
            ledger,
            unit,
            cat.project_code,
            "declared",
            cat.version,
            cat.digest,
            cat.merkle_root,
            cat.resource_count,
        )
    with pytest.raises(AssertionError, match="2 catalogs lost"):
        audit_exactly_once(ledger, paths[:2])
    # a journal that saw them confirmed (the receipts came before the node lost the block)
    journal = Journal(tmp_path / "journal.sqlite")
    journal.plan(
        JournalEntry(
            c.digest, c.project_code, 0, c.version, c.merkle_root, c.resource_count, str(p), ""
        )
        for c, p in zip(lost, paths, strict=False)
    )
    journal.mark_confirmed([c.digest for c in lost], None, None)
    before = audit_anchors(ledger, journal, workers=1)
    assert [why for _, why in before.failures] == [
        "anchored in storage, but no anchor event records it"
    ] * 2

    messages: list[str] = []
    report = AnchorPipeline(ledger, unit, journal, batch_size=3, log=messages.append).run(paths)
    assert {i.digest for i in report.skipped} == {c.digest for c in lost}
    assert {i.digest for i in report.restated} == {c.digest for c in lost}
    assert len(report.anchored) == 4 and not report.refused
    assert any("restating them" in m for m in messages), messages
    history = audit_exactly_once(ledger, paths)
    assert {bytes(e.args["digest"]) for e in history.restated} == {c.digest for c in lost}
    assert audit_anchors(ledger, journal, workers=1).ok
    # a second run finds every record: it sends and restates nothing
    again = AnchorPipeline(ledger, unit, journal, batch_size=3).run(paths)
    assert (len(again.anchored), len(again.skipped), len(again.restated), again.transactions) == (
        0,
        6,
        0,
        0,
    )

    # `mulu audit`: the restated record is audited as the anchor (documents, isAnchored) and
    # named in a notice; nothing is a finding
    documents = tmp_path / "documents"
    documents.mkdir()
    for cat in cats:
        (documents / f"{cat.digest.hex()}.json").write_bytes(cat.canonical)
    code = codes[0]
    report_a = audit_project(ledger, code, documents)
    assert report_a.clean, report_a.findings
    assert report_a.anchors == 3 and report_a.checked["anchor"] == 3
    restated_notices = [n for n in report_a.notices if "restated at block" in n.message]
    assert len(restated_notices) == 2

    # restating again is a redundant repeat: a notice for the audit, a failure for the strict
    # exactly-once check (the pipeline must never restate what has a record)
    v1 = lost[0]
    ledger.restate_anchors(
        unit, [(code, "declared", 1, v1.digest, v1.merkle_root, v1.resource_count)]
    )
    report_b = audit_project(ledger, code, documents)
    assert report_b.clean, report_b.findings
    assert any("beside its record" in n.message for n in report_b.notices)
    with pytest.raises(AssertionError, match="more than one anchor event per digest"):
        audit_exactly_once(ledger, paths)


@pytest.mark.anvil
def test_the_audit_names_a_conflict_beside_a_restated_record(
    fault_world: FaultWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contract refuses a conflicting anchor; the audit must still name one if a history
    held it (here injected), and not let the restated record hide it."""
    ledger, unit = fault_world.ledger, fault_world.unit
    (code,) = fault_world.create_projects(1)
    (path,) = fault_world.write_catalogs(tmp_path / "cats", [code], 1)
    cat = load_catalog(path.read_bytes())
    args = ("declared", 1, cat.digest, cat.merkle_root, cat.resource_count)
    anchor_without_event(ledger, unit, code, *args)
    restated = ledger.restate_anchors(unit, [(code, *args)]).event(RESTATED)
    forged = LedgerEvent(
        ANCHORED,
        "CatalogLedger",
        restated.block_number,
        restated.tx_hash,
        restated.log_index + 1,
        {**restated.args, "digest": b"\x07" * 32},
    )
    real = ledger.history
    monkeypatch.setattr(ledger, "history", lambda c: [*real(c), forged])
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / f"{cat.digest.hex()}.json").write_bytes(cat.canonical)
    report = audit_project(ledger, code, tmp_path / "docs")
    assert [f.check for f in report.findings] == ["anchor"]
    assert "conflict" in report.findings[0].message and report.anchors == 1


def test_kind_is_part_of_the_record_key() -> None:
    declared = _event(ANCHORED, 1, A, 10)
    acceptance = LedgerEvent(
        ANCHORED,
        "CatalogLedger",
        11,
        "0x" + "11" * 32,
        0,
        {**declared.args, "kind": int(CatalogKind.ACCEPTANCE), "digest": B},
    )
    h = classify([declared, acceptance])
    assert len(h.records) == 2 and not h.conflicts
