"""Offline Solidity compilation and the committed artifacts under ``contracts/artifacts/``.

The compiler is npm ``solc`` (the WASM build, pinned in ``package-lock.json``), driven through
``scripts/js/solc-compile.js`` with a standard-JSON document on stdin. Where a native ``solc``
exists (``SOLC_BINARY``), py-solc-x drives it with the *same* standard-JSON input instead.

The input embeds every source (ours and OpenZeppelin's, resolved here from ``node_modules``) under
the same source-unit names Hardhat uses (``contracts/X.sol``, ``@openzeppelin/contracts/...``), so
all three toolchains see identical metadata and produce identical bytecode.

EVM version: ``london``. It is the newest fork that Hyperledger Besu, GoQuorum and every other
permissioned Ethereum client we target accept without extra genesis configuration: no ``PUSH0``
(Shanghai), ``MCOPY`` or transient storage (Cancun), which GoQuorum and older Besu networks reject.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mulu.errors import MuluError

__all__ = [
    "ARTIFACTS_DIR",
    "CompilerError",
    "EVM_VERSION",
    "REPO_ROOT",
    "SOLC_VERSION",
    "build_input",
    "compile_contracts",
    "load_artifact",
    "write_artifacts",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = REPO_ROOT / "contracts"
ARTIFACTS_DIR = CONTRACTS_DIR / "artifacts"
NODE_MODULES = REPO_ROOT / "node_modules"
SOLC_SCRIPT = REPO_ROOT / "scripts" / "js" / "solc-compile.js"
SOLC_VERSION = "0.8.37"
EVM_VERSION = "london"
OPTIMIZER_RUNS = 200

SETTINGS: dict[str, Any] = {
    "evmVersion": EVM_VERSION,
    "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
    "viaIR": True,
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "storageLayout",
                "devdoc",
                "userdoc",
            ]
        }
    },
}

_IMPORT_RE = re.compile(r"""^\s*import\s+(?:[^'";]*?\s+from\s+)?["']([^"']+)["']""", re.M)


class CompilerError(MuluError):
    """The Solidity compiler could not be run or reported errors."""


def _resolve(unit: str, importer: str) -> str:
    if unit.startswith("."):
        parts = importer.split("/")[:-1]
        for piece in unit.split("/"):
            if piece == "..":
                parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)
    return unit


def _read_unit(unit: str) -> str:
    for base in (REPO_ROOT, NODE_MODULES):
        path = base / unit
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise CompilerError(f"source {unit!r} not found (did `npm ci` run?)")


def own_sources() -> list[str]:
    """Source-unit names of the project's contracts (``contracts/**/*.sol``)."""
    return sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for p in CONTRACTS_DIR.rglob("*.sol")
        if "artifacts" not in p.parts
    )


def build_input(only: str | None = None) -> dict[str, Any]:
    """The standard-JSON input with every reachable source embedded.

    ``only`` restricts the roots to our sources under that path prefix (``contracts/crypto``),
    for quick iteration only: with via-IR, a contract's bytecode depends on every source of the
    compile job (AST ids), so committed artifacts always come from a full compile.
    """
    sources: dict[str, dict[str, str]] = {}
    todo = [u for u in own_sources() if only is None or u.startswith(only)]
    while todo:
        unit = todo.pop()
        if unit in sources:
            continue
        text = _read_unit(unit)
        sources[unit] = {"content": text}
        todo.extend(_resolve(m, unit) for m in _IMPORT_RE.findall(text))
    return {
        "language": "Solidity",
        "sources": dict(sorted(sources.items())),
        "settings": SETTINGS,
    }


def _run_solcjs(data: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise CompilerError("`node` not found on PATH: install Node.js (>= 20) and run `npm ci`")
    if not (NODE_MODULES / "solc").is_dir():
        raise CompilerError("npm package `solc` missing: run `npm ci` in the repository root")
    proc = subprocess.run(
        [node, str(SOLC_SCRIPT)],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise CompilerError(f"solc-js failed: {proc.stderr.strip()[:2000]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _run_native(data: dict[str, Any], binary: str) -> dict[str, Any]:
    import solcx  # only needed with a native compiler

    try:
        result: dict[str, Any] = solcx.compile_standard(data, solc_binary=binary, allow_empty=True)
    except Exception as exc:  # solcx raises its own hierarchy
        raise CompilerError(f"native solc {binary} failed: {exc}") from exc
    return result


def compile_contracts(
    solc_binary: str | None = None,
    only: str | None = None,
    *,
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Compile every project contract; return ``{ContractName: artifact}``.

    ``solc_binary`` (or env ``SOLC_BINARY``) selects a native compiler via py-solc-x;
    ``only`` compiles just the sources under that path prefix. Errors raise
    :class:`CompilerError`; every other diagnostic (warnings, infos) goes to ``on_warning``,
    formatted as solc formats it.
    """
    data = build_input(only)
    binary = solc_binary or os.environ.get("SOLC_BINARY")
    output = _run_native(data, binary) if binary else _run_solcjs(data)
    diagnostics = output.get("errors", [])
    errors = [e for e in diagnostics if e.get("severity") == "error"]
    if errors:
        raise CompilerError("\n".join(e.get("formattedMessage", str(e)) for e in errors))
    if on_warning is not None:
        for e in diagnostics:
            on_warning(e.get("formattedMessage") or str(e))
    artifacts: dict[str, dict[str, Any]] = {}
    own = set(data["sources"]) & set(own_sources())
    for unit, contracts in output.get("contracts", {}).items():
        if unit not in own:
            continue
        for name, out in contracts.items():
            if name in artifacts:
                raise CompilerError(f"duplicate contract name {name} ({unit})")
            artifacts[name] = {
                "contractName": name,
                "sourceName": unit,
                "compiler": {"version": SOLC_VERSION, "settings": _artifact_settings()},
                "abi": out["abi"],
                "bytecode": "0x" + out["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
                "storageLayout": out.get("storageLayout", {}),
                "devdoc": out.get("devdoc", {}),
                "userdoc": out.get("userdoc", {}),
            }
    return artifacts


def _artifact_settings() -> dict[str, Any]:
    return {k: v for k, v in SETTINGS.items() if k != "outputSelection"}


def _dump(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_artifacts(artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR) -> None:
    """Write one JSON file per contract, removing artifacts of contracts that no longer exist."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json"):
        if old.stem not in artifacts:
            old.unlink()
    for name, artifact in artifacts.items():
        (directory / f"{name}.json").write_text(_dump(artifact), encoding="utf-8")


def stale_artifacts(
    artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR
) -> list[str]:
    """Names of contracts whose committed artifact differs from ``artifacts`` (or is missing/extra)."""
    stale = [
        name
        for name, artifact in artifacts.items()
        if not (directory / f"{name}.json").is_file()
        or (directory / f"{name}.json").read_text(encoding="utf-8") != _dump(artifact)
    ]
    stale += [p.stem for p in directory.glob("*.json") if p.stem not in artifacts]
    return sorted(stale)


def load_artifact(name: str, directory: Path = ARTIFACTS_DIR) -> dict[str, Any]:
    """The committed artifact of contract ``name``."""
    path = directory / f"{name}.json"
    if not path.is_file():
        raise CompilerError(f"no artifact for {name} in {directory}: run `make contracts`")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def main() -> None:
    """``python -m chain_client.compile [--check] [--only PREFIX]``: write or check the artifacts.

    With ``--only contracts/crypto`` just those contracts are compiled and written (others kept).
    """
    import sys

    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    artifacts = compile_contracts(only=only, on_warning=lambda w: print(w, file=sys.stderr))
    if only is not None:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        for name, artifact in artifacts.items():
            (ARTIFACTS_DIR / f"{name}.json").write_text(_dump(artifact), encoding="utf-8")
        print(f"wrote {len(artifacts)} artifacts under {only}")
        return
    if "--check" in sys.argv:
        stale = stale_artifacts(artifacts)
        if stale:
            print("stale artifacts: " + ", ".join(stale) + " (run `make contracts`)")
            raise SystemExit(1)
        print(f"{len(artifacts)} artifacts up to date")
        return
    write_artifacts(artifacts)
    print(f"wrote {len(artifacts)} artifacts to {ARTIFACTS_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
