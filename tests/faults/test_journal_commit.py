"""A journal whose COMMIT fails (I/O error, disk full, busy) rolls the transaction back: the
write is lost as a whole, and the journal stays usable (before: the connection stayed inside the
transaction and every later write failed with 'cannot start a transaction within a
transaction')."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from chain_client.journal import Journal, JournalEntry


class _FailingCommit:
    """The journal's connection, whose next COMMIT fails the way SQLite reports a failed one
    (the transaction still open)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.fail = True

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT" and self.fail:
            self.fail = False
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def _entry(digest: bytes, version: int) -> JournalEntry:
    return JournalEntry(digest, "BJ-1", 0, version, os.urandom(32), 3, f"f{version}", "planned")


def test_a_failed_commit_rolls_back_and_the_journal_stays_usable(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    try:
        real = journal._db
        journal._db = _FailingCommit(real)  # type: ignore[assignment]
        lost, kept = os.urandom(32), os.urandom(32)
        with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
            journal.plan([_entry(lost, 1)])
        assert not real.in_transaction
        journal.plan([_entry(kept, 2)])  # before the fix: cannot start a transaction within ...
        journal.mark_confirmed([kept], 7, "0xaa")
        journal._db = real
        assert journal.get(lost) is None  # the failed write is not half there
        entry = journal.get(kept)
        assert entry is not None and (entry.state, entry.block) == ("confirmed", 7)
    finally:
        journal.close()
