"""API throughput: ``GET /v1/projects/{code}`` beside a bare FastAPI endpoint, served the same way.

Both apps run in their own uvicorn process (one worker) on loopback; a load generator with a
fixed number of concurrent keep-alive clients hits each for a fixed time, alternating, several
rounds. Reported: medians of requests/s and of the p50/p99 latency of the ledger endpoint, and
the bare endpoint's requests/s (same machine, same run). The ledger is a local anvil seeded by
``mulu dev bootstrap`` and ``mulu demo``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chain_client.node import LocalNode, free_port  # noqa: E402

CONCURRENCY = 8
SECONDS = 4.0
ROUNDS = 3
CODE = "BJ-2026-0106"  # the demo project that reached 运维


def _serve(
    target: str, env: dict[str, str], *, factory: bool
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return proc, f"http://127.0.0.1:{port}"


def _wait(url: str, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}{path} did not answer 200 within {timeout:.0f} s")


def _load(url: str) -> tuple[float, list[float]]:
    """(requests/s, latencies in ms) of CONCURRENCY clients for SECONDS."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS
    errors = [0]

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(timeout=10) as client:
            while (t0 := time.perf_counter()) < stop:
                r = client.get(url)
                if r.status_code != 200:
                    errors[0] += 1
                mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors[0]:
        raise RuntimeError(f"{errors[0]} non-200 answers from {url}")
    return len(latencies) / (time.perf_counter() - started), latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="mulu-bench-api-"))
    env = os.environ | {"MULU_HOME": str(home), "MULU_DEV_PASSWORD": "bench-" + os.urandom(6).hex()}
    env.pop("MULU_RPC_URL", None)
    node = LocalNode(home)
    node.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for cmd in (["dev", "bootstrap"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "mulu.cli.main", *cmd],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        api, api_url = _serve("api.app:create_app", env, factory=True)
        bare, bare_url = _serve(
            "scripts._bare_app:app", env | {"PYTHONPATH": str(ROOT)}, factory=False
        )
        procs += [api, bare]
        _wait(api_url, f"/v1/projects/{CODE}")
        _wait(bare_url, "/bare")
        rps, bare_rps, p50, p99 = [], [], [], []
        for _ in range(ROUNDS):
            r, lat = _load(f"{api_url}/v1/projects/{CODE}")
            rps.append(r)
            p50.append(_pct(lat, 0.50))
            p99.append(_pct(lat, 0.99))
            bare_rps.append(_load(f"{bare_url}/bare")[0])
        return {
            "api_rps": round(statistics.median(rps), 1),
            "api_bare_rps": round(statistics.median(bare_rps), 1),
            "api_p50_ms": round(statistics.median(p50), 2),
            "api_p99_ms": round(statistics.median(p99), 2),
            "api_vs_bare": round(statistics.median(rps) / statistics.median(bare_rps), 3),
            "api_concurrency": CONCURRENCY,
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        node.stop()


if __name__ == "__main__":
    print(run())
