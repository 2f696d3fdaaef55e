"""What one running service holds: the chain link, the index, the document store, the indexer."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import event, select

from chain_client.chain import Chain
from chain_client.deploy import Deployment, DeploymentMissing
from chain_client.ledger import Ledger
from chain_client.node import LocalNode
from mulu.errors import ChainUnavailable

from .index import EventRow, Index, IndexerThread
from .schemas import AsOf
from .settings import Settings
from .store import DocumentStore

__all__ = ["ChainLink", "Service"]

#: events whose bytes32 argument names an off-chain document (opinion, report, evidence)
DOCUMENT_ARGS = ("opinionDigest", "reportDigest", "evidenceDigest")


class ChainLink:
    """A lazily (re)connected :class:`Ledger`: never holds keys, survives the node going away.

    After a failure the link is dropped and the next call reconnects (re-reading the local node's
    URL), at most once per ``retry_after`` seconds; meanwhile calls fail fast with
    :class:`ChainUnavailable`, which the API turns into ``503`` with ``Retry-After``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()
        self._attempted_at: float | None = None  # last real connection attempt
        self._down = False
        self.last_error: str | None = None

    @property
    def reachable(self) -> bool:
        return not self._down

    @property
    def connected(self) -> bool:
        """Connected and not known to be down: :meth:`ledger` would answer without a reconnect."""
        return self._ledger is not None and not self._down

    def url(self) -> str:
        return self.settings.rpc_url or LocalNode(self.settings.home).url()

    def ledger(self) -> Ledger:
        with self._lock:
            if self._ledger is not None:
                return self._ledger
            retry = min(1.0, float(self.settings.retry_after))
            now = time.monotonic()
            if self._down and self._attempted_at is not None and now - self._attempted_at < retry:
                raise ChainUnavailable(self.last_error or "chain unreachable")
            self._attempted_at = now
            try:
                chain = Chain.connect(self.url(), timeout=10.0)
                deployment = Deployment.load(self.settings.deployment_file)
                self._ledger = Ledger(chain, deployment)
            except (ChainUnavailable, DeploymentMissing) as exc:
                self._ledger, self._down, self.last_error = None, True, str(exc)
                raise ChainUnavailable(str(exc)) from exc
            self._down, self.last_error = False, None
            return self._ledger

    def failed(self, error: str) -> None:
        """A call failed: drop the connection; the next :meth:`ledger` reconnects (rate-limited)."""
        with self._lock:
            self._ledger, self._down, self.last_error = None, True, error

    def succeeded(self) -> None:
        self._down = False


class Service:
    """The state of one app: settings, chain link, index, store and (optionally) the indexer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.link = ChainLink(settings)
        if settings.db_url.startswith("sqlite:///"):
            settings.home.mkdir(parents=True, exist_ok=True)
        self.index = Index(settings.db_url)
        self.store = DocumentStore(settings.documents, max_bytes=settings.max_body_bytes)
        self.indexer: IndexerThread | None = None
        # the checkpoint as last read (see as_of), dropped by every commit of this index:
        # (checkpoint, time.monotonic() after which it is read again), one tuple swapped whole
        self._as_of: tuple[AsOf | None, float] = (None, 0.0)
        self._as_of_generation = 0  # bumped by each commit
        self._as_of_lock = threading.Lock()
        event.listen(self.index.sessions, "after_commit", self._index_committed)

    def start(self) -> None:
        if self.settings.run_indexer and self.indexer is None:
            self.indexer = IndexerThread(
                self.index,
                self.link.ledger,
                interval=self.settings.poll_interval,
                on_status=self._indexer_status,
                confirmations=self.settings.confirmations,
                batch_blocks=self.settings.batch_blocks,
                reorg_depth=self.settings.reorg_depth,
            )
            self.indexer.start()

    def stop(self) -> None:
        if self.indexer is not None:
            self.indexer.stop()
            self.indexer = None
        self.index.close()

    def _index_committed(self, _session: Any) -> None:
        with self._as_of_lock:
            self._as_of_generation += 1
            self._as_of = (None, 0.0)

    def as_of(self) -> AsOf | None:
        """The index checkpoint, read from the database (blocking); remembered for
        :meth:`as_of_memo` until the next commit of the index or two ``poll_interval``s. The
        indexer thread reads it again after every poll, so requests need not, and a checkpoint
        moved by another process is seen within one poll (two without an indexer thread)."""
        with self._as_of_lock:
            generation = self._as_of_generation
        cp = self.index.checkpoint()
        as_of = (
            None
            if cp is None
            else AsOf(
                block_number=cp.block_number, block_hash=cp.block_hash, timestamp=cp.timestamp
            )
        )
        with self._as_of_lock:
            if generation == self._as_of_generation:  # no commit raced the read
                self._as_of = (as_of, time.monotonic() + 2 * self.settings.poll_interval)
        return as_of

    def as_of_memo(self) -> AsOf | None:
        """The checkpoint :meth:`as_of` last read, while no commit has moved it since (never
        blocks; ``None``: unknown, read it with :meth:`as_of`)."""
        as_of, until = self._as_of
        return as_of if time.monotonic() < until else None

    def _indexer_status(self, ok: bool, error: str | None) -> None:
        if ok:
            self.link.succeeded()
            self.as_of()  # renews the remembered checkpoint off the request path
        else:
            self.link.failed(error or "chain unreachable")

    def referenced(self, digest: bytes) -> bool:
        """Whether an indexed event names ``digest`` as an off-chain document."""
        want = "0x" + digest.hex()
        with self.index.session() as s:
            for args in s.scalars(
                select(EventRow.args).where(
                    EventRow.name.in_(
                        [
                            "ReviewPassed",
                            "ProgressReported",
                            "SelfEvaluationSubmitted",
                            "ChangeFiled",
                            "ChangeApproved",
                        ]
                    )
                )
            ):
                if any(args.get(k) == want for k in DOCUMENT_ARGS):
                    return True
        return False

    def status(self) -> dict[str, Any]:
        indexer = self.indexer
        return {
            "running": bool(indexer and indexer.running),
            "last_error": indexer.last_error if indexer else None,
        }
