"""The committed artifacts are exactly what the pinned compiler makes of the sources."""

from __future__ import annotations

import json
import subprocess

from chain_client.compile import (
    ARTIFACTS_DIR,
    REPO_ROOT,
    SOLC_SCRIPT,
    SOLC_VERSION,
    compile_contracts,
    stale_artifacts,
)


def test_committed_artifacts_are_fresh() -> None:
    warnings: list[str] = []
    artifacts = compile_contracts(on_warning=warnings.append)
    assert warnings == [], "\n".join(warnings)  # solc has nothing to say about the sources
    assert {"Members", "ProjectLibrary", "CatalogLedger"} <= set(artifacts)
    assert stale_artifacts(artifacts) == [], "run `make contracts` and commit contracts/artifacts/"


def test_stale_artifact_is_detected(tmp_path) -> None:
    artifacts = compile_contracts(only="contracts/Roles.sol")
    (tmp_path / "Roles.json").write_text(json.dumps({"abi": []}))
    assert stale_artifacts(artifacts, tmp_path) == ["Roles"]


def test_compiler_is_the_pinned_solc_js() -> None:
    out = subprocess.run(
        ["node", str(SOLC_SCRIPT), "--version"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    )
    assert out.stdout.startswith(SOLC_VERSION + "+commit")


def test_artifacts_carry_abi_bytecode_and_storage_layout() -> None:
    for name in ("Members", "ProjectLibrary", "CatalogLedger"):
        artifact = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
        assert artifact["abi"] and len(artifact["deployedBytecode"]) > 2
        assert artifact["storageLayout"]["storage"]
        assert artifact["compiler"]["settings"]["evmVersion"] == "london"
        # london: no PUSH0 (0x5f) may appear as an opcode; check by walking the runtime code
        code = bytes.fromhex(artifact["deployedBytecode"][2:])
        i = 0
        while i < len(code):
            op = code[i]
            if op == 0xFE and i > 0:  # INVALID marks the start of metadata / data sections
                break
            assert op != 0x5F, f"{name}: PUSH0 at {i}"
            i += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
        assert len(code) <= 24_576, f"{name} exceeds the EIP-170 size limit"
