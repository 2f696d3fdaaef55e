"""A naive, obviously-correct SM2 reference in affine coordinates (tests only, never fast).

Cross-checks the optimised Solidity (Jacobian a = -3 formulas, comb tables) and regenerates the
fixed-base table embedded in ``contracts/crypto/SM2.sol``.
"""

from __future__ import annotations

from sm_crypto.curve import GX, GY, A, B, N, P
from tests.sm_crypto.sm2_reference import Point, add, mul

__all__ = [
    "G",
    "Point",
    "add",
    "comb_table",
    "digest_signature_for",
    "lift_x",
    "mul",
    "neg",
    "on_curve",
    "verify_digest",
]

G: Point = (GX, GY)


def comb_table(point: Point) -> bytes:
    """Entries 1..15 of the 4-way comb table, 64 bytes each (x‖y): entry i = Σ_{bit k of i} 2^(64k)·point."""
    out = b""
    for index in range(1, 16):
        acc: Point = None
        for k in range(4):
            if index >> k & 1:
                acc = add(acc, mul(1 << (64 * k), point))
        assert acc is not None
        out += acc[0].to_bytes(32, "big") + acc[1].to_bytes(32, "big")
    return out


def on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - A * x - B) % P == 0


def verify_digest(e: int, r: int, s: int, pub: tuple[int, int]) -> bool:
    """GB/T 32918.2 §7.1 steps B1, B2, B5–B7, for a digest e = SM3(Z ‖ M)."""
    if not (1 <= r < N and 1 <= s < N):
        return False
    t = (r + s) % N
    if t == 0:
        return False
    point = add(mul(s, G), mul(t, pub))
    if point is None:
        return False
    return (e + point[0]) % N == r


def lift_x(x: int) -> Point:
    """A point with abscissa x, or None when x³ + ax + b is not a square (p ≡ 3 mod 4)."""
    rhs = (x * x * x + A * x + B) % P
    y = pow(rhs, (P + 1) // 4, P)
    return (x, y) if y * y % P == rhs else None


def neg(point: Point) -> Point:
    return None if point is None else (point[0], (-point[1]) % P)


def digest_signature_for(s: int, t: int, pub: Point) -> tuple[int, int, int]:
    """(e, r, s) that verifies under ``pub``: r = (t - s) mod n, e chosen after x1."""
    r = (t - s) % N
    point = add(mul(s, G), mul(t, pub))
    assert point is not None
    return (r - point[0]) % N, r, s
