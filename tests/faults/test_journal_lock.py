"""One run per journal: a second ``catalog anchor --batch`` on the same journal fails at once
with JournalBusy (it would sign the same pending nonce and reset the first run's rows)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from web3 import Web3

from chain_client.compile import load_artifact
from chain_client.journal import Journal, JournalBusy
from chain_client.pipeline import AnchorPipeline
from tests.clirun import mulu

from .conftest import catalog_document


def test_a_second_open_of_the_journal_cannot_take_the_run_lock(tmp_path: Path) -> None:
    path = tmp_path / "journal" / "anchors.sqlite"
    first, second = Journal(path), Journal(path)
    try:
        with first.exclusive():
            with first.exclusive():  # re-entrant on the object that holds it
                pass
            with pytest.raises(JournalBusy, match="another run") as caught:
                with second.exclusive():
                    pytest.fail("two runs hold one journal")
            assert str(path) in str(caught.value)
        with second.exclusive():  # released with the first run
            pass
    finally:
        first.close()
        second.close()


def test_the_pipeline_refuses_a_journal_another_run_holds(tmp_path: Path) -> None:
    path = tmp_path / "anchors.sqlite"
    contract = Web3().eth.contract(
        address="0x" + "11" * 20, abi=load_artifact("CatalogLedger")["abi"]
    )
    ledger = SimpleNamespace(chain=None, catalogs=contract)
    holder, journal = Journal(path), Journal(path)
    try:
        pipeline = AnchorPipeline(ledger, SimpleNamespace(address="0x" + "22" * 20), journal)  # type: ignore[arg-type]
        with holder.exclusive(), pytest.raises(JournalBusy):
            pipeline.anchor([])  # refused before anything is planned or asked of the node
    finally:
        holder.close()
        journal.close()


def test_cli_batch_run_fails_at_once_when_another_run_holds_the_journal(tmp_path: Path) -> None:
    home, cats = tmp_path / "home", tmp_path / "cats"
    cats.mkdir()
    (cats / "a.json").write_text(
        json.dumps(catalog_document("BJ-2026-000001", 1), ensure_ascii=False), encoding="utf-8"
    )
    journal = Journal.of_home(home)
    try:
        with journal.exclusive():
            proc = mulu(home, "--as", "unit1", "catalog", "anchor", "--batch", str(cats), check=1)
    finally:
        journal.close()
    text = proc.stdout + proc.stderr
    assert "JournalBusy" in text or "in use by another run" in text
    assert str(journal.path) in text.replace("\n", "")
    assert "Traceback" not in text
