"""kill -9 of the node and an unreachable endpoint during a batch run: nothing lost, nothing
duplicated, the journal consistent — proven by an audit of every catalog against the chain.

Size: ``MULU_SOAK_CATALOGS`` catalogs (default 300; ``make soak`` runs 5,000).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from chain_client.journal import Journal
from chain_client.pipeline import AnchorPipeline
from mulu.errors import ChainUnavailable

from .conftest import FaultWorld, audit_exactly_once

pytestmark = pytest.mark.anvil

CATALOGS = int(os.environ.get("MULU_SOAK_CATALOGS", "300"))
VERSIONS = 10  # per project
#: smaller than a project's history, so a run is several waves of transactions (versions of one
#: project in order) and the kill lands while work is still to be sent
BATCH = int(os.environ.get("MULU_SOAK_BATCH", "3"))


def _world_catalogs(world: FaultWorld, tmp_path: Path) -> list[Path]:
    codes = world.create_projects(max(1, CATALOGS // VERSIONS))
    paths = world.write_catalogs(tmp_path / "catalogs", codes, VERSIONS)
    # the kill must cost anchors, not the projects: a fast run can reach it within the second
    # after the projects were created, before the node saved them
    _wait_for_state_saves(world, 2)
    return paths


def _restart_later(world: FaultWorld, delay: float) -> threading.Thread:
    """Start the node again after ``delay`` s on the same port (the client keeps its URL)."""
    port = int(world.chain.url.rsplit(":", 1)[1])  # type: ignore[union-attr]

    def go() -> None:
        time.sleep(delay)
        world.node.start(port=port, extra_args=["--gas-limit", "1000000000"])

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def _wait_for_state_saves(world: FaultWorld, saves: int, timeout: float = 10.0) -> None:
    """Until the node has rewritten its state file ``saves`` times from now, and finished the
    last write (anvil writes in place: a SIGKILL in the middle of a write corrupts the file)."""
    state = world.node.state_file

    def mtime() -> int:
        return state.stat().st_mtime_ns if state.exists() else 0

    deadline = time.monotonic() + timeout
    last = mtime()
    while saves and time.monotonic() < deadline:
        time.sleep(0.02)
        if (now := mtime()) != last:
            saves, last = saves - 1, now
    while time.monotonic() < deadline:  # quiet for 0.2 s: the write is over
        time.sleep(0.2)
        if (now := mtime()) == last:
            return
        last = now


#: web3's HTTP provider retries a failed call for ~4 s (5 tries, backoff 0.125 s): an outage
#: shorter than that is hidden from the pipeline, a longer one reaches it as ChainUnavailable
HIDDEN, SEEN = 0.3, 6.0


@pytest.mark.parametrize("restart_after", [HIDDEN, SEEN], ids=["outage-hidden", "outage-seen"])
def test_kill_9_mid_run_then_retry_loses_and_duplicates_nothing(
    fault_world: FaultWorld, tmp_path: Path, restart_after: float
) -> None:
    paths = _world_catalogs(fault_world, tmp_path)
    journal = Journal(tmp_path / "journal.sqlite")
    killed: list[int] = []
    messages: list[str] = []
    done = [0]
    restart: list[threading.Thread] = []

    def progress(what: str, n: int) -> None:
        if what != "anchored":
            return
        done[0] += n
        if not killed and done[0] >= len(paths) // 3:
            killed.append(done[0])
            fault_world.node.kill()  # SIGKILL: anvil keeps only what it saved up to 1 s ago
            restart.append(_restart_later(fault_world, restart_after))

    pipeline = AnchorPipeline(
        fault_world.ledger,
        fault_world.unit,
        journal,
        batch_size=BATCH,
        backoff=0.25,
        max_retries=10,
        progress=progress,
        log=messages.append,
    )
    report = pipeline.run(paths)
    restart[0].join()
    assert killed, "the node was never killed: the test proved nothing"
    if restart_after == SEEN:
        assert report.retries >= 1
        assert any("chain unavailable" in m for m in messages), messages
    assert not report.refused
    assert len(report.anchored) + len(report.skipped) == len(paths)
    assert journal.counts() == {"planned": 0, "sent": 0, "confirmed": len(paths), "refused": 0}
    history = audit_exactly_once(fault_world.ledger, paths)
    # anchors whose block the node lost (storage kept) were restated by this run, and only those
    assert len(report.restated) == len(history.restated)
    if report.restated:
        assert any("restating them" in m for m in messages), messages
    print(
        f"\nkilled at {killed[0]} of {len(paths)}; restated {len(report.restated)}; {report.stages}"
    )


def test_kill_9_give_up_then_resume_from_journal(fault_world: FaultWorld, tmp_path: Path) -> None:
    paths = _world_catalogs(fault_world, tmp_path)
    journal_path = tmp_path / "journal.sqlite"
    journal = Journal(journal_path)
    done = [0]

    def progress(what: str, n: int) -> None:
        if what == "anchored":
            done[0] += n
            if done[0] >= len(paths) // 2 and fault_world.node.info() is not None:
                # anvil saves its state every second: let it save what is anchored so far, so
                # something survives the kill whatever the pipeline's speed
                _wait_for_state_saves(fault_world, 2)
                fault_world.node.kill()

    pipeline = AnchorPipeline(
        fault_world.ledger,
        fault_world.unit,
        journal,
        batch_size=BATCH,
        backoff=0.05,
        max_retries=2,
        progress=progress,
    )
    with pytest.raises(ChainUnavailable, match=r"gave up after 2 retries.*journal"):
        pipeline.run(paths)
    counts = journal.counts()
    assert counts["refused"] == 0 and counts["confirmed"] < len(paths)
    assert sum(counts.values()) == len(paths)
    journal.close()

    fault_world.node.start(extra_args=["--gas-limit", "1000000000"])  # the client restarts too
    fault_world.reconnect()
    resumed = Journal(journal_path)
    report = AnchorPipeline(fault_world.ledger, fault_world.unit, resumed, batch_size=BATCH).run(
        paths
    )
    assert not report.refused
    assert len(report.anchored) + len(report.skipped) == len(paths)
    assert report.skipped, "what survived the crash must be recognised, not resent"
    assert resumed.counts()["confirmed"] == len(paths)
    history = audit_exactly_once(fault_world.ledger, paths)
    assert len(report.restated) == len(history.restated)
    print(f"\nskipped {len(report.skipped)}; restated {len(report.restated)}")
    # a third run sends nothing at all
    again = AnchorPipeline(fault_world.ledger, fault_world.unit, resumed, batch_size=BATCH).run(
        paths
    )
    assert (len(again.anchored), len(again.skipped), again.transactions) == (0, len(paths), 0)


def test_rpc_unreachable_mid_run_clear_error_retry_journal_consistent(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    paths = _world_catalogs(fault_world, tmp_path)[:100]
    journal = Journal(tmp_path / "journal.sqlite")
    messages: list[str] = []
    stopped: list[threading.Thread] = []

    def progress(what: str, n: int) -> None:
        if what == "anchored" and not stopped:
            fault_world.node.stop()  # graceful: the endpoint just goes away
            stopped.append(_restart_later(fault_world, 1.0))

    report = AnchorPipeline(
        fault_world.ledger,
        fault_world.unit,
        journal,
        batch_size=BATCH,
        backoff=0.2,
        max_retries=10,
        progress=progress,
        log=messages.append,
    ).run(paths)
    stopped[0].join()
    assert any("chain unavailable" in m and "retry 1/10" in m for m in messages), messages
    assert report.retries >= 1 and not report.refused
    assert journal.counts()["confirmed"] == len(paths)
    audit_exactly_once(fault_world.ledger, paths)
