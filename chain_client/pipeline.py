"""Anchor many catalogs exactly once: parallel preparation, batches, many transactions in flight.

::

    files ──► prepare (2 processes: parse, validate, canonical bytes, SM3 digest, Merkle root;
          │            paths in, six small values out), overlapped with everything below:
          │            the catalogs ready are sent in segments while the rest is prepared
          ──► journal: planned                      ($MULU_HOME/journal/anchors.sqlite)
          ──► reconcile with the chain              (isAnchored per catalog, one JSON-RPC batch)
          ──► waves of anchorBatch transactions     (versions of one (project, kind) in order)
                sent under a gas bound without a dry run; a batch whose transaction failed
                (nothing changed) gets dry runs (eth_estimateGas, the wave's in one JSON-RPC
                batch; ``always_dry_run`` for every batch): a refusal → the first failing prefix
                names the refused catalog, typed; the rest goes on; a batch bigger than a block
                is halved
                [SM2 signature over the batch root, an inclusion proof per catalog]
          ──► journal: sent (tx hash, nonce, proof) (one durable SQLite transaction per wave,
                                                     written before the transactions leave)
          ──► flights of transactions that fit one block, each in one JSON-RPC batch,
              consecutive nonces (an automining node leaves what does not fit a block pending)
          ──► receipts polled in JSON-RPC batches   ──► journal: confirmed (block)
          ──► after the last segment: every catalog of the run re-checked in storage
                (isAnchored) and in the event history (its CatalogAnchored, eth_getLogs by
                project); one in storage without an event is restated (restateAnchors)

Calldata is encoded here (:class:`CalldataEncoder`, byte for byte what web3 gives): web3's generic
encoder cost more CPU than the rest of the pipeline's own work together.

Exactly once: a catalog is sent only when the chain says it is not anchored and no transaction of
ours that carries it is still pending; after any failure (:class:`ChainUnavailable`, a dropped
transaction, a node restarted from a snapshot) the pipeline backs off, re-checks every catalog
not yet seen confirmed against the chain, and resends only what is missing. The contract's
idempotence (an identical re-anchor is a no-op) is a second line, not relied upon.

Recorded, too: the index and the audits read anchors from the event history
(:mod:`chain_client.anchors`). anvil restored from a ``--state`` dump taken while a block was
being mined keeps that block's storage but not the block, so an anchor can be in storage with no
``CatalogAnchored`` anywhere (re-anchoring it is a no-op that emits nothing). The final re-verify
finds such anchors and restates them (``restateAnchors``: the contract checks the stored
commitment and emits ``CatalogAnchorRestated``), and verifies again, until every catalog of the
run is in storage and has exactly its record in the history.

Fees: each wave is priced from the latest block (:meth:`Chain.fees`: EIP-1559 ``maxFeePerGas`` =
2 × base fee + tip, or a legacy ``eth_gasPrice``, 0 on free-gas networks). A node that refuses
transactions for their fee (the base fee rose past the wave's cap under load) raises
:class:`chain_client.chain.FeeTooLow` from the flight, after the accepted transactions' receipts:
not an outage (no back-off, no retry counted); the next round reconciles and prices the rest from
the latest block (``PipelineReport.repriced``; :data:`MAX_REPRICE` refusals in a row with nothing
confirmed give up with FeeTooLow). Limit: a transaction the node already pooled is not replaced
at its nonce with a higher fee; on a node with ``--block-time`` one that the base fee outprices
after it was pooled waits there, and reconcile waits for it (``receipt_timeout``, then retried as
ChainUnavailable) until the base fee falls back under its cap.

One run per journal: a run holds the journal's lock (:meth:`Journal.exclusive`) throughout, and a
second one fails at once with :class:`chain_client.journal.JournalBusy`.

Errors: a catalog that does not load is refused with its :class:`catalog.CatalogError`; one the
contract refuses, with the typed contract error (``chain_client.errors.ProjectNotUnit`` ...).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, cast

from eth_account.signers.local import LocalAccount

import sm_crypto
from catalog import MerkleTree, root_from_inclusion_proof
from catalog._merkle import SM3_HASHER
from mulu.errors import ChainUnavailable, InvalidInput, MuluError
from mulu.files import write_atomic

from .anchors import ANCHOR_EVENTS, AnchorHistory, anchor_key, classify
from .chain import FeeTooLow, is_fee_refusal
from .errors import ContractError
from .journal import (
    BatchSignature,
    Journal,
    JournalEntry,
    SentBatch,
    proof_from_json,
    proof_to_json,
)
from .ledger import LOG_CHUNK, Ledger, LedgerEvent
from .types import CatalogKind, encode_code

__all__ = [
    "AnchorItem",
    "AnchorPipeline",
    "AuditReport",
    "CatalogUnloadable",
    "PipelineReport",
    "Preparation",
    "Refusal",
    "audit_anchors",
    "batch_message",
    "prepare",
]

#: purpose string of the SM2 signature over a batch root
BATCH_PURPOSE = b"mulu/anchor-batch/v1\0"
#: JSON-RPC calls per HTTP request
RPC_CHUNK = 500
DEFAULT_BATCH = 100
#: gas limit of a batch sent without a dry run: measured ~29.5k per catalog with 10 versions of a
#: project in a batch, ~38k with one; too little only makes the transaction fail (nothing
#: changes) and its catalogs go through the dry run
GAS_BOUND_BASE, GAS_BOUND_PER_CATALOG = 60_000, 45_000
#: full passes (send everything, verify everything) before giving up on a node that keeps losing state
MAX_ROUNDS = 5
#: fee refusals in a row (nothing confirmed in between) before the run gives up with FeeTooLow
MAX_REPRICE = 20
#: catalogs per ``areAnchored`` call (~5k gas each in the node's eth_call)
ARE_ANCHORED_CHUNK = 500
#: projects per eth_getLogs filter (an OR list of code topics) when the re-verify reads the history
LOG_CODES = 100


@dataclass(frozen=True)
class AnchorItem:
    """One catalog ready to anchor: the six values ``anchor`` takes, and where it came from."""

    source: str
    code: str
    kind: CatalogKind
    version: int
    digest: bytes
    root: bytes
    count: int

    @property
    def group(self) -> tuple[str, int]:
        return (self.code, int(self.kind))

    @cached_property
    def words(self) -> bytes:
        """The six ABI words of ``isAnchored``'s arguments and of an ``AnchorInput``, encoded
        once (a run puts each item in three calls: reconcile, ``anchorBatch``, re-verify)."""
        return _item_words(self)

    def call_args(self) -> tuple[bytes, int, int, bytes, bytes, int]:
        return (
            encode_code(self.code),
            int(self.kind),
            self.version,
            self.digest,
            self.root,
            self.count,
        )

    def leaf(self) -> bytes:
        """The anchor commitment as a batch-tree leaf: code‖kind‖version‖digest‖root‖count."""
        return (
            encode_code(self.code)
            + bytes([int(self.kind)])
            + self.version.to_bytes(4, "big")
            + self.digest
            + self.root
            + self.count.to_bytes(4, "big")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "project_code": self.code,
            "kind": self.kind.key,
            "version": self.version,
            "digest": self.digest.hex(),
            "merkle_root": self.root.hex(),
            "resource_count": self.count,
        }

    @classmethod
    def from_entry(cls, e: JournalEntry) -> AnchorItem:
        return cls(e.source, e.code, CatalogKind(e.kind), e.version, e.digest, e.root, e.count)


# -- calldata (hand-encoded: web3's generic ABI encoder costs ~3 ms per isAnchored call and
# ~0.3 s per 100-item anchorBatch, more than the node takes to execute them) -------------------

#: the six static words of ``isAnchored`` and of an ``AnchorInput`` tuple, in ABI order
ANCHOR_WORDS = ("bytes32", "uint8", "uint32", "bytes32", "bytes32", "uint32")
_UINT_BITS = {"uint8": 8, "uint32": 32}


def _word(value: int, bits: int) -> bytes:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{value} does not fit uint{bits}")
    return value.to_bytes(32, "big")


def _item_words(item: AnchorItem) -> bytes:
    code, kind, version, digest, root, count = item.call_args()
    if len(code) != 32 or len(digest) != 32 or len(root) != 32:
        raise ValueError("code, digest and root are 32 bytes each")
    return code + _word(kind, 8) + _word(version, 32) + digest + root + _word(count, 32)


class CalldataEncoder:
    """``isAnchored``, ``areAnchored`` and ``anchorBatch`` calldata for the ledger contract,
    byte for byte what web3's encoder gives (checked against it in the tests), with the selectors
    taken from the contract's ABI. If the ABI no longer has the expected shape, web3's encoder is
    used; a ledger without ``areAnchored`` (deployed before it) is asked one ``isAnchored`` each."""

    def __init__(self, contract: Any) -> None:
        self.contract = contract
        self._is_anchored = self._selector("isAnchored", list(ANCHOR_WORDS))
        self._batch = self._selector("anchorBatch", [f"({','.join(ANCHOR_WORDS)})[]"])
        self._are_anchored = self._selector("areAnchored", [f"({','.join(ANCHOR_WORDS)})[]"])
        self.has_are_anchored = any(
            e.get("type") == "function" and e.get("name") == "areAnchored" for e in contract.abi
        )

    def _selector(self, name: str, expected: list[str]) -> bytes | None:
        from eth_utils.abi import function_signature_to_4byte_selector
        from web3._utils.abi import get_abi_input_types  # type: ignore[attr-defined]

        for entry in self.contract.abi:
            if entry.get("type") == "function" and entry.get("name") == name:
                try:
                    types = list(get_abi_input_types(entry))
                except Exception:  # noqa: BLE001 (any surprise: fall back to web3)
                    return None
                if types == expected:
                    return bytes(function_signature_to_4byte_selector(f"{name}({','.join(types)})"))
        return None

    def is_anchored(self, item: AnchorItem) -> bytes:
        if self._is_anchored is None:
            return bytes.fromhex(
                self.contract.encode_abi("isAnchored", args=list(item.call_args()))[2:]
            )
        return self._is_anchored + item.words

    def anchor_batch(self, items: Sequence[AnchorItem]) -> bytes:
        return self._items_call("anchorBatch", self._batch, items)

    def are_anchored(self, items: Sequence[AnchorItem]) -> bytes:
        return self._items_call("areAnchored", self._are_anchored, items)

    def _items_call(self, name: str, selector: bytes | None, items: Sequence[AnchorItem]) -> bytes:
        if selector is None:
            return bytes.fromhex(
                self.contract.encode_abi(name, args=[[i.call_args() for i in items]])[2:]
            )
        return b"".join(
            [selector, _word(32, 256), _word(len(items), 256), *(i.words for i in items)]
        )

    @staticmethod
    def decode_bools(result: str, count: int) -> list[bool]:
        """``areAnchored``'s answer (hex, ABI ``bool[]``) for ``count`` items; ValueError unless it
        is exactly that: offset 32, length ``count``, each word 0 or 1."""
        data = bytes.fromhex(result[2:] if result.startswith("0x") else result)
        if len(data) != 64 + 32 * count:
            raise ValueError(f"{len(data)} bytes for {count} answers")
        if int.from_bytes(data[:32], "big") != 32 or int.from_bytes(data[32:64], "big") != count:
            raise ValueError("not a bool[] of the items' length")
        words = [int.from_bytes(data[k : k + 32], "big") for k in range(64, len(data), 32)]
        if any(w > 1 for w in words):
            raise ValueError("a word that is not a bool")
        return [w == 1 for w in words]


@dataclass(frozen=True)
class Refusal:
    """A catalog not anchored, and why (a typed error)."""

    source: str
    error: MuluError
    item: AnchorItem | None = None

    def to_json(self) -> dict[str, Any]:
        name = getattr(self.error, "error_name", type(self.error).__name__)
        return {
            "source": self.source,
            "error": name,
            "reason": str(self.error),
            **({"digest": self.item.digest.hex()} if self.item else {}),
        }


@dataclass
class PipelineReport:
    anchored: list[AnchorItem] = field(default_factory=list)
    skipped: list[AnchorItem] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    #: anchored (or skipped) catalogs found in storage without their event, and restated
    restated: list[AnchorItem] = field(default_factory=list)
    transactions: int = 0
    gas_used: int = 0
    retries: int = 0
    #: times the node refused transactions for their fee and the rest was priced again
    repriced: int = 0
    seconds: float = 0.0
    #: wall seconds of this process per stage (``waiting_for_preparation``, ``journal``,
    #: ``reconcile``, ``dry_run``, ``sign``, ``send_and_receipts``, ``verify``)
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - started

    def to_json(self) -> dict[str, Any]:
        return {
            "anchored": len(self.anchored),
            "skipped_already_anchored": len(self.skipped),
            "refused": [r.to_json() for r in self.refused],
            "restated": len(self.restated),
            "transactions": self.transactions,
            "gas_used": self.gas_used,
            "gas_per_catalog": self.gas_used / len(self.anchored) if self.anchored else None,
            "retries": self.retries,
            "repriced": self.repriced,
            "seconds": round(self.seconds, 3),
        }


class CatalogUnloadable(InvalidInput):
    """A source that is not a valid catalog; ``error_name`` names the original error
    (``CatalogInvalid``, ``CatalogTooLarge``, ``OSError`` ...)."""

    def __init__(self, error_name: str, message: str) -> None:
        self.error_name = error_name
        super().__init__(f"{error_name}: {message}")


# -- preparation (CPU, in worker processes) -----------------------------------------------------


def _load_one(source: str | bytes, store: str | None = None) -> tuple[str, Any]:
    """Worker: one file (path) or document (bytes) → anchor values, or the typed error.

    With ``store``, the canonical document is kept there as ``<digest hex>.json`` (the layout of
    the CLI's document store: named by SM3 of the canonical bytes; a copy that is not these
    bytes is replaced)."""
    import catalog

    name = "<bytes>" if isinstance(source, bytes) else str(source)
    try:
        data = source if isinstance(source, bytes) else catalog.read_limited(source)
        cat = catalog.load_catalog(data)
        kind = CatalogKind.parse(cat.kind.value)
        encode_code(cat.project_code)
        if store is not None:
            path = Path(store) / (cat.digest.hex() + ".json")
            try:
                intact = path.read_bytes() == cat.canonical
            except FileNotFoundError:
                intact = False
            if not intact:
                # atomic, not fsynced (an fsync per catalog would halve a batch's pace): a
                # crash can leave an empty or torn copy, replaced here (and by the CLI's and
                # the API's stores, which check each copy's SM3) when the document is given
                # again; the source file stays the agency's
                write_atomic(path, cat.canonical, durable=False)
        return name, (
            cat.project_code,
            int(kind),
            cat.version,
            cat.digest,
            cat.merkle_root,
            cat.resource_count,
        )
    except MuluError as exc:  # sent back as text: not every error class survives pickling
        return name, ("error", type(exc).__name__, str(exc))
    except OSError as exc:
        return name, ("error", "OSError", f"cannot read {name}: {exc.strerror or exc}")


def _load_many(sources: list[str | bytes], store: str | None) -> list[tuple[str, Any]]:
    """Worker: :func:`_load_one` of each source, in order (one task per chunk of sources)."""
    return [_load_one(s, store) for s in sources]


class Preparation:
    """Sources being prepared in ``workers`` processes: the work starts when this is built
    (so the caller can talk to the node meanwhile); iterate for ``(AnchorItem | Refusal)`` in
    input order, as they are ready, or :meth:`take` what is ready without waiting. Workers get
    paths (or the documents given as bytes), a chunk at a time, and send back only the six anchor
    values."""

    def __init__(
        self,
        sources: Iterable[str | Path | bytes],
        *,
        workers: int = 2,
        store: Path | None = None,
    ) -> None:
        srcs = [s if isinstance(s, bytes) else str(s) for s in sources]
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        kept = str(store) if store is not None else None
        self._pool: ProcessPoolExecutor | None = None
        self._inline: Iterator[tuple[str, Any]] | None = None
        self._chunks: deque[Future[list[tuple[str, Any]]]] = deque()
        if workers <= 1 or len(srcs) < 8:
            self._inline = map(partial(_load_one, store=kept), srcs)
        else:
            chunk = max(1, min(16, len(srcs) // (workers * 8)))
            self._pool = ProcessPoolExecutor(workers)
            self._chunks.extend(
                self._pool.submit(_load_many, srcs[k : k + chunk], kept)
                for k in range(0, len(srcs), chunk)
            )

    @staticmethod
    def _out(name: str, result: Any) -> AnchorItem | Refusal:
        if result[0] == "error":
            return Refusal(name, CatalogUnloadable(result[1], result[2]))
        code, kind, version, digest, root, count = result
        return AnchorItem(name, code, CatalogKind(kind), version, digest, root, count)

    def take(self, *, block: bool = True) -> list[AnchorItem | Refusal] | None:
        """The next results in input order: every one ready now (``block``: waiting for at least
        one; else possibly none), or None once all have been taken. Prepared in this process
        (one worker, few sources), one result per call."""
        if self._inline is not None:
            one = next(self._inline, None)
            return None if one is None else [self._out(*one)]
        if not self._chunks:
            return None
        if not block and not self._chunks[0].done():
            return []
        out = [self._out(*r) for r in self._chunks.popleft().result()]
        while self._chunks and self._chunks[0].done():
            out += (self._out(*r) for r in self._chunks.popleft().result())
        return out

    def __iter__(self) -> Iterator[AnchorItem | Refusal]:
        try:
            while (ready := self.take()) is not None:
                yield from ready
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
            self._chunks.clear()


def prepare(
    sources: Iterable[str | Path | bytes],
    *,
    workers: int = 2,
    store: Path | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> tuple[list[AnchorItem], list[Refusal]]:
    """Load every source in ``workers`` processes; catalogs and refusals, in input order.
    ``store``: a directory that keeps each canonical document by digest."""
    items: list[AnchorItem] = []
    refused: list[Refusal] = []
    for out in Preparation(sources, workers=workers, store=store):
        (refused if isinstance(out, Refusal) else items).append(out)  # type: ignore[arg-type]
        progress(1)
    return items, refused


def batch_message(chain_id: int, ledger_address: str, batch_root: bytes) -> bytes:
    """What the SM2 batch signature signs: purpose, chain id, ledger address, batch root."""
    return (
        BATCH_PURPOSE
        + chain_id.to_bytes(32, "big")
        + bytes.fromhex(ledger_address[2:])
        + batch_root
    )


# -- the pipeline -------------------------------------------------------------------------------


class AnchorPipeline:
    """Anchor catalogs through ``ledger`` as ``signer`` (the projects' unit), journalled.

    ``batch_size`` catalogs per ``anchorBatch`` (100 ≈ 3M gas; a batch bigger than a block is
    halved); ``sm2_key`` adds one SM2 signature per batch root, kept in the journal with each
    catalog's inclusion proof. Batches go out without a dry run until one fails on chain
    (``always_dry_run``: every batch first). :meth:`run` sends the catalogs in segments while the
    rest is still being prepared: whatever is ready when the last segment is done, at least
    ``min_segment`` (default: half a batch) and at most ``segment`` (default: two batches, at
    least 200). So the segment left when preparation ends, sent while the workers idle, is short.
    """

    def __init__(
        self,
        ledger: Ledger,
        signer: LocalAccount,
        journal: Journal,
        *,
        batch_size: int = DEFAULT_BATCH,
        sm2_key: sm_crypto.PrivateKey | None = None,
        workers: int = 2,
        max_retries: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        receipt_timeout: float = 60.0,
        segment: int | None = None,
        min_segment: int | None = None,
        always_dry_run: bool = False,
        progress: Callable[[str, int], None] = lambda _what, _n: None,
        log: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        if not 1 <= batch_size <= 1000:
            raise ValueError(f"batch size must be 1..1000, got {batch_size}")
        for name, value in (("segment", segment), ("min_segment", min_segment)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self.ledger = ledger
        self.chain = ledger.chain
        self.signer = signer
        self.journal = journal
        self.batch_size = batch_size
        self.sm2_key = sm2_key
        self.workers = workers
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.receipt_timeout = receipt_timeout
        self.progress = progress
        self.log = log
        self._address = ledger.catalogs.address
        self._encoder = CalldataEncoder(ledger.catalogs)
        self.segment = segment or max(2 * batch_size, 200)
        self.min_segment = min(self.segment, min_segment or max(1, batch_size // 2))
        self._hold: list[AnchorItem] | None = None
        self.always_dry_run = always_dry_run
        #: catalogs whose transaction failed: their batches get a dry run from now on
        self._suspect: set[bytes] = set()
        self._attempt = 0
        #: fee refusals since a transaction was last confirmed
        self._repriced = 0

    # -- entry points ------------------------------------------------------------------------

    def run(self, sources: Iterable[str | Path | bytes]) -> PipelineReport:
        """Prepare ``sources`` (files or documents) and anchor them, overlapped: while the
        workers prepare the next catalogs, the ones ready are sent in segments of
        ``segment`` catalogs. A version that arrives before its predecessor is held back (not
        refused) until the input is exhausted."""
        refused: list[Refusal] = []
        report = PipelineReport()

        def segments() -> Iterator[list[AnchorItem]]:
            segment: list[AnchorItem] = []
            prepared = Preparation(sources, workers=self.workers)
            try:
                while True:
                    with report.stage("waiting_for_preparation"):
                        ready = prepared.take(block=len(segment) < self.min_segment)
                    if ready is None:
                        break
                    if not ready:  # enough to send, and nothing more yet: send it meanwhile
                        yield segment
                        segment = []
                    for out in ready:
                        self.progress("prepared", 1)
                        if isinstance(out, Refusal):
                            refused.append(out)
                            continue
                        segment.append(out)
                        if len(segment) >= self.segment:
                            yield segment
                            segment = []
                yield segment
            finally:
                prepared.close()

        self._anchor_segments(segments(), report)
        report.refused[:0] = refused
        return report

    def anchor(self, items: Sequence[AnchorItem]) -> PipelineReport:
        """Anchor prepared catalogs (one segment)."""
        return self._anchor_segments(iter([list(items)]), PipelineReport())

    def _anchor_segments(
        self, segments: Iterator[list[AnchorItem]], report: PipelineReport
    ) -> PipelineReport:
        with self.journal.exclusive():  # one run per journal (JournalBusy otherwise)
            return self._anchor_segments_locked(segments, report)

    def _anchor_segments_locked(
        self, segments: Iterator[list[AnchorItem]], report: PipelineReport
    ) -> PipelineReport:
        started = time.perf_counter()
        seen: set[bytes] = set()
        held: list[AnchorItem] = []
        self._attempt = 0

        def plan(segment: list[AnchorItem]) -> list[AnchorItem]:
            unique = list({i.digest: i for i in segment if i.digest not in seen}.values())
            seen.update(i.digest for i in unique)
            if unique:
                with report.stage("journal"):
                    self.journal.plan(
                        JournalEntry(
                            i.digest,
                            i.code,
                            int(i.kind),
                            i.version,
                            i.root,
                            i.count,
                            i.source,
                            "planned",
                        )
                        for i in unique
                    )
            return unique

        try:
            for segment in segments:
                todo, held = held + plan(segment), []
                self._hold = held  # version gaps, while later input may still fill them
                self._drive(todo, report, verify=False)
            self._hold = None
            self._drive(held, report, verify=True)  # what was held, then every anchor re-checked
        except ChainUnavailable:
            # given up: the journal still records the whole job (the rest as planned)
            for segment in segments:
                plan(segment)
            raise
        skipped = {i.digest for i in report.skipped}
        report.anchored = [
            i for i in {i.digest: i for i in report.anchored}.values() if i.digest not in skipped
        ]
        report.restated = list({i.digest: i for i in report.restated}.values())
        report.seconds = time.perf_counter() - started
        return report

    def _drive(self, todo: list[AnchorItem], report: PipelineReport, *, verify: bool) -> None:
        """Reconcile, send and (``verify``: after the last segment) re-check until nothing is
        missing, backing off while the chain is unavailable."""
        rounds = 0
        first = True
        settled = not verify
        while todo or not settled:
            try:
                if todo:
                    with report.stage("reconcile"):
                        todo = self._reconcile(todo, report, first=first)
                    first = False
                    todo = self._send_waves(todo, report)
                if not todo and not settled:
                    rounds += 1
                    if rounds > MAX_ROUNDS:
                        raise MuluError(
                            f"the chain still lacks anchors of this run after {MAX_ROUNDS} "
                            f"re-verify rounds (a node that keeps losing state?); the journal "
                            f"({self.journal.path}) records them: run the same command again"
                        )
                    with report.stage("verify"):
                        todo, settled = self._verify(report)
            except FeeTooLow as exc:
                # not an outage: the base fee rose past the wave's price. The next round
                # reconciles (the refused transactions never entered the pool) and signs what is
                # left with fees read from the latest block
                report.repriced += 1
                self._repriced += 1
                if self._repriced > MAX_REPRICE:
                    raise FeeTooLow(
                        f"{exc}, {MAX_REPRICE} times in a row, priced from the latest block each "
                        f"time; the journal ({self.journal.path}) records what was sent: run "
                        "the same command again to resume"
                    ) from exc
                self.log(f"{exc}: pricing again from the latest block")
            except ChainUnavailable as exc:
                self._attempt += 1
                report.retries += 1
                if self._attempt > self.max_retries:
                    raise ChainUnavailable(
                        f"{exc} — gave up after {self.max_retries} retries; the journal "
                        f"({self.journal.path}) records what was sent: run the same command "
                        "again to resume"
                    ) from exc
                delay = min(self.max_backoff, self.backoff * 2 ** (self._attempt - 1))
                self.log(
                    f"chain unavailable ({exc}); retry {self._attempt}/{self.max_retries} in {delay:.1f} s"
                )
                time.sleep(delay)

    def _verify(self, report: PipelineReport) -> tuple[list[AnchorItem], bool]:
        """Re-check every catalog of this run (anchored or skipped) once all is sent; returns
        what to send again, and whether the run is settled.

        In storage: a node that restarted from an older state (anvil after SIGKILL, a transport
        retry that hid the outage) may have lost transactions it had already given receipts for.
        Lost catalogs, and the version-gap refusals they may have caused, go round again.

        In the event history: anvil's state dump may hold the storage of a block it did not keep,
        so an anchor has no ``CatalogAnchored``. Such anchors are restated, and the run is not
        settled until a next round has seen their records."""
        done = list({i.digest: i for i in [*report.anchored, *report.skipped]}.values())
        lost = [i for i, ok in zip(done, self._is_anchored(done), strict=True) if not ok]
        if lost:
            self.log(f"{len(lost)} anchor(s) confirmed earlier are gone from the chain: resending")
            gone = {i.digest for i in lost}
            report.anchored = [i for i in report.anchored if i.digest not in gone]
            report.skipped = [i for i in report.skipped if i.digest not in gone]
            gaps = [
                r
                for r in report.refused
                if r.item is not None and getattr(r.error, "error_name", "") == "CatalogVersionGap"
            ]
            report.refused = [r for r in report.refused if r not in gaps]
            self.journal.mark_planned(gone)
            return lost + [r.item for r in gaps if r.item is not None], False
        history = self.anchor_history(done)
        unrecorded: list[AnchorItem] = []
        for item in done:
            code, kind, version = encode_code(item.code), int(item.kind), item.version
            record = history.record(code, kind, version)
            if record is None:
                unrecorded.append(item)
            elif not history.has_record(code, kind, version, item.digest, item.root, item.count):
                # storage holds ours (isAnchored), the history another: not ours to repair
                self.log(
                    f"{item.source}: anchored in storage, but the event history records "
                    f"{item.code} {item.kind.key} v{version} with digest "
                    f"{bytes(record.args['digest']).hex()} (block {record.block_number})"
                )
        if not unrecorded:
            return [], True
        self.log(
            f"{len(unrecorded)} anchor(s) in the contract's storage have no CatalogAnchored "
            "event in any block (a node restored from a state dump ahead of its blocks): "
            "restating them"
        )
        self._restate(unrecorded, report)
        return [], False

    def _restate(self, items: list[AnchorItem], report: PipelineReport) -> None:
        """``restateAnchors`` for ``items``, ``batch_size`` per transaction (typed refusals are
        logged: the next re-verify round sees what the chain holds then).

        Chain's nonce cache is forgotten first: since it was filled the node may have restarted
        from an older state (the very reason for a restatement) and lost transactions, and a
        nonce from the cache would then be in the future and wait forever."""
        self.chain.forget_nonce(self.signer.address)
        for start in range(0, len(items), self.batch_size):
            batch = items[start : start + self.batch_size]
            try:
                result = self.ledger.restate_anchors(
                    self.signer,
                    [(i.code, i.kind, i.version, i.digest, i.root, i.count) for i in batch],
                )
            except ContractError as exc:
                self.log(f"restating {len(batch)} anchor(s) refused: {exc}")
                continue
            report.restated += batch
            report.transactions += 1
            report.gas_used += result.gas_used

    def anchor_history(self, items: Sequence[AnchorItem]) -> AnchorHistory:
        """The judged anchor history (:func:`chain_client.anchors.classify`) of the projects of
        ``items``: eth_getLogs filtered by event and project (:data:`LOG_CODES` per filter),
        the logs decoded here, all in JSON-RPC batches."""
        codes = sorted({encode_code(i.code) for i in items})
        if not codes:
            return AnchorHistory()
        if self.chain.is_tester:
            return classify(self.ledger.logs(contracts=["CatalogLedger"]))
        head = self.chain.block_number()
        topics = {
            getattr(self.ledger.catalogs.events, name)().topic.lower(): name
            for name in ANCHOR_EVENTS
        }
        calls = []
        for c in range(0, len(codes), LOG_CODES):
            code_topics = ["0x" + code.hex() for code in codes[c : c + LOG_CODES]]
            for low in range(self.ledger.deployment.start_block, head + 1, LOG_CHUNK):
                high = min(low + LOG_CHUNK - 1, head)
                calls.append(
                    (
                        "eth_getLogs",
                        [
                            {
                                "address": self._address,
                                "fromBlock": hex(low),
                                "toBlock": hex(high),
                                "topics": [sorted(topics), code_topics],
                            }
                        ],
                    )
                )
        events: list[LedgerEvent] = []
        for result in self._rpc_batch(calls):
            if isinstance(result, RpcError):
                raise ChainUnavailable(f"eth_getLogs failed: {result.message}")
            events += (_anchor_event(log, topics) for log in result if not log.get("removed"))
        return classify(events)

    # -- reconcile with the chain -------------------------------------------------------------

    def _reconcile(
        self, items: list[AnchorItem], report: PipelineReport, *, first: bool
    ) -> list[AnchorItem]:
        """Wait for our pending transactions, then keep only what the chain lacks."""
        known = self.journal.get_many(i.digest for i in items)
        entries = {i.digest: known.get(i.digest) for i in items}
        sent = {e.tx_hash for e in entries.values() if e and e.state == "sent" and e.tx_hash}
        if sent:
            found = self._rpc_batch([("eth_getTransactionByHash", [h]) for h in sorted(sent)])
            pending = [
                h
                for h, tx in zip(sorted(sent), found, strict=True)
                if isinstance(tx, dict) and tx.get("blockNumber") is None
            ]
            if pending:
                self.log(f"waiting for {len(pending)} transaction(s) still pending from before")
                self._receipts(pending)
        anchored = self._is_anchored(items)
        counted = {i.digest for i in report.anchored}
        todo = []
        done = []
        for item, on_chain in zip(items, anchored, strict=True):
            entry = entries[item.digest]
            if not on_chain:
                if entry is not None and entry.state == "confirmed":
                    self.log(
                        f"{item.source}: journal says confirmed but the chain lacks it: resending"
                    )
                todo.append(item)
                continue
            done.append(item.digest)
            if first:
                report.skipped.append(item)
            elif item.digest not in counted:
                report.anchored.append(item)
            else:
                continue
            self.progress("anchored", 1)
        if done:
            self.journal.mark_confirmed(done, None, None)
        reset = [i.digest for i in todo if (entries[i.digest] or _PLANNED).state != "planned"]
        if reset:
            self.journal.mark_planned(reset)
        return todo

    # -- waves and batches --------------------------------------------------------------------

    def _send_waves(self, items: list[AnchorItem], report: PipelineReport) -> list[AnchorItem]:
        """Send everything in waves; returns items whose transaction failed on chain (to retry)."""
        groups: dict[tuple[str, int], list[AnchorItem]] = defaultdict(list)
        for item in items:
            groups[item.group].append(item)
        waves: list[list[list[AnchorItem]]] = []
        for group in groups.values():
            group.sort(key=lambda i: (i.version, i.digest))
            for w, start in enumerate(range(0, len(group), self.batch_size)):
                while len(waves) <= w:
                    waves.append([])
                waves[w].append(group[start : start + self.batch_size])
        retry: list[AnchorItem] = []
        for chunks in waves:
            batches: list[list[AnchorItem]] = []
            for chunk in sorted(chunks, key=len, reverse=True):  # first fit, decreasing
                for b in batches:
                    if len(b) + len(chunk) <= self.batch_size:
                        b.extend(chunk)
                        break
                else:
                    batches.append(list(chunk))
            retry += self._send_wave(batches, report)
        return retry

    def _call(self, batch: Sequence[AnchorItem]) -> dict[str, str]:
        return {
            "from": self.signer.address,
            "to": self._address,
            "data": "0x" + self._encoder.anchor_batch(batch).hex(),
        }

    def _dry_run(self, batch: list[AnchorItem]) -> int:
        call = self._call(batch)
        return self.chain.rpc(lambda: int(self.chain.w3.eth.estimate_gas(call)))  # type: ignore[arg-type]

    def _estimate_all(self, batches: list[list[AnchorItem]]) -> list[int | RpcError]:
        """Dry runs of a wave's batches (disjoint projects, so independent) in one JSON-RPC
        batch: the gas of each, or the node's refusal."""
        results = self._rpc_batch([("eth_estimateGas", [self._call(b)]) for b in batches])
        return [r if isinstance(r, RpcError) else int(r, 16) for r in results]

    def _admit(
        self, batch: list[AnchorItem], report: PipelineReport
    ) -> tuple[list[AnchorItem], int]:
        """Drop the catalogs the contract refuses (each with its typed error); gas of the rest."""
        while batch:
            try:
                return batch, self._dry_run(batch)
            except ContractError as exc:
                lo, hi, error = (
                    1,
                    len(batch),
                    exc,
                )  # the shortest failing prefix ends with the culprit
                while lo < hi:
                    mid = (lo + hi) // 2
                    try:
                        self._dry_run(batch[:mid])
                        lo = mid + 1
                    except ContractError as e:
                        hi, error = mid, e
                culprit = batch.pop(lo - 1)
                if self._hold is not None and error.error_name == "CatalogVersionGap":
                    self._hold.append(culprit)  # its predecessor may be in a later segment
                    continue
                report.refused.append(Refusal(culprit.source, error, culprit))
                self.journal.mark_refused(culprit.digest, error.error_name, str(error))
                self.progress("refused", 1)
        return [], 0

    @staticmethod
    def _gas_limit(estimate: int) -> int:
        return estimate * 6 // 5 + 20_000

    def _block_gas_limit(self) -> int:
        block = self._rpc_batch([("eth_getBlockByNumber", ["latest", False])])[0]
        if not isinstance(block, dict) or "gasLimit" not in block:
            raise ChainUnavailable(f"cannot read the latest block: {block}")
        gas_limit = block["gasLimit"]
        return int(gas_limit, 16) if isinstance(gas_limit, str) else int(gas_limit)

    def _fit(
        self, batch: list[AnchorItem], gas: int, block_gas: int, report: PipelineReport
    ) -> list[tuple[list[AnchorItem], int]]:
        """``batch`` as transactions that each fit in a block (halved until they do)."""
        if self._gas_limit(gas) <= block_gas or len(batch) == 1:
            return [(batch, gas)] if batch else []
        half = len(batch) // 2
        out = []
        for part in (batch[:half], batch[half:]):
            part, part_gas = self._admit(part, report)
            out += self._fit(part, part_gas, block_gas, report)
        return out

    def _bounded(
        self, batch: list[AnchorItem], block_gas: int
    ) -> list[tuple[list[AnchorItem], int]]:
        """``batch`` with the gas bound of its size, halved until each part fits a block."""
        gas = GAS_BOUND_BASE + GAS_BOUND_PER_CATALOG * len(batch)
        if gas <= block_gas or len(batch) == 1:
            return [(batch, min(gas, block_gas))]
        half = len(batch) // 2
        return self._bounded(batch[:half], block_gas) + self._bounded(batch[half:], block_gas)

    def _send_wave(
        self, batches: list[list[AnchorItem]], report: PipelineReport
    ) -> list[AnchorItem]:
        admitted: list[tuple[list[AnchorItem], int]] = []  # (batch, transaction gas limit)
        with report.stage("dry_run"):
            block_gas = self._block_gas_limit()
            if not self.always_dry_run:
                # nothing of these failed before: sent without a dry run, under a gas bound; a
                # transaction that fails changes nothing, and its catalogs get the dry run
                trusted = [b for b in batches if not any(i.digest in self._suspect for i in b)]
                batches = [b for b in batches if any(i.digest in self._suspect for i in b)]
                for batch in trusted:
                    admitted += self._bounded(batch, block_gas)
            while batches:
                halved: list[list[AnchorItem]] = []
                for batch, gas in zip(batches, self._estimate_all(batches), strict=True):
                    if isinstance(gas, RpcError) and len(batch) > 1 and _out_of_gas(gas.message):
                        halved += [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
                        continue  # more than a block holds
                    if isinstance(gas, RpcError):  # something in it is refused: find what, typed
                        batch, gas = self._admit(batch, report)
                    admitted += [
                        (b, self._gas_limit(g)) for b, g in self._fit(batch, gas, block_gas, report)
                    ]
                batches = halved
        if not admitted:
            return []
        address = self.signer.address
        with report.stage("sign"):
            nonce = self.chain.rpc(
                lambda: int(self.chain.w3.eth.get_transaction_count(address, "pending"))
            )
            # per wave, from the latest block (a price read once goes stale under load)
            fees = cast(dict[str, int], self.chain.fees())
            txs: list[tuple[str, bytes, list[AnchorItem], int]] = []
            records = []
            for k, (batch, gas) in enumerate(admitted):
                signed = self.signer.sign_transaction(
                    {
                        "to": self._address,
                        "data": self._encoder.anchor_batch(batch),
                        "value": 0,
                        "nonce": nonce + k,
                        "gas": gas,
                        "chainId": self.chain.chain_id,
                        **fees,
                    }
                )
                tx_hash = "0x" + bytes(signed.hash).hex()
                txs.append((tx_hash, bytes(signed.raw_transaction), batch, gas))
                signature, proofs = self._sign_batch(batch)
                rows = [
                    (i.digest, tx_hash, nonce + k, p) for i, p in zip(batch, proofs, strict=True)
                ]
                records.append(SentBatch(signature, rows))
        # one durable journal transaction (batches, proofs, tx hashes) before anything leaves
        with report.stage("journal"):
            self.journal.record_sent(records)
        # Chain hands out nonces from its own cache for Chain.sign/transact; ours bypass it, so
        # make it re-read the account's nonce next time
        self.chain.forget_nonce(address)
        retry: list[AnchorItem] = []
        # flights that fit in one block: an automining node (anvil) mines what arrives, and
        # transactions left over from a full block would wait for a next transaction forever.
        # A fee refusal (FeeTooLow) ends the wave: the later flights' nonces follow the refused
        # ones, and _drive prices the rest again
        flight: list[tuple[str, bytes, list[AnchorItem], int]] = []
        flight_gas = 0
        for tx in txs:
            if flight and flight_gas + tx[3] > block_gas:
                retry += self._fly(flight, report)
                flight, flight_gas = [], 0
            flight.append(tx)
            flight_gas += tx[3]
        retry += self._fly(flight, report)
        return retry

    def _fly(
        self, flight: list[tuple[str, bytes, list[AnchorItem], int]], report: PipelineReport
    ) -> list[AnchorItem]:
        """Send ``flight`` in one JSON-RPC batch and gather its receipts."""
        with report.stage("send_and_receipts"):
            results = self._rpc_batch(
                [("eth_sendRawTransaction", ["0x" + raw.hex()]) for _, raw, _, _ in flight]
            )
            refused_send = [
                r for r in results if isinstance(r, RpcError) and "already known" not in r.message
            ]
            fee_refused = [r for r in refused_send if is_fee_refusal(r.message)]
            if len(fee_refused) < len(refused_send):
                raise ChainUnavailable(
                    f"node refused {len(refused_send)} transaction(s): {refused_send[0].message}"
                )
            if fee_refused:  # the ones the node took are followed up, the rest priced again
                flight = [
                    tx
                    for tx, r in zip(flight, results, strict=True)
                    if not isinstance(r, RpcError) or "already known" in r.message
                ]
            receipts = self._receipts([h for h, _, _, _ in flight])
        retry: list[AnchorItem] = []
        confirmed: list[tuple[list[bytes], int, str]] = []
        for (tx_hash, _, batch, _), receipt in zip(flight, receipts, strict=True):
            block = int(receipt["blockNumber"], 16)
            if int(receipt["status"], 16) != 1:
                self.log(f"transaction {tx_hash} failed in block {block}: re-checking its catalogs")
                self._suspect.update(i.digest for i in batch)
                retry += batch
                continue
            confirmed.append(([i.digest for i in batch], block, tx_hash))
            report.anchored += batch
            report.transactions += 1
            report.gas_used += int(receipt["gasUsed"], 16)
        with report.stage("journal"):
            self.journal.confirm_many(confirmed)
        for digests, _, _ in confirmed:
            self.progress("anchored", len(digests))
        if confirmed:
            self._repriced = 0
        if fee_refused:
            raise FeeTooLow(
                f"the node refused {len(fee_refused)} transaction(s) for their fee "
                f"({fee_refused[0].message})"
            )
        return retry

    def _sign_batch(
        self, batch: list[AnchorItem]
    ) -> tuple[BatchSignature | None, list[str | None]]:
        if self.sm2_key is None:
            return None, [None] * len(batch)
        tree = MerkleTree([i.leaf() for i in batch], SM3_HASHER)
        message = batch_message(self.chain.chain_id, self._address, tree.root)
        signature = BatchSignature(
            tree.root,
            len(batch),
            self.sm2_key.sign_raw(message),
            self.sm2_key.public_key.xy,
            message,
        )
        return signature, [
            proof_to_json(k, tree.size, list(tree.audit_path(k))) for k in range(len(batch))
        ]

    # -- JSON-RPC plumbing --------------------------------------------------------------------

    def _rpc_batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Results of ``calls`` in order (JSON-RPC batches); an error answer becomes RpcError."""
        out: list[Any] = []
        provider = self.chain.w3.provider
        for start in range(0, len(calls), RPC_CHUNK):
            part = calls[start : start + RPC_CHUNK]
            if self.chain.is_tester:
                responses = [provider.make_request(m, p) for m, p in part]  # type: ignore[arg-type]
            else:
                responses = self.chain.rpc(lambda p=part: provider.make_batch_request(p))  # type: ignore[attr-defined,misc]
                if not isinstance(responses, list):
                    raise ChainUnavailable(f"batch request refused: {responses.get('error')}")
            for r in responses:
                if "error" in r and r["error"]:
                    err = r["error"]
                    out.append(
                        RpcError(
                            str(err.get("message", err)) if isinstance(err, dict) else str(err)
                        )
                    )
                else:
                    out.append(r.get("result"))
        return out

    def _is_anchored(self, items: list[AnchorItem]) -> list[bool]:
        """``isAnchored`` of each item: ``areAnchored`` for up to :data:`ARE_ANCHORED_CHUNK` at a
        time; one ``isAnchored`` each on a ledger without it, and for a chunk the node refuses
        (a call costs ~5k gas per catalog, and a node bounds a call's gas by its block's)."""
        # eth-tester refuses a call without a sender; other nodes are asked without one, as the
        # single isAnchored calls always were
        sender = {"from": self.signer.address} if self.chain.is_tester else {}

        def call(data: bytes) -> tuple[str, list[Any]]:
            return (
                "eth_call",
                [{**sender, "to": self._address, "data": "0x" + data.hex()}, "latest"],
            )

        if not self._encoder.has_are_anchored:
            chunks = [[i] for i in items]
            answers: list[Any] = [RpcError("no areAnchored")] * len(items)
        else:
            step = ARE_ANCHORED_CHUNK
            chunks = [items[k : k + step] for k in range(0, len(items), step)]
            answers = self._rpc_batch([call(self._encoder.are_anchored(c)) for c in chunks])
        refused = [c for c, r in zip(chunks, answers, strict=True) if isinstance(r, RpcError)]
        singles = iter(
            self._rpc_batch([call(self._encoder.is_anchored(i)) for c in refused for i in c])
        )
        out: list[bool] = []
        for chunk, r in zip(chunks, answers, strict=True):
            if not isinstance(r, RpcError):
                try:
                    out += CalldataEncoder.decode_bools(str(r), len(chunk))
                except ValueError as exc:
                    raise ChainUnavailable(f"malformed areAnchored answer: {exc}") from exc
                continue
            for _ in chunk:
                one = next(singles)
                if isinstance(one, RpcError):
                    raise ChainUnavailable(f"isAnchored failed: {one.message}")
                out.append(int(one, 16) == 1)
        return out

    def _receipts(self, hashes: list[str]) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + self.receipt_timeout
        delay = 0.005
        while len(found) < len(hashes):
            missing = [h for h in hashes if h not in found]
            for h, r in zip(
                missing,
                self._rpc_batch([("eth_getTransactionReceipt", [h]) for h in missing]),
                strict=True,
            ):
                if isinstance(r, dict) and r.get("blockNumber"):
                    found[h] = r
            if len(found) == len(hashes):
                break
            if time.monotonic() > deadline:
                raise ChainUnavailable(
                    f"{len(hashes) - len(found)} transaction(s) without receipt after {self.receipt_timeout:.0f} s"
                )
            time.sleep(delay)
            delay = min(0.1, delay * 2)
        return [found[h] for h in hashes]


_PLANNED = JournalEntry(b"", "", 0, 0, b"", 0, "", "planned")


def _anchor_event(log: dict[str, Any], names: dict[str, str]) -> LedgerEvent:
    """A raw ``CatalogAnchored`` / ``CatalogAnchorRestated`` log (JSON-RPC form) decoded by hand:
    topics code, kind, digest; data version, merkleRoot, resourceCount, submitter."""
    topics = [str(t).lower() for t in log["topics"]]
    data = bytes.fromhex(str(log["data"])[2:])
    if len(topics) != 4 or len(data) != 128:
        raise ChainUnavailable(f"malformed anchor log in block {log.get('blockNumber')}")
    return LedgerEvent(
        name=names[topics[0]],
        contract="CatalogLedger",
        block_number=int(log["blockNumber"], 16),
        tx_hash=str(log["transactionHash"]),
        log_index=int(log["logIndex"], 16),
        args={
            "code": bytes.fromhex(topics[1][2:]),
            "kind": int(topics[2], 16),
            "version": int.from_bytes(data[0:32], "big"),
            "digest": bytes.fromhex(topics[3][2:]),
            "merkleRoot": data[32:64],
            "resourceCount": int.from_bytes(data[64:96], "big"),
            "submitter": "0x" + data[108:128].hex(),
        },
    )


def _out_of_gas(message: str) -> bool:
    """A dry run refused for want of gas (more than a block holds), not by the contract."""
    text = message.lower()
    return "out of gas" in text or "exceeds allowance" in text or "exceeds block gas" in text


@dataclass(frozen=True)
class RpcError:
    message: str


# -- audit ---------------------------------------------------------------------------------------


@dataclass
class AuditReport:
    checked: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def audit_anchors(
    ledger: Ledger,
    journal: Journal,
    *,
    workers: int = 2,
    require_signature: bool = False,
) -> AuditReport:
    """Re-verify every confirmed catalog of ``journal``: on chain (``isAnchored``), recorded once
    in the event history (:mod:`chain_client.anchors`: its record, no duplicate or conflicting
    anchor event), its file's digest and root recomputed, and, when it was batch-signed, its
    inclusion proof in the batch root and the batch's SM2 signature (verified once per batch)."""
    started = time.perf_counter()
    report = AuditReport()
    entries = journal.entries("confirmed")
    # the workers recompute digests and roots while this process asks the node
    preparation = Preparation([e.source for e in entries], workers=workers)
    try:
        pipeline = AnchorPipeline(ledger, _NoSigner(), journal)  # type: ignore[arg-type]
        items = [AnchorItem.from_entry(e) for e in entries]
        on_chain = pipeline._is_anchored(items)
        history = pipeline.anchor_history(items)
        by_source: dict[str, AnchorItem] = {}
        for out in preparation:
            if isinstance(out, Refusal):
                report.failures.append((out.source, f"does not load: {out.error}"))
            else:
                by_source[out.source] = out
    finally:
        preparation.close()
    verified_batches: dict[int, bytes] = {}
    doubled = {anchor_key(e.args) for e in history.duplicates}
    doubled |= {anchor_key(e.args) for _, e in history.conflicts}
    for entry, item, anchored in zip(entries, items, on_chain, strict=True):
        report.checked += 1
        again = by_source.get(entry.source)
        key = (encode_code(item.code), int(item.kind), item.version)
        if key in doubled:
            report.failures.append(
                (entry.source, "a second (duplicate or conflicting) anchor event for its version")
            )
        if not anchored:
            report.failures.append((entry.source, "not anchored on chain"))
        elif not history.has_record(*key, item.digest, item.root, item.count):
            report.failures.append(
                (entry.source, "anchored in storage, but no anchor event records it")
            )
        elif again is None:
            continue
        elif (again.digest, again.root, again.count) != (item.digest, item.root, item.count):
            report.failures.append((entry.source, "file no longer matches the anchored digest"))
        elif entry.batch_id is None:
            if require_signature:
                report.failures.append((entry.source, "no batch signature"))
        else:
            try:
                root = verified_batches.get(entry.batch_id)
                if root is None:
                    batch = journal.batch(entry.batch_id)
                    message = batch_message(
                        ledger.chain.chain_id, ledger.catalogs.address, bytes(batch["root"])
                    )
                    if message != batch["message"]:
                        raise sm_crypto.InvalidSignature(
                            "batch message does not bind this chain and ledger"
                        )
                    public_key, signature = batch["public_key"], batch["signature"]
                    if public_key is None or signature is None:
                        raise sm_crypto.InvalidSignature("batch row without a signature")
                    sm_crypto.PublicKey.from_bytes(bytes(public_key)).verify(
                        bytes(signature), message
                    )
                    root = verified_batches[entry.batch_id] = bytes(batch["root"])
                index, size, path = proof_from_json(entry.proof or "")
                got = root_from_inclusion_proof(
                    index, size, SM3_HASHER.hash_leaf(item.leaf()), path
                )
                if got != root:
                    report.failures.append(
                        (entry.source, "inclusion proof does not reach the batch root")
                    )
            except MuluError as exc:
                report.failures.append((entry.source, f"{type(exc).__name__}: {exc}"))
    report.seconds = time.perf_counter() - started
    return report


class _NoSigner:
    address = "0x0000000000000000000000000000000000000000"
