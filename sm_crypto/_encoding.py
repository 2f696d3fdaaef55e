"""Encodings of SM2 signatures and public keys, validated before any arithmetic.

Signatures: DER ``SEQUENCE { INTEGER r, INTEGER s }`` (strict: minimal lengths and integers, no
trailing bytes) and raw ``r‖s`` (2 × 32 bytes, big-endian). Public keys: ``04‖x‖y`` (65 bytes),
``x‖y`` (64 bytes) and SubjectPublicKeyInfo (DER / PEM) with the SM2 curve.
"""

from __future__ import annotations

import base64
import binascii
import re

from ._errors import InvalidKey, MalformedSignature
from .curve import N, is_on_curve

__all__ = [
    "SPKI_PREFIX",
    "decode_point",
    "decode_signature",
    "der_to_rs",
    "pem_decode",
    "pem_encode",
    "point_from_spki",
    "rs_to_der",
    "signature_to_der",
    "signature_to_raw",
    "spki_from_point",
]

#: DER of SubjectPublicKeyInfo up to the uncompressed point: id-ecPublicKey, curve SM2
#: (1.2.156.10197.1.301), BIT STRING of 66 bytes (0 unused bits).
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
_RAW_SIZE = 64


def _check_range(r: int, s: int) -> None:
    if not 1 <= r < N:
        raise MalformedSignature(f"signature r out of range: got {r:#x}, want 1 <= r <= n-1")
    if not 1 <= s < N:
        raise MalformedSignature(f"signature s out of range: got {s:#x}, want 1 <= s <= n-1")


def _der_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedSignature("DER signature truncated in a length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    # Long form: SM2 signatures are at most 72 bytes, so only 0x81 can be minimal and valid.
    if first == 0x81 and pos + 1 < len(data) and data[pos + 1] >= 0x80:
        return data[pos + 1], pos + 2
    raise MalformedSignature(f"DER signature has a non-minimal or unsupported length {first:#04x}")


def _der_integer(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data) or data[pos] != 0x02:
        raise MalformedSignature("DER signature: expected an INTEGER")
    length, pos = _der_length(data, pos + 1)
    body = data[pos : pos + length]
    if length == 0 or len(body) != length:
        raise MalformedSignature("DER signature: INTEGER empty or truncated")
    if body[0] & 0x80:
        raise MalformedSignature("DER signature: negative INTEGER")
    if length > 1 and body[0] == 0 and not body[1] & 0x80:
        raise MalformedSignature("DER signature: INTEGER not minimally encoded")
    if length > 33:
        raise MalformedSignature(f"DER signature: INTEGER of {length} bytes, want at most 33")
    return int.from_bytes(body, "big"), pos + length


def der_to_rs(der: bytes) -> tuple[int, int]:
    """``(r, s)`` of a strict DER signature, both checked to lie in ``[1, n-1]``."""
    if len(der) < 8 or der[0] != 0x30:
        raise MalformedSignature(f"not a DER SEQUENCE (got {len(der)} bytes)")
    length, pos = _der_length(der, 1)
    if pos + length != len(der):
        raise MalformedSignature(
            f"DER signature length mismatch: header says {pos + length} bytes, got {len(der)}"
        )
    r, pos = _der_integer(der, pos)
    s, pos = _der_integer(der, pos)
    if pos != len(der):
        raise MalformedSignature("DER signature has trailing bytes inside the SEQUENCE")
    _check_range(r, s)
    return r, s


def _der_int(v: int) -> bytes:
    body = v.to_bytes((v.bit_length() + 8) // 8, "big")  # one spare bit keeps it positive
    return b"\x02" + bytes([len(body)]) + body


def rs_to_der(r: int, s: int) -> bytes:
    """Strict DER of ``(r, s)``; both must lie in ``[1, n-1]``."""
    _check_range(r, s)
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def raw_to_rs(raw: bytes) -> tuple[int, int]:
    if len(raw) != _RAW_SIZE:
        raise MalformedSignature(f"raw signature must be {_RAW_SIZE} bytes, got {len(raw)}")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    _check_range(r, s)
    return r, s


def decode_signature(signature: bytes) -> tuple[int, int]:
    """``(r, s)`` of a DER or raw 64-byte signature; a 64-byte input is always read as raw r‖s.

    DER of an SM2 signature is 64 bytes only when the lengths of r and s add up to 58 bytes
    (e.g. both 29 bytes): probability about 2⁻⁴⁸ for a signature from a real signer. Callers
    that know they hold DER use :func:`der_to_rs`.
    """
    if len(signature) == _RAW_SIZE:
        return raw_to_rs(signature)
    return der_to_rs(signature)


def signature_to_raw(der: bytes) -> bytes:
    """The 64-byte ``r‖s`` form of a DER signature."""
    r, s = der_to_rs(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signature_to_der(raw: bytes) -> bytes:
    """The DER form of a 64-byte ``r‖s`` signature."""
    return rs_to_der(*raw_to_rs(raw))


def decode_point(data: bytes) -> tuple[int, int]:
    """``(x, y)`` of a 65-byte ``04‖x‖y`` or 64-byte ``x‖y`` public key, checked on the curve."""
    if len(data) == 65:
        if data[0] != 0x04:
            raise InvalidKey(
                f"65-byte public key must start with 0x04 (uncompressed), got {data[0]:#04x}"
            )
        data = data[1:]
    elif len(data) != 64:
        raise InvalidKey(f"public key must be 65 bytes (04‖x‖y) or 64 bytes (x‖y), got {len(data)}")
    x, y = int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big")
    if not is_on_curve(x, y):
        raise InvalidKey("public key point is not on the SM2 curve")
    return x, y


def spki_from_point(x: int, y: int) -> bytes:
    return SPKI_PREFIX + b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def point_from_spki(der: bytes) -> tuple[int, int]:
    """``(x, y)`` of an SM2 SubjectPublicKeyInfo in DER (uncompressed point only)."""
    if len(der) != len(SPKI_PREFIX) + 65 or not der.startswith(SPKI_PREFIX):
        raise InvalidKey("not an SM2 SubjectPublicKeyInfo with an uncompressed point")
    return decode_point(der[len(SPKI_PREFIX) :])


_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)


def pem_decode(pem: bytes, label: str) -> bytes:
    """The DER inside the first ``label`` PEM block of ``pem``."""
    for match in _PEM_RE.finditer(pem):
        if match.group(1).decode() == label:
            try:
                return base64.b64decode(b"".join(match.group(2).split()), validate=True)
            except binascii.Error as exc:
                raise InvalidKey(f"bad base64 in PEM {label}") from exc
    raise InvalidKey(f"no PEM block '{label}' found")


def pem_encode(der: bytes, label: str) -> bytes:
    b64 = base64.b64encode(der)
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return b"".join(
        [
            f"-----BEGIN {label}-----\n".encode(),
            *(line + b"\n" for line in lines),
            f"-----END {label}-----\n".encode(),
        ]
    )
