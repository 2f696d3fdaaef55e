"""Anchoring and auditing, end to end, on a fresh local anvil (automine) started here.

Catalogs: 100 resources each, built from the resources of ``examples/acceptance.json`` (cycled,
codes renumbered, a salt per catalog so every digest differs), kind ``declared``, 10 versions per
project. One run of each figure:

- ``anchor_catalogs_per_s``: :class:`chain_client.pipeline.AnchorPipeline` on ``ANCHOR_N`` files —
  validate, canonicalise, digest, tree in 2 processes, overlapped with sending; one SM2 signature
  per batch root (each catalog's inclusion proof in it kept in the journal); ``anchorBatch`` of
  ``BATCH`` catalogs (300: of 100, 300 and 500 measured side by side, the least CPU per catalog),
  the transactions of a wave in flights that fit a block, each one JSON-RPC batch; receipts
  polled in batches; every anchor re-checked at the end. Wall clock, preparation included.
- ``anchor_naive_catalogs_per_s``: the loop one would write first, on ``NAIVE_N`` catalogs:
  ``load_catalog``, SM2-sign the digest, ``Ledger.anchor`` (estimate, send, wait), one by one.
- ``gas_per_catalog_single`` / ``gas_per_catalog_batched``: gasUsed of those transactions.
- ``anchor_cpu_ms_per_catalog`` (workers / main / node), ``anchor_stage_ms_per_catalog`` (wall
  of this process per stage) and ``anchor_cpu_bound_catalogs_per_s`` (cores ÷ CPU per catalog:
  the most this work could give if the machine did nothing else — derived, not measured); the
  same ``audit_*`` figures for the audit. CPU figures hold under load, wall clock figures do not.
- ``audit_catalogs_per_s``: :func:`chain_client.pipeline.audit_anchors` over the pipelined run —
  ``isAnchored`` per catalog (JSON-RPC batch), digest and root recomputed from the file (2
  processes), inclusion proof in the batch root, the batch's SM2 signature (once per batch).

Each figure is the median of ``RUNS`` runs (fresh projects each run, same node). Also written:
``anchor_scaling`` (prepare time per catalog for 10 … 10,000 resources, pipelined time by count)
and ``bench/scaling.png``. Environment: ``MULU_BENCH_ANCHOR_N``, ``MULU_BENCH_NAIVE_N``,
``MULU_BENCH_RUNS``, ``MULU_BENCH_BATCH``.

Why automine and not ``--block-time 1``: measured here, a wave of anchorBatch transactions is mined
as it arrives (the pipeline waits for nothing but receipts), while with 1-second blocks every wave
waits for the next block and a 30M block gas limit caps a block at ~900 catalogs; TOOLCHAIN.md's
slowdown of automine with chain length concerns thousands of *blocks*, and batching keeps blocks few.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sm_crypto
from catalog import load_catalog
from chain_client.bootstrap import DEV_MEMBERS, setup_ledger
from chain_client.chain import Chain
from chain_client.journal import Journal
from chain_client.ledger import Ledger
from chain_client.node import LocalNode
from chain_client.pipeline import AnchorPipeline, audit_anchors

ROOT = Path(__file__).resolve().parent.parent
ANCHOR_N = int(os.environ.get("MULU_BENCH_ANCHOR_N", "1000"))
NAIVE_N = int(os.environ.get("MULU_BENCH_NAIVE_N", "60"))
RUNS = int(os.environ.get("MULU_BENCH_RUNS", "3"))
BATCH = int(os.environ.get("MULU_BENCH_BATCH", "300"))
VERSIONS = 10
PNG = ROOT / "bench" / "scaling.png"
_BASE = json.loads((ROOT / "examples" / "acceptance.json").read_text(encoding="utf-8"))["resources"]


def catalog_bytes(code: str, version: int, resources: int = 100, salt: str = "") -> bytes:
    """A valid declared catalog of ``resources`` resources from the acceptance example's."""
    out = []
    for i in range(resources):
        r = copy.deepcopy(_BASE[i % len(_BASE)])
        prefix = r["classification"]["code"]
        r["code"] = f"{prefix}/{i + 1:06d}"
        r["name"] = f"{r['name']}{i + 1}{salt}"
        out.append(r)
    doc = {
        "schema": "mulu.catalog/v1",
        "project_code": code,
        "project_name": "性能测试项目",
        "kind": "declared",
        "version": version,
        "resources": out,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


class _Bench:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.node = LocalNode(home)
        self.node.start()
        self.chain = Chain.connect(self.node.url(), timeout=120)
        self.accounts = {n: Chain.new_account() for n in DEV_MEMBERS}
        keys = {n: sm_crypto.PrivateKey.generate() for n in DEV_MEMBERS}
        for a in self.accounts.values():
            self.chain.fund(a.address, 10**24)
        deployment = setup_ledger(
            self.chain,
            {n: a.address for n, a in self.accounts.items()},
            {n: k.public_key.xy for n, k in keys.items()},
            self.accounts.__getitem__,
        )
        self.ledger = Ledger(self.chain, deployment)
        self.sm2 = keys["unit1"]
        self.unit = self.accounts["unit1"]
        self._n = 0

    def projects(self, n: int, unit: str = "unit1") -> list[str]:
        codes = []
        for _ in range(n):
            self._n += 1
            code = f"BJ-2026-{self._n:06d}-B"
            self.ledger.create_project(
                self.accounts["eitb"], code, self.accounts[unit].address, "性能测试项目"
            )
            codes.append(code)
        return codes

    def files(
        self, directory: Path, n: int, resources: int = 100, unit: str = "unit1"
    ) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(3)
        paths = []
        for code in self.projects(max(1, n // VERSIONS), unit):
            for v in range(1, VERSIONS + 1):
                p = directory / f"{code}-{v}.json"
                p.write_bytes(catalog_bytes(code, v, resources, salt))
                paths.append(p)
        return paths[:n]

    def node_cpu(self) -> float:
        """CPU seconds anvil has used so far (user + system)."""
        info = self.node.info()
        assert info is not None
        fields = Path(f"/proc/{info.pid}/stat").read_text().split(") ", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: this process, its (reaped) worker processes, the node."""
        t = os.times()
        return {
            "main": t.user + t.system,
            "workers": t.children_user + t.children_system,
            "node": self.node_cpu(),
        }

    def pipelined(self, tag: str, n: int) -> tuple[float, float, Journal, dict[str, Any]]:
        paths = self.files(self.home / f"cats-{tag}", n)
        journal = Journal(self.home / f"journal-{tag}.sqlite")
        pipeline = AnchorPipeline(
            self.ledger, self.unit, journal, batch_size=BATCH, sm2_key=self.sm2
        )
        cpu = self.cpu()
        started = time.perf_counter()
        report = pipeline.run(paths)
        seconds = time.perf_counter() - started
        used = {k: v - cpu[k] for k, v in self.cpu().items()}
        if len(report.anchored) != len(paths) or report.refused:
            raise AssertionError(
                f"pipeline anchored {len(report.anchored)}/{len(paths)}: {report.to_json()}"
            )
        detail = {
            "seconds": seconds,
            "cpu_ms_per_catalog": {k: v / n * 1000 for k, v in used.items()},
            "stage_ms_per_catalog": {k: v / n * 1000 for k, v in report.stages.items()},
            "transactions": report.transactions,
        }
        return len(paths) / seconds, report.gas_used / len(report.anchored), journal, detail

    def naive(self, tag: str, n: int) -> tuple[float, float]:
        paths = self.files(self.home / f"naive-{tag}", n, unit="unit2")  # its own nonces
        unit = self.accounts["unit2"]
        gas = []
        started = time.perf_counter()
        for p in paths:
            cat = load_catalog(p.read_bytes())
            self.sm2.sign_raw(cat.digest)
            result = self.ledger.anchor(
                unit,
                cat.project_code,
                cat.kind.value,
                cat.version,
                cat.digest,
                cat.merkle_root,
                cat.resource_count,
            )
            gas.append(result.gas_used)
        return len(paths) / (time.perf_counter() - started), statistics.median(gas)

    def audit(self, journal: Journal) -> tuple[float, dict[str, float]]:
        cpu = self.cpu()
        report = audit_anchors(self.ledger, journal, require_signature=True)
        used = {k: (v - cpu[k]) / report.checked * 1000 for k, v in self.cpu().items()}
        if not report.ok:
            raise AssertionError(f"audit failed: {report.failures[:3]}")
        return report.checked / report.seconds, used


def _prepare_ms(resources: int) -> float:
    data = catalog_bytes("BJ-2026-000001", 1, resources)
    reps = max(3, 2000 // resources)
    samples = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(reps):
            cat = load_catalog(data)
            cat.digest, cat.merkle_root  # noqa: B018
        samples.append((time.process_time() - started) / reps * 1000)
    return statistics.median(samples)


def _plot(scaling: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = [int(k) for k in scaling["prepare_ms_by_resources"]]
    a.loglog(sizes, list(scaling["prepare_ms_by_resources"].values()), "o-")
    a.set_xlabel("resources per catalog")
    a.set_ylabel("ms per catalog (one core)")
    a.set_title("validate + canonicalise + SM3 digest + Merkle root")
    a.grid(True, which="both", alpha=0.3)
    counts = [int(k) for k in scaling["pipelined_s_by_count"]]
    b.plot(
        counts, list(scaling["pipelined_s_by_count"].values()), "o-", label="pipelined + batched"
    )
    naive = scaling["naive_catalogs_per_s"]
    b.plot(
        counts,
        [c / naive for c in counts],
        "s--",
        label=f"naive loop ({naive:.0f}/s, extrapolated)",
    )
    b.set_xlabel("catalogs (100 resources)")
    b.set_ylabel("seconds, end to end")
    b.set_title("anchoring time by count")
    b.legend()
    b.grid(True, alpha=0.3)
    fig.tight_layout()
    PNG.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PNG, dpi=110)


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bench = _Bench(Path(tmp))
        try:
            bench.pipelined("warmup", 100)
            piped, piped_gas, audits, naive, naive_gas = [], [], [], [], []
            journals, details, audit_cpu = [], [], []
            for k in range(RUNS):
                rate, gas, journal, detail = bench.pipelined(f"p{k}", ANCHOR_N)
                piped.append(rate)
                piped_gas.append(gas)
                journals.append(journal)
                details.append(detail)
                nrate, ngas = bench.naive(f"n{k}", NAIVE_N)
                naive.append(nrate)
                naive_gas.append(ngas)
            for journal in journals:
                rate, cpu = bench.audit(journal)
                audits.append(rate)
                audit_cpu.append(cpu)
            by_count = {}
            for count in (100, 300, ANCHOR_N, 3 * ANCHOR_N):
                rate, *_ = bench.pipelined(f"c{count}", count)
                by_count[str(count)] = round(count / rate, 3)
        finally:
            bench.node.stop()
    scaling = {
        "prepare_ms_by_resources": {
            str(n): round(_prepare_ms(n), 3) for n in (10, 100, 1000, 10000)
        },
        "pipelined_s_by_count": by_count,
        "naive_catalogs_per_s": statistics.median(naive),
    }
    _plot(scaling)
    anchor = statistics.median(piped)

    def medians(dicts: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(statistics.median(d.get(k, 0.0) for d in dicts), 3) for k in dicts[0]}

    cpu = medians([d["cpu_ms_per_catalog"] for d in details])
    audit_cpu_ms = medians(audit_cpu)
    cores = os.cpu_count() or 1
    return {
        "anchor_catalogs_per_s": round(anchor, 1),
        "anchor_naive_catalogs_per_s": round(statistics.median(naive), 1),
        "anchor_speedup_vs_naive": round(anchor / statistics.median(naive), 1),
        "gas_per_catalog_single": statistics.median(naive_gas),
        "gas_per_catalog_batched": round(statistics.median(piped_gas)),
        "audit_catalogs_per_s": round(statistics.median(audits), 1),
        "anchor_batch_size": BATCH,
        # where the time goes (medians of the runs): CPU per catalog of the worker processes
        # (preparation), this process (the pipeline) and the node; wall time of this process's
        # stages per catalog; and the ceiling that CPU allows on this machine's cores if every
        # core did nothing else (a derived figure, not a measurement of throughput)
        "anchor_cpu_ms_per_catalog": cpu,
        "anchor_stage_ms_per_catalog": medians([d["stage_ms_per_catalog"] for d in details]),
        "anchor_cpu_bound_catalogs_per_s": round(cores * 1000 / sum(cpu.values()), 1),
        "audit_cpu_ms_per_catalog": audit_cpu_ms,
        "audit_cpu_bound_catalogs_per_s": round(cores * 1000 / sum(audit_cpu_ms.values()), 1),
        "anchor_scaling": scaling,
        "cpu_count": os.cpu_count(),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
