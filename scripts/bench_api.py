"""API throughput: ``GET /v1/projects/{code}`` beside a bare FastAPI endpoint, served the same way.

Both apps run in their own uvicorn process (one worker, same options) on loopback. One load
generator — an asyncio client holding CONCURRENCY keep-alive HTTP/1.1 connections to each app,
each connection sending its next request as soon as the previous answer is read (cheap on the
shared cores, so the figure is the server's, not the client's) — warms both up, then loads them
in turn, SECONDS each, ROUNDS rounds, alternating which goes first. Short interleaved slices keep
the two figures of a round back to back, so other work on a shared machine weighs on both. Every
answer must be a 200 with its full body. Reported: medians over the rounds of requests/s and of
the p50/p99 latency of both, and the median of the per-round ratio ``api_vs_bare``. The ledger
is a local anvil seeded by ``mulu dev bootstrap`` and ``mulu demo``; ``MULU_BENCH_RUNS`` sets
the rounds.
"""

from __future__ import annotations

import asyncio
import json
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
SECONDS = 2.0
WARMUP = 1.0
ROUNDS = int(os.environ.get("MULU_BENCH_RUNS", "12"))
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Target:
    """CONCURRENCY keep-alive connections to one URL served by process ``pid``."""

    def __init__(self, url: str, pid: int) -> None:
        self.pid = pid
        host_port, _, path = url.removeprefix("http://").partition("/")
        self.url = url
        self.host, _, port = host_port.partition(":")
        self.port = int(port)
        self.request = f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode()
        self.conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open(self) -> None:
        for _ in range(CONCURRENCY):
            self.conns.append(await asyncio.open_connection(self.host, self.port))

    async def close(self) -> None:
        for _, writer in self.conns:
            writer.close()
            await writer.wait_closed()

    async def _one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, until: float
    ) -> tuple[list[float], int]:
        latencies: list[float] = []
        errors = 0
        while (t0 := time.perf_counter()) < until:
            writer.write(self.request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:  # both apps answer with a Content-Length
                raise RuntimeError(f"no Content-Length from {self.url}: {head[:200]!r}")
            body = await reader.readexactly(length)
            if head[9:12] != b"200" or not body:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)
        return latencies, errors

    async def load(self, seconds: float) -> tuple[float, list[float], float]:
        """(requests/s, latencies in ms, server CPU µs per request) of the connections, each one
        request at a time."""
        cpu = _cpu_seconds(self.pid)
        started = time.perf_counter()
        done = await asyncio.gather(*(self._one(r, w, started + seconds) for r, w in self.conns))
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(self.pid) - cpu
        errors = sum(e for _, e in done)
        if errors:
            raise RuntimeError(f"{errors} answers from {self.url} were not 200 with a body")
        latencies = [ms for lat, _ in done for ms in lat]
        return len(latencies) / elapsed, latencies, cpu / len(latencies) * 1e6


async def _measure(api: _Target, bare: _Target) -> dict[str, list[float]]:
    keys = ("rps", "p50", "p99", "cpu_us", "ratio")
    figures: dict[str, list[float]] = {k: [] for k in keys} | {"bare_" + k: [] for k in keys[:-1]}
    try:
        for target in (api, bare):
            await target.open()
            await target.load(WARMUP)
        for round_ in range(ROUNDS):
            order = [(api, ""), (bare, "bare_")]
            for target, prefix in order if round_ % 2 == 0 else order[::-1]:
                rps, latencies, cpu_us = await target.load(SECONDS)
                figures[prefix + "rps"].append(rps)
                figures[prefix + "cpu_us"].append(cpu_us)
                figures[prefix + "p50"].append(_pct(latencies, 0.50))
                figures[prefix + "p99"].append(_pct(latencies, 0.99))
            figures["ratio"].append(figures["rps"][-1] / figures["bare_rps"][-1])
    finally:
        await api.close()
        await bare.close()
    return figures


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
        f = asyncio.run(
            _measure(
                _Target(f"{api_url}/v1/projects/{CODE}", api.pid),
                _Target(f"{bare_url}/bare", bare.pid),
            )
        )
        if os.environ.get("MULU_BENCH_VERBOSE"):
            print(json.dumps(f, indent=None), file=sys.stderr)
        med = statistics.median
        return {
            "api_rps": round(med(f["rps"]), 1),
            "api_bare_rps": round(med(f["bare_rps"]), 1),
            "api_p50_ms": round(med(f["p50"]), 2),
            "api_p99_ms": round(med(f["p99"]), 2),
            "api_bare_p50_ms": round(med(f["bare_p50"]), 2),
            "api_bare_p99_ms": round(med(f["bare_p99"]), 2),
            "api_vs_bare": round(med(f["ratio"]), 3),
            "api_server_cpu_us_per_request": round(med(f["cpu_us"])),
            "api_bare_server_cpu_us_per_request": round(med(f["bare_cpu_us"])),
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
