"""``make bench``: run every ``scripts/bench_*.py`` module's ``run()`` and merge the figures.

Each module returns a flat ``{key: number}`` dict (medians over several runs, baselines measured
in the same process). Each module runs in a fresh Python process of its own, so none inherits
the threads, heap or garbage-collector load of the modules before it. The merged result goes to ``bench/results.json`` with the machine's core count, and a table is
printed. ``python scripts/bench.py sm catalog`` runs only those modules.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


def _modules(selected: list[str]) -> list[Path]:
    found = sorted((ROOT / "scripts").glob("bench_*.py"))
    if selected:
        found = [p for p in found if p.stem.removeprefix("bench_") in selected]
    return found


def _run_one(path: Path, out: Path) -> None:
    """In the child process: the module's ``run()``, its figures written to ``out``."""
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out.write_text(json.dumps(module.run()), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        _run_one(Path(argv[1]), Path(argv[2]))
        return 0
    results: dict[str, object] = {}
    if RESULTS.is_file():
        results.update(json.loads(RESULTS.read_text(encoding="utf-8")))
    for path in _modules(argv):
        started = time.perf_counter()
        print(f"== {path.stem} ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "figures.json"
            subprocess.run([sys.executable, __file__, "--one", str(path), str(out)], check=True)
            figures = json.loads(out.read_text(encoding="utf-8"))
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
        results.update(figures)
    results["cpu_count"] = os.cpu_count()
    results["machine"] = (
        f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    )
    results["generated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    width = max(len(k) for k in results)
    for key in sorted(results):
        value = results[key]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
