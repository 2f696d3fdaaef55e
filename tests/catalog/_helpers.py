"""Shared test data: valid catalog documents and a naive RFC 9162 reference tree."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VECTORS = ROOT / "tests" / "vectors"


def resource(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid resource (有条件共享, 不予开放) numbered ``n``."""
    r: dict[str, Any] = {
        "code": f"101001/{n:06d}",
        "name": f"企业登记基本信息{n}",
        "classification": {
            "code": "101001",
            "category": "基础信息资源",
            "item": "法人单位",
            "catalogue": "登记信息",
        },
        "provider": "北京市市场监督管理局",
        "provider_code": "11110000MB0123456X",
        "summary": "本市企业登记注册的基本信息。",
        "format": "数据库",
        "items": [
            {"name": "统一社会信用代码", "data_type": "字符型", "length": 18},
            {"name": "成立日期", "data_type": "日期型"},
        ],
        "share_type": "有条件共享",
        "share_condition": "仅限政务部门依法履职使用",
        "share_method": "接口",
        "open_type": "不予开放",
        "open_legal_basis": "《中华人民共和国个人信息保护法》第十三条",
        "update_cycle": "每日",
        "publish_date": "2026-03-01",
    }
    r.update(changes)
    return r


def document(count: int = 3, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "mulu.catalog/v1",
        "project_code": "BJ-2026-0001",
        "kind": "declared",
        "version": 1,
        "resources": [resource(i + 1) for i in range(count)],
    }
    doc.update(changes)
    return doc


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def dumps(obj: Any, **kw: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, **kw).encode("utf-8")


def clone(obj: Any) -> Any:
    return copy.deepcopy(obj)


# --- naive reference Merkle tree, straight from RFC 9162 §2.1 (recursive) -----------------


def ref_hash(data: bytes, algorithm: str) -> bytes:
    return hashlib.new(algorithm, data).digest()


def ref_root(leaves: list[bytes], algorithm: str = "sm3") -> bytes:
    n = len(leaves)
    if n == 0:
        return ref_hash(b"", algorithm)
    if n == 1:
        return ref_hash(b"\x00" + leaves[0], algorithm)
    k = 1 << ((n - 1).bit_length() - 1)
    return ref_hash(
        b"\x01" + ref_root(leaves[:k], algorithm) + ref_root(leaves[k:], algorithm), algorithm
    )


def ref_path(m: int, leaves: list[bytes], algorithm: str = "sm3") -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return ref_path(m, leaves[:k], algorithm) + [ref_root(leaves[k:], algorithm)]
    return ref_path(m - k, leaves[k:], algorithm) + [ref_root(leaves[:k], algorithm)]


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same value with every object's members in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value
