"""SM2 sign / verify and SM3 throughput of ``sm_crypto``, against ``openssl speed`` in the same job.

``run()`` interleaves rounds (ours, then ``openssl speed sm2`` and ``openssl speed -evp sm3``)
and returns medians. Units match ``openssl speed``: operations per second; MB = 10⁶ bytes per
second. Messages of 20 bytes for SM2 (as ``openssl speed`` signs), 1 MiB for SM3.

``openssl speed`` divides by the *user CPU time* of the process unless given ``-elapsed``, so on
a shared machine its figures barely move while wall-clock rates halve. We therefore also divide
by CPU time — this thread's user + system time, which slightly favours OpenSSL — and so measure
the same thing on both sides, robust to the other jobs on the machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

import sm_crypto

ROUNDS = int(os.environ.get("MULU_BENCH_ROUNDS", "5"))
SECONDS = float(os.environ.get("MULU_BENCH_SECONDS", "1"))
MIB = 1 << 20


def _rate(fn: Callable[[], object], seconds: float = SECONDS) -> float:
    """Calls per CPU second of ``fn``, over about ``seconds`` of this thread's CPU time."""
    count, start = 0, time.thread_time()
    deadline = start + seconds
    while True:
        for _ in range(16):
            fn()
        count += 16
        now = time.thread_time()
        if now >= deadline:
            return count / (now - start)


def _openssl_speed(*args: str) -> list[str]:
    exe = shutil.which("openssl")
    if exe is None:
        raise RuntimeError("openssl binary not found: cannot measure the baseline")
    out = subprocess.run(
        [exe, "speed", "-mr", "-seconds", str(max(1, round(SECONDS))), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.splitlines()


def openssl_sm2() -> tuple[float, float]:
    """(sign/s, verify/s) from ``openssl speed -mr sm2``: the line ``+F7:0:256:CurveSM2:S:V``."""
    for line in _openssl_speed("sm2"):
        if line.startswith("+F7:"):
            fields = line.split(":")
            return float(fields[4]), float(fields[5])
    raise RuntimeError("no +F7 line in 'openssl speed -mr sm2' output")


def openssl_sm3() -> float:
    """MB/s from ``openssl speed -mr -evp sm3 -bytes 1048576``: the line ``+F:N:sm3:BYTES/S``."""
    for line in _openssl_speed("-evp", "sm3", "-bytes", str(MIB)):
        if line.startswith("+F:"):
            return float(line.split(":")[3]) / 1e6
    raise RuntimeError("no +F line in 'openssl speed -mr -evp sm3' output")


def run() -> dict[str, float]:
    key = sm_crypto.PrivateKey.generate()
    public = key.public_key
    message = os.urandom(20)
    signature = key.sign(message)
    data = os.urandom(MIB)
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for _ in range(ROUNDS):
        add("sm2_sign_per_s", _rate(lambda: key.sign(message)))
        add("sm2_verify_per_s", _rate(lambda: public.verify(signature, message)))
        sign, verify = openssl_sm2()
        add("openssl_sm2_sign_per_s", sign)
        add("openssl_sm2_verify_per_s", verify)
        add("sm3_mb_per_s", _rate(lambda: sm_crypto.sm3(data)) * MIB / 1e6)
        add("openssl_sm3_mb_per_s", openssl_sm3())
    result = {name: round(statistics.median(values), 1) for name, values in figures.items()}
    for what in ("sm2_sign_per_s", "sm2_verify_per_s", "sm3_mb_per_s"):
        result[f"{what.removesuffix('_per_s')}_vs_openssl"] = round(
            result[what] / result[f"openssl_{what}"], 3
        )
    return result


if __name__ == "__main__":
    for name, value in sorted(run().items()):
        print(f"{name:<28} {value:>12,.3f}")
