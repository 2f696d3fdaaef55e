"""API throughput: ``GET /v1/projects/{code}`` beside a bare FastAPI endpoint, served the same way.

Both apps run in their own uvicorn process (one worker, same options) on loopback. One load
generator — an asyncio client holding CONCURRENCY keep-alive HTTP/1.1 connections, each sending
its next request as soon as the previous answer is read (so it costs the server's core little
and measures the server, not the client) — hits each for SECONDS after a warm-up, alternating
which goes first, ROUNDS rounds. Every answer must be a 200 with its full body. Reported: medians
of requests/s and of the p50/p99 latency of both, and the median of the per-round ratio
``api_vs_bare`` (each round's two figures are taken back to back, so a machine shared with other
work weighs on both). The ledger is a local anvil seeded by ``mulu dev bootstrap`` and
``mulu demo``; ``MULU_BENCH_RUNS`` sets the rounds.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chain_client.node import LocalNode, free_port  # noqa: E402

CONCURRENCY = 8
SECONDS = 4.0
WARMUP = 1.0
ROUNDS = int(os.environ.get("MULU_BENCH_RUNS", "5"))
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


async def _client(host: str, port: int, path: str, until: float) -> tuple[list[float], int]:
    """One keep-alive connection, one request at a time until ``until``: (latencies ms, errors)."""
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0
    try:
        while (t0 := time.perf_counter()) < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:  # both apps answer with a Content-Length
                raise RuntimeError(f"no Content-Length in {head[:200]!r}")
            body = await reader.readexactly(length)
            if head[9:12] != b"200" or not body:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)
    finally:
        writer.close()
        await writer.wait_closed()
    return latencies, errors


async def _run_load(url: str, seconds: float) -> tuple[float, list[float]]:
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    started = time.perf_counter()
    done = await asyncio.gather(
        *(_client(host, int(port), "/" + path, started + seconds) for _ in range(CONCURRENCY))
    )
    elapsed = time.perf_counter() - started
    errors = sum(e for _, e in done)
    if errors:
        raise RuntimeError(f"{errors} answers from {url} were not 200 with a body")
    latencies = [ms for lat, _ in done for ms in lat]
    return len(latencies) / elapsed, latencies


def _load(url: str) -> tuple[float, list[float]]:
    """(requests/s, latencies in ms) of CONCURRENCY clients for SECONDS, after a warm-up."""
    asyncio.run(_run_load(url, WARMUP))
    return asyncio.run(_run_load(url, SECONDS))


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
        api_fig: dict[str, list[float]] = {"rps": [], "p50": [], "p99": []}
        bare_fig: dict[str, list[float]] = {"rps": [], "p50": [], "p99": []}
        ratios = []
        targets = [(f"{api_url}/v1/projects/{CODE}", api_fig), (f"{bare_url}/bare", bare_fig)]
        for round_ in range(ROUNDS):
            for url, figures in targets if round_ % 2 == 0 else targets[::-1]:
                r, lat = _load(url)
                figures["rps"].append(r)
                figures["p50"].append(_pct(lat, 0.50))
                figures["p99"].append(_pct(lat, 0.99))
            ratios.append(api_fig["rps"][-1] / bare_fig["rps"][-1])
        med = statistics.median
        return {
            "api_rps": round(med(api_fig["rps"]), 1),
            "api_bare_rps": round(med(bare_fig["rps"]), 1),
            "api_p50_ms": round(med(api_fig["p50"]), 2),
            "api_p99_ms": round(med(api_fig["p99"]), 2),
            "api_bare_p50_ms": round(med(bare_fig["p50"]), 2),
            "api_bare_p99_ms": round(med(bare_fig["p99"]), 2),
            "api_vs_bare": round(med(ratios), 3),
            "api_concurrency": CONCURRENCY,
            "api_rounds": ROUNDS,
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        node.stop()


if __name__ == "__main__":
    print(run())
