"""Catalog benchmark: validate + canonicalise + digest + tree, canonical speed-up, big trees.

Figures (medians over several runs, one core):

- ``catalog_per_s``: ``load_catalog(bytes)`` (strict parse, validation, canonical bytes,
  leaves) + SM3 digest + Merkle root of a 100-resource catalog (10 items each, ~100 KB);
- ``jcs_speedup_vs_rfc8785``: the catalog's canonical bytes and leaves by the fast path vs
  ``rfc8785.dumps`` of the document and of each resource, same run, each on freshly parsed
  documents; both give the same bytes;
- ``tree_1m_build_s``: SM3 tree of 10⁶ 32-byte leaves;
- ``proof_1m_bytes`` / ``proof_verify_us``: audit path size and verification time in that tree.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import rfc8785

from catalog import MerkleTree, load_catalog, verify_inclusion
from catalog._jcs import canonicalize_plain

SHARE = [("无条件共享", {}), ("有条件共享", {"share_condition": "仅限政务部门依法履职使用"}),
         ("不予共享", {"share_legal_basis": "《中华人民共和国个人信息保护法》第十三条"})]
CYCLES = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]


def sample_catalog(resources: int = 100, items: int = 10) -> dict[str, Any]:
    out = []
    for i in range(resources):
        share, extra = SHARE[i % 3]
        r: dict[str, Any] = {
            "code": f"101{i % 7 + 1:03d}/{i + 1:06d}",
            "name": f"全市企业登记基本信息第{i + 1}号",
            "classification": {"code": f"101{i % 7 + 1:03d}", "category": "基础信息资源",
                               "item": "法人单位", "catalogue": "登记信息"},
            "provider": "北京市市场监督管理局",
            "provider_code": "11110000MB0123456X",
            "summary": "本市企业登记注册的基本信息。",
            "format": "数据库",
            "items": [{"name": f"项{j + 1}", "data_type": "字符型", "length": 64}
                      for j in range(items)],
            "share_type": share, **extra,
            "open_type": "无条件开放",
            "update_cycle": CYCLES[i % 8],
            "publish_date": "2026-03-01",
        }
        if share != "不予共享":
            r["share_method"] = "接口"
        out.append(r)
    return {"schema": "mulu.catalog/v1", "project_code": "BJ-2026-0001", "kind": "declared",
            "version": 1, "resources": out}


def _median(fn: Callable[[], object], number: int, repeat: int = 7,
            clock: Callable[[], float] = time.process_time) -> float:
    """Median seconds per call. CPU time by default: the figure is "on one core", and the
    machine is shared, so wall time also counts other processes' turns."""
    times = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        times.append((clock() - start) / number)
    return statistics.median(times)


def run() -> dict[str, float | int]:
    document = sample_catalog()
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")

    def pipeline() -> None:
        cat = load_catalog(data)
        cat.digest  # noqa: B018 - computed on access
        cat.merkle_root  # noqa: B018

    pipeline()
    per_catalog = _median(pipeline, 100)
    per_catalog_wall = _median(pipeline, 100, clock=time.perf_counter)

    # fresh documents for each call: a parsed string has no cached UTF-8 form yet
    def canonical_time(fn: Callable[[Any], object], count: int) -> float:
        runs = []
        for _ in range(5):
            docs = [json.loads(data) for _ in range(count)]
            start = time.process_time()
            for doc in docs:
                fn(doc)
            runs.append((time.process_time() - start) / count)
        return statistics.median(runs)

    def fast(doc: Any) -> None:
        canonicalize_plain(doc)
        [canonicalize_plain(r) for r in doc["resources"]]

    def slow(doc: Any) -> None:
        rfc8785.dumps(doc)
        [rfc8785.dumps(r) for r in doc["resources"]]

    assert canonicalize_plain(document) == rfc8785.dumps(document)
    t_fast = canonical_time(fast, 50)
    t_slow = canonical_time(slow, 4)

    leaves = [i.to_bytes(32, "big") for i in range(1_000_000)]
    start = time.process_time()
    tree = MerkleTree(leaves)
    build = time.process_time() - start
    proof = tree.inclusion_proof(123_457)
    verify_us = _median(lambda: verify_inclusion(proof, tree.root), 200) * 1e6
    return {
        "catalog_bytes": len(data),
        "catalog_per_s": round(1 / per_catalog, 1),
        "catalog_pipeline_ms": round(per_catalog * 1e3, 3),
        "catalog_per_s_wall": round(1 / per_catalog_wall, 1),
        "jcs_fast_ms": round(t_fast * 1e3, 3),
        "jcs_rfc8785_ms": round(t_slow * 1e3, 3),
        "jcs_speedup_vs_rfc8785": round(t_slow / t_fast, 1),
        "tree_1m_build_s": round(build, 3),
        "proof_1m_bytes": len(proof.audit_path) * 32,
        "proof_verify_us": round(verify_us, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
