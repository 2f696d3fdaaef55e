"""The ``mulu`` CLI end to end on a real anvil node: node, bootstrap, projects, anchors, exit codes,
and a kill -9 of the node that loses nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.clirun import js, mulu, node_home

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    with node_home(tmp_path_factory.mktemp("mulu-home"), bootstrap=False) as home:
        yield home


def test_bootstrap_then_idempotent(home: Path) -> None:
    first = js(home, "dev", "bootstrap")
    assert first["deployed"] is True
    assert sorted(first["identities"]) == sorted(
        ["eitb", "drc", "finance", "crypto", "sector", "unit1", "unit2", "platform", "auditor"]
    )
    for name in first["identities"]:  # keys at rest are encrypted
        pem = (home / "identities" / name / "sm2.pem").read_text()
        assert "BEGIN ENCRYPTED PRIVATE KEY" in pem
        keystore = json.loads((home / "identities" / name / "eth.json").read_text())
        assert "ciphertext" in keystore["crypto"]
    again = js(home, "dev", "bootstrap")
    assert again["changed"] is False
    assert again["deployment"] == first["deployment"]
    members = js(home, "member", "list")["members"]
    roles = {m["identity"]: m["roles"] for m in members}
    assert roles["eitb"] == ["GOVERNOR", "REVIEWER"]
    assert roles["unit1"] == ["UNIT"]
    assert all(m["keys"] and m["keys"][0]["valid_until_block"] is None for m in members)


def test_project_walk_and_exit_codes(home: Path, tmp_path: Path) -> None:
    js(home, "dev", "bootstrap")
    declared = json.loads((EXAMPLES / "declared.json").read_text())
    code = declared["project_code"]
    created = js(
        home,
        "project",
        "create",
        code,
        "--name",
        declared.get("project_name", "项目"),
        "--unit",
        "unit1",
    )
    assert created["state"] == "RESERVE"
    # review cannot start without the declared catalog: refused by a rule -> exit 1, named error
    refused = mulu(home, "project", "review-start", code, check=1)
    assert "CatalogDeclaredCatalogMissing" in refused.stderr
    anchored = js(home, "catalog", "anchor", str(EXAMPLES / "declared.json"))
    assert anchored["created"] is True and anchored["resource_count"] == len(declared["resources"])
    stored = Path(anchored["stored_at"])
    assert stored.name == anchored["digest"] + ".json" and stored.is_file()
    again = js(home, "catalog", "anchor", str(EXAMPLES / "declared.json"))
    assert again["created"] is False and again["tx_hash"] is None
    assert js(home, "project", "review-start", code)["state"] == "UNDER_REVIEW"
    js(home, "project", "crypto-approve", code)
    opinion = tmp_path / "opinion.pdf"
    opinion.write_bytes("技术评审意见函".encode())
    js(home, "project", "review-pass", code, "--opinion", str(opinion))
    assert (
        js(home, "--as", "drc", "project", "fund", code, "--period-days", "365")["state"]
        == "APPROVED"
    )
    assert js(home, "project", "start-construction", code)["state"] == "UNDER_CONSTRUCTION"
    # bad input -> exit 2, nothing sent
    mulu(
        home,
        "--as",
        "drc",
        "project",
        "fund",
        "bad code with spaces",
        "--period-days",
        "1",
        check=2,
    )
    mulu(home, "project", "review-start", "bad code with spaces", check=2)
    mulu(home, "catalog", "anchor", str(tmp_path / "missing.json"), check=2)
    # wrong signer -> exit 1 with the named error
    wrong = mulu(
        home, "--as", "unit2", "project", "progress", code, "--report", str(opinion), check=1
    )
    assert "ProjectNotUnit" in wrong.stderr
    status = js(home, "project", "status", code)
    assert status["state"] == "UNDER_CONSTRUCTION" and status["unit_identity"] == "unit1"
    history = [e["event"] for e in js(home, "project", "history", code)["events"]]
    assert history[:3] == ["ProjectCreated", "CatalogAnchored", "ReviewStarted"]
    human = mulu(home, "project", "status", code).stdout
    assert "在建" in human


def test_unreachable_chain_exit_3(home: Path) -> None:
    proc = mulu(home, "--rpc", "http://127.0.0.1:9", "project", "status", "BJ-1", check=3)
    assert "ChainUnavailable" in proc.stderr


def test_kill_9_keeps_state_history_and_anchors(home: Path, tmp_path: Path) -> None:
    js(home, "dev", "bootstrap")
    declared = json.loads((EXAMPLES / "declared.json").read_text())
    code = declared["project_code"] = "BJ-2026-9009"
    doc = tmp_path / "declared-9009.json"
    doc.write_text(json.dumps(declared, ensure_ascii=False), encoding="utf-8")
    js(home, "project", "create", code, "--name", "断电测试项目", "--unit", "unit2")
    js(home, "catalog", "anchor", str(doc))
    js(home, "project", "review-start", code)
    before = js(home, "project", "history", code)["events"]
    assert [e["event"] for e in before] == ["ProjectCreated", "CatalogAnchored", "ReviewStarted"]
    block = js(home, "node", "status")["block_number"]
    time.sleep(2.5)  # anvil writes its state every second (--state-interval 1)
    from chain_client.node import LocalNode

    LocalNode(home).kill()
    assert js(home, "node", "status")["running"] is False
    mulu(home, "project", "status", code, check=3)  # chain down: exit 3
    mulu(home, "node", "start")
    assert js(home, "node", "status")["block_number"] >= block
    assert js(home, "project", "history", code)["events"] == before
    assert js(home, "project", "status", code)["state"] == "UNDER_REVIEW"
    assert js(home, "dev", "bootstrap")["changed"] is False
    again = js(home, "catalog", "anchor", str(doc))
    assert again["created"] is False


def test_member_governance_through_the_cli(home: Path) -> None:
    js(home, "dev", "bootstrap")
    from chain_client.identity import IdentityStore

    newcomer = IdentityStore(home).create("unit3", b"test-password")
    proposed = js(
        home,
        "--as",
        "eitb",
        "member",
        "propose",
        "admit",
        "unit3",
        "--name",
        "北京市水务局信息中心",
        "--roles",
        "UNIT",
    )
    pid = str(proposed["proposal_id"])
    refused = mulu(home, "--as", "eitb", "member", "execute", pid, check=1)
    assert "MembersNotEnoughApprovals" in refused.stderr
    assert (
        "MembersUnauthorized"
        in mulu(home, "--as", "unit1", "member", "approve", pid, check=1).stderr
    )
    mulu(home, "member", "approve", pid, check=2)  # which governor approves must be said
    js(home, "--as", "finance", "member", "approve", pid)
    js(home, "--as", "drc", "member", "execute", pid)
    shown = js(home, "member", "show", "unit3")
    assert shown["active"] is True and shown["roles"] == ["UNIT"]
    assert shown["keys"][0]["x_y"] == "0x" + newcomer.sm2_public_key.hex()
    mulu(home, "--as", "eitb", "member", "propose", "promote", "unit3", check=2)


def test_calendar_from_a_published_arrangement(home: Path, tmp_path: Path) -> None:
    """``project calendar`` (REVIEWER): a year the package does not know is refused, recorded
    from its arrangement file (other unknown days provisional), then left alone when unchanged."""
    js(home, "dev", "bootstrap")
    span = ("project", "calendar", "--from", "2031-01-01", "--to", "2031-12-31")
    unknown = mulu(home, *span, check=2)
    # the first word begins in 2030, which nothing describes
    assert (
        "CalendarUnknown" in unknown.stderr and "of 2030 (needed from 2030-09-28)" in unknown.stderr
    )
    hols = tmp_path / "hols-2031.json"
    hols.write_text(
        json.dumps(
            {
                "schema": "mulu.holidays/v1",
                "year": 2031,  # made-up test data
                "holidays": ["2031-01-01", "2031-10-01..2031-10-07"],
                "workdays": ["2031-10-11"],
            }
        )
    )
    bad = tmp_path / "bad.json"
    bad.write_text(hols.read_text().replace("2031-10-11", "2031-10-13"))
    refused = mulu(home, *span, "--holidays", str(bad), "--provisional", check=2)
    assert "ArrangementInvalid" in refused.stderr and "2031-10-13, a weekday" in refused.stderr
    # the refusals recorded nothing: every word is recorded now
    first = js(home, *span, "--holidays", str(hols), "--provisional")
    assert first["recorded"] == first["words"] == [87, 88] and len(first["transactions"]) == 2
    assert first["covers"] == ["2030-09-28", "2032-02-19"]
    again = js(home, *span, "--holidays", str(hols), "--provisional")
    assert again["recorded"] == [] and again["transactions"] == []
    # without the file the words differ (New Year is Monday-Friday then): recorded again
    plain = js(home, *span, "--provisional")
    assert plain["recorded"] == [87, 88]
    # a change is a transaction, and only a REVIEWER may send it
    wrong = mulu(home, "--as", "unit1", *span, "--holidays", str(hols), "--provisional", check=1)
    assert "Unauthorized" in wrong.stderr, wrong.stderr
