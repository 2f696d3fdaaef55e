"""``mulu catalog anchor --batch DIR`` on anvil: summary, refusals with reasons, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import load_catalog
from chain_client.chain import Chain
from chain_client.deploy import Deployment
from chain_client.identity import IdentityStore
from chain_client.ledger import Ledger
from chain_client.node import LocalNode
from tests.clirun import DEV_PASSWORD, mulu

from .conftest import anchor_without_event, catalog_document

pytestmark = pytest.mark.anvil


def test_batch_anchor_summary_refusals_and_rerun(tmp_path: Path) -> None:
    home = tmp_path / "home"
    mulu(home, "node", "start")
    try:
        mulu(home, "dev", "bootstrap")
        ours, theirs = "BJ-2026-700001", "BJ-2026-700002"
        mulu(home, "project", "create", ours, "--name", "批量项目", "--unit", "unit1")
        mulu(home, "project", "create", theirs, "--name", "他人项目", "--unit", "unit2")
        cats = tmp_path / "cats"
        cats.mkdir()
        for v in range(1, 13):
            (cats / f"ours-{v:02d}.json").write_text(
                json.dumps(catalog_document(ours, v), ensure_ascii=False)
            )
        (cats / "theirs-1.json").write_text(
            json.dumps(catalog_document(theirs, 1), ensure_ascii=False)
        )
        (cats / "broken.json").write_text('{"schema": "mulu.catalog/v1", "kind": "申报"}')
        args = (
            "--json",
            "--as",
            "unit1",
            "catalog",
            "anchor",
            "--batch",
            str(cats),
            "--batch-size",
            "5",
        )
        first = json.loads(mulu(home, *args, check=1).stdout)
        assert first["anchored"] == 12 and first["skipped_already_anchored"] == 0
        assert first["transactions"] == 3
        refused = {Path(r["source"]).name: r for r in first["refused"]}
        assert set(refused) == {"theirs-1.json", "broken.json"}
        assert refused["theirs-1.json"]["error"] == "ProjectNotUnit"
        assert refused["broken.json"]["error"] == "CatalogInvalid"
        assert (home / "journal" / "anchors.sqlite").is_file()
        stored = {p.name for p in (home / "documents").iterdir()}
        assert len([n for n in stored if n.endswith(".json")]) >= 13
        again = json.loads(mulu(home, *args, check=1).stdout)
        assert (again["anchored"], again["skipped_already_anchored"], again["transactions"]) == (
            0,
            12,
            0,
        )
        events = json.loads(mulu(home, "--json", "project", "history", ours).stdout)["events"]
        anchored = [e for e in events if e["event"] == "CatalogAnchored"]
        assert [e["args"]["version"] for e in anchored] == list(range(1, 13))  # once each, in order
        mulu(home, "catalog", "anchor", check=2)  # neither FILE nor --batch

        # v13 in storage with its block lost (a node restored from a state dump ahead of its
        # blocks): anchoring the file again restates it, once
        v13 = tmp_path / "ours-13.json"
        v13.write_text(json.dumps(catalog_document(ours, 13), ensure_ascii=False))
        cat = load_catalog(v13.read_bytes())
        ledger = Ledger(
            Chain.connect(LocalNode(home).url()), Deployment.load(home / "deployment.json")
        )
        unit1 = IdentityStore(home).unlock("unit1", DEV_PASSWORD.encode()).account
        anchor_without_event(
            ledger, unit1, ours, "declared", 13, cat.digest, cat.merkle_root, cat.resource_count
        )
        single = ("--json", "--as", "unit1", "catalog", "anchor", str(v13))
        restated = json.loads(mulu(home, *single).stdout)
        assert (restated["created"], restated["restated"]) == (False, True)
        assert [e["event"] for e in restated["events"]] == ["CatalogAnchorRestated"]
        repeat = json.loads(mulu(home, *single).stdout)
        assert (repeat["created"], repeat["restated"], repeat["tx_hash"]) == (False, False, None)
        audit = json.loads(mulu(home, "--json", "audit", ours).stdout)
        assert audit["clean"] and audit["reports"][0]["anchors"] == 13
        assert any("restated at block" in n["message"] for n in audit["reports"][0]["notices"])
    finally:
        mulu(home, "node", "stop", check=None)
