"""Fixtures for the sm_crypto suite: the backends under test and the real ``openssl`` binary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pytest (rootdir conftest, "prepend" import mode) puts tests/ on sys.path ahead of the editable
# install's finder, so ``import sm_crypto`` would find the namespace package tests/sm_crypto/
# instead of the library. Put the repository root first and forget any such namespace import.
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != _ROOT:
    sys.path.insert(0, _ROOT)
if getattr(sys.modules.get("sm_crypto"), "__file__", "") is None:
    for _name in [m for m in sys.modules if m == "sm_crypto" or m.startswith("sm_crypto.")]:
        del sys.modules[_name]

from sm2_reference import ReferenceBackend  # noqa: E402

import sm_crypto  # noqa: E402
from sm_crypto._openssl import OpenSSLBackend  # noqa: E402

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "sm2"
OPENSSL = shutil.which("openssl")


def load_vectors(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(params=["openssl", "reference"])
def backend(request: pytest.FixtureRequest) -> Iterator[sm_crypto.Backend]:
    """Each backend in turn, installed with ``set_backend`` for the test's duration."""
    chosen: sm_crypto.Backend = (
        OpenSSLBackend() if request.param == "openssl" else ReferenceBackend()
    )
    sm_crypto.set_backend(chosen)
    try:
        yield chosen
    finally:
        sm_crypto.set_backend(None)


def run_openssl(
    *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run the real ``openssl`` binary (tests needing it are skipped when it is absent)."""
    if OPENSSL is None:
        pytest.skip("the openssl binary is not on PATH")
    return subprocess.run(
        [OPENSSL, *args], input=input, capture_output=True, env=env, check=check, timeout=60
    )


#: Python source that makes this process's hashlib refuse SM3 (for subprocess tests of the
#: fallbacks: sm_crypto must then take SM3 from ``cryptography``)
NO_HASHLIB_SM3 = (
    "import hashlib\n"
    "real = hashlib.new\n"
    "def fake(name, *a, **k):\n"
    "    if name.lower() == 'sm3': raise ValueError('unsupported hash type')\n"
    "    return real(name, *a, **k)\n"
    "hashlib.new = fake\n"
)
