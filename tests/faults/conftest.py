"""Fault tests' world: a ledger on an anvil node of its own (the tests kill it), projects of one
unit, catalogs written as files, and the audit that proves nothing was lost or duplicated."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

import sm_crypto
from catalog import load_catalog
from chain_client.anchors import ANCHOR_EVENTS, AnchorHistory, classify, commitment
from chain_client.chain import Chain
from chain_client.compile import load_artifact
from chain_client.ledger import Ledger
from chain_client.node import LocalNode
from chain_client.types import CatalogKind, encode_code
from tests.chain.conftest import deploy_members


def catalog_document(code: str, version: int, resources: int = 5, salt: str = "") -> dict:
    """A valid declared catalog of ``resources`` resources (``salt`` makes the digest unique)."""
    out = []
    for i in range(resources):
        out.append(
            {
                "code": f"101001/{i + 1:06d}",
                "name": f"企业登记信息{i + 1}{salt}",
                "classification": {
                    "code": "101001",
                    "category": "基础信息资源",
                    "item": "法人单位",
                    "catalogue": "登记信息",
                },
                "provider": "北京市市场监督管理局",
                "provider_code": "11110000MB0123456X",
                "summary": f"本市企业登记注册的基本信息 v{version}。",
                "format": "数据库",
                "items": [
                    {"name": f"项{j + 1}", "data_type": "字符型", "length": 64} for j in range(5)
                ],
                "share_type": "无条件共享",
                "share_method": "接口",
                "open_type": "无条件开放",
                "update_cycle": "每日",
                "publish_date": "2026-03-01",
            }
        )
    return {
        "schema": "mulu.catalog/v1",
        "project_code": code,
        "kind": "declared",
        "version": version,
        "resources": out,
    }


@dataclass
class FaultWorld:
    node: LocalNode
    chain: Chain
    ledger: Ledger
    accounts: dict[str, LocalAccount]
    sm2: dict[str, sm_crypto.PrivateKey]
    outsider: LocalAccount

    @property
    def unit(self) -> LocalAccount:
        return self.accounts["unit1"]

    def reconnect(self) -> None:
        self.chain = Chain.connect(self.node.url())
        self.ledger = Ledger(self.chain, self.ledger.deployment)

    def create_projects(self, n: int, *, unit: str = "unit1") -> list[str]:
        prefix = secrets.token_hex(3).upper()
        codes = [f"BJ-2026-{k:06d}-{prefix}" for k in range(n)]
        for code in codes:
            self.ledger.create_project(
                self.accounts["eitb"], code, self.accounts[unit].address, "故障测试项目"
            )
        return codes

    def write_catalogs(
        self, directory: Path, codes: list[str], versions: int, resources: int = 5
    ) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        salt = secrets.token_hex(4)
        for code in codes:
            for v in range(1, versions + 1):
                path = directory / f"{code}-v{v}.json"
                path.write_text(
                    json.dumps(catalog_document(code, v, resources, salt), ensure_ascii=False),
                    encoding="utf-8",
                )
                paths.append(path)
        return paths


def start_node(home: Path) -> LocalNode:
    node = LocalNode(home)
    node.start(extra_args=["--gas-limit", "1000000000"])
    return node


def build_world(home: Path) -> FaultWorld:
    node = start_node(home)
    chain = Chain.connect(node.url())
    ledger, accounts, keys, outsider = deploy_members(chain)
    return FaultWorld(node, chain, ledger, accounts, keys, outsider)


@pytest.fixture
def fault_world(tmp_path: Path):
    world = build_world(tmp_path / "home")
    try:
        yield world
    finally:
        world.node.stop()


def audit_exactly_once(ledger: Ledger, paths: list[Path]) -> AnchorHistory:
    """Every catalog is anchored (``isAnchored``) and recorded exactly once in the event history
    (chain_client.anchors): exactly one anchor event per digest — its ``CatalogAnchored``, or the
    ``CatalogAnchorRestated`` of an anchor whose block the node lost — and it is its version's
    record, with the catalog's fields; no duplicate, conflicting or redundant anchor event at
    all. Returns the judged history (``.restated``: how many records are restatements)."""
    expected = {}
    for p in paths:
        cat = load_catalog(p.read_bytes())
        expected[cat.digest] = cat
    events = [e for e in ledger.logs(contracts=["CatalogLedger"]) if e.name in ANCHOR_EVENTS]
    history = classify(events)
    per_digest = Counter(bytes(e.args["digest"]) for e in events)
    missing = [c for d, c in expected.items() if per_digest[d] == 0]
    repeated = {d.hex(): n for d, n in per_digest.items() if n > 1}
    assert not missing, f"{len(missing)} catalogs lost, e.g. {missing[:3]}"
    assert not repeated, f"more than one anchor event per digest: {repeated}"
    assert not history.duplicates, f"duplicated anchors: {history.duplicates[:3]}"
    assert not history.conflicts, f"conflicting anchors: {history.conflicts[:3]}"
    assert not history.redundant, f"redundant restatements: {history.redundant[:3]}"
    assert set(per_digest) >= set(expected)
    for cat in expected.values():
        record = history.record(
            encode_code(cat.project_code), int(CatalogKind.parse(cat.kind.value)), cat.version
        )
        assert record is not None and commitment(record.args) == (
            cat.digest,
            cat.merkle_root,
            cat.resource_count,
        ), f"{cat!r}: its version's record is {record}"
        assert ledger.is_anchored(
            cat.project_code,
            cat.kind.value,
            cat.version,
            cat.digest,
            cat.merkle_root,
            cat.resource_count,
        ), f"{cat!r} not anchored"
    return history


def _slot(key: bytes, position: bytes) -> bytes:
    """Storage slot of ``mapping[key]`` for a mapping at ``position`` (32-byte words)."""
    return Web3.keccak(key.rjust(32, b"\0") + position)


def anchor_without_event(
    ledger: Ledger,
    unit: LocalAccount,
    code: str,
    kind: str,
    version: int,
    digest: bytes,
    root: bytes,
    count: int,
) -> None:
    """Leave what anvil restored from a state dump ahead of its blocks leaves: the anchor's
    storage written (its commitment, the project's entry word: head version, count, time), its
    block — and so its ``CatalogAnchored`` — in no chain. The anchor is sent inside a snapshot,
    the two slots it wrote are read, the snapshot reverted and the slots written back with
    ``anvil_setStorageAt``."""
    layout = {
        v["label"]: int(v["slot"])
        for v in load_artifact("CatalogLedger")["storageLayout"]["storage"]
    }
    raw, kind_id = encode_code(code), int(CatalogKind.parse(kind))
    by_code = _slot(raw, layout["_commitments"].to_bytes(32, "big"))
    by_kind = _slot(kind_id.to_bytes(32, "big"), by_code)
    slots = [
        _slot(version.to_bytes(32, "big"), by_kind),
        _slot(raw, layout["_entries"].to_bytes(32, "big")),
    ]
    chain, address = ledger.chain, ledger.catalogs.address
    snapshot = chain.snapshot()
    ledger.anchor(unit, code, kind, version, digest, root, count)
    written = [chain.w3.eth.get_storage_at(address, slot) for slot in slots]
    chain.revert_to(snapshot)
    for slot, value in zip(slots, written, strict=True):
        chain.w3.provider.make_request(  # type: ignore[arg-type]
            "anvil_setStorageAt", [address, "0x" + slot.hex(), "0x" + bytes(value).hex()]
        )
    assert ledger.is_anchored(code, kind, version, digest, root, count)
