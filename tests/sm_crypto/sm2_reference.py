"""A naive SM2 (GB/T 32918.2) over the recommended curve with plain integers, for cross-checks.

Affine coordinates, a modular inverse per step, no side-channel care: slow (a few ms per scalar
multiplication) and obviously correct. It is also a :class:`sm_crypto.Backend`, so the behaviour
suite runs on it as on OpenSSL. It never touches OpenSSL; its SM3 comes from ``cryptography``
when that has SM3 (else ``hashlib``), so a shared SM3 bug would not hide.
"""

from __future__ import annotations

import hashlib
import secrets

from sm_crypto.curve import GX, GY, A, B, N, P

Point = tuple[int, int] | None  # None is the point at infinity
G: Point = (GX, GY)


def sm3(data: bytes) -> bytes:
    try:
        from cryptography.hazmat.primitives import hashes

        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()
    except Exception:  # pragma: no cover - only without cryptography's SM3
        return hashlib.new("sm3", data).digest()


def on_curve(pt: Point) -> bool:
    if pt is None:
        return False
    x, y = pt
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - A * x - B) % P == 0


def add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return x3, (lam * (x1 - x3) - y1) % P


def mul(k: int, pt: Point) -> Point:
    result: Point = None
    addend = pt
    while k:
        if k & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        k >>= 1
    return result


def z(x: int, y: int, uid: bytes) -> bytes:
    entl = (len(uid) * 8).to_bytes(2, "big")
    curve = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY, x, y))
    return sm3(entl + uid + curve)


def e(x: int, y: int, message: bytes, uid: bytes) -> int:
    return int.from_bytes(sm3(z(x, y, uid) + message), "big")


def public(d: int) -> tuple[int, int]:
    pt = mul(d, G)
    assert pt is not None
    return pt


def sign(d: int, message: bytes, uid: bytes, k: int | None = None) -> tuple[int, int]:
    """(r, s) per GB/T 32918.2 §6.1; ``k`` fixed only for known-answer tests."""
    x, y = public(d)
    digest = e(x, y, message, uid)
    while True:
        kk = k if k is not None else secrets.randbelow(N - 1) + 1
        x1, _ = public(kk)
        r = (digest + x1) % N
        if r == 0 or r + kk == N:
            assert k is None, "fixed k gives a degenerate signature"
            continue
        s = pow(1 + d, -1, N) * (kk - r * d) % N
        if s != 0:
            return r, s
        assert k is None


def verify(x: int, y: int, message: bytes, uid: bytes, r: int, s: int) -> bool:
    """GB/T 32918.2 §7.1, with every range check the standard asks for."""
    if not (1 <= r < N and 1 <= s < N) or not on_curve((x, y)):
        return False
    t = (r + s) % N
    if t == 0:
        return False
    pt = add(mul(s, G), mul(t, (x, y)))
    if pt is None:
        return False
    return (e(x, y, message, uid) + pt[0]) % N == r


# -- as a sm_crypto.Backend ------------------------------------------------------------------


def _der_rs(der: bytes) -> tuple[int, int]:
    """Independent (lenient) DER reader: the library has already checked strictness."""
    assert der[0] == 0x30
    pos = 2
    out = []
    for _ in range(2):
        assert der[pos] == 0x02
        length = der[pos + 1]
        out.append(int.from_bytes(der[pos + 2 : pos + 2 + length], "big"))
        pos += 2 + length
    return out[0], out[1]


def _der(r: int, s: int) -> bytes:
    def integer(v: int) -> bytes:
        body = v.to_bytes(v.bit_length() // 8 + 1, "big")
        return b"\x02" + bytes([len(body)]) + body

    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


class ReferenceBackend:
    """Pure-Python SM2 behind the ``sm_crypto.Backend`` seam; no PEM support."""

    name = "reference"

    def generate(self) -> object:
        return secrets.randbelow(N - 2) + 1

    def private_from_scalar(self, d: int) -> object:
        return d

    def private_from_pem(self, pem: bytes, password: bytes) -> object:
        raise NotImplementedError("the reference backend has no PEM support")

    def private_to_pem(self, key: object, password: bytes) -> bytes:
        raise NotImplementedError("the reference backend has no PEM support")

    def public_point(self, key: object) -> bytes:
        assert isinstance(key, int)
        x, y = public(key)
        return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")

    def public_from_point(self, point: bytes) -> object:
        return int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")

    def sign(self, key: object, message: bytes, id: bytes) -> bytes:
        assert isinstance(key, int)
        return _der(*sign(key, message, id))

    def verify(self, key: object, der: bytes, message: bytes, id: bytes) -> bool:
        assert isinstance(key, tuple)
        return verify(key[0], key[1], message, id, *_der_rs(der))
