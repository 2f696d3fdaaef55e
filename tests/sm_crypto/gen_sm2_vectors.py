"""Regenerate ``tests/vectors/sm2/*.json`` (static data; run by hand, checked by a test).

Everything derives from the published example of GB/T 32918.5 / GM/T 0003.5 (recommended curve,
ID ``1234567812345678``, message ``message digest``): no key is generated here and the example's
scalar is public. ``python tests/sm_crypto/gen_sm2_vectors.py`` rewrites the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sm_crypto.curve import GX, GY, N, P

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "sm2"

KAT: dict[str, Any] = {
    "source": "GB/T 32918.5-2017 / GM/T 0003.5-2012, signature example on the recommended curve",
    "private_key": "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
    "public_key": "04"
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
    "id": "31323334353637383132333435363738",
    "message": "6d65737361676520646967657374",
    "k": "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21",
    "r": "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
    "s": "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
}


def _int(v: int) -> bytes:
    body = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return b"\x02" + bytes([len(body)]) + body


def _seq(body: bytes) -> bytes:
    return b"\x30" + bytes([len(body)]) + body


def _raw(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signatures() -> list[dict[str, str]]:
    r, s = int(KAT["r"], 16), int(KAT["s"], 16)
    der = _seq(_int(r) + _int(s))
    rb = r.to_bytes(32, "big")
    out: list[tuple[str, bytes, str]] = [
        ("valid DER", der, "valid"),
        ("valid raw r‖s", _raw(r, s), "valid"),
        ("r = 0 (raw)", _raw(0, s), "malformed"),
        ("s = 0 (raw)", _raw(r, 0), "malformed"),
        ("r = 0 (DER)", _seq(_int(0) + _int(s)), "malformed"),
        ("s = n (raw)", _raw(r, N), "malformed"),
        ("s = n (DER)", _seq(_int(r) + _int(N)), "malformed"),
        ("r = n (raw)", _raw(N, s), "malformed"),
        ("r = n + 1 (raw)", _raw(N + 1, s), "malformed"),
        ("r = 2^256 - 1 (raw)", _raw(2**256 - 1, s), "malformed"),
        ("r + n, 33-byte INTEGER (DER)", _seq(_int(r + N) + _int(s)), "malformed"),
        ("s + n, 33-byte INTEGER (DER)", _seq(_int(r) + _int(s + N)), "malformed"),
        ("r, s = n - 1 (in range, wrong)", _raw(N - 1, N - 1), "invalid"),
        ("r = s = 1", _raw(1, 1), "invalid"),
        ("r and s swapped (raw)", _raw(s, r), "invalid"),
        ("r and s swapped (DER)", _seq(_int(s) + _int(r)), "invalid"),
        ("s negated mod n", _raw(r, N - s), "invalid"),
        ("empty", b"", "malformed"),
        ("raw of 63 bytes", _raw(r, s)[:63], "malformed"),
        ("raw of 65 bytes", _raw(r, s) + b"\x00", "malformed"),
        ("DER truncated to 1 byte", der[:1], "malformed"),
        ("DER truncated to 2 bytes", der[:2], "malformed"),
        ("DER truncated inside r", der[:20], "malformed"),
        ("DER truncated by one byte", der[:-1], "malformed"),
        ("DER with trailing 00 after the SEQUENCE", der + b"\x00", "malformed"),
        ("DER with trailing ff after the SEQUENCE", der + b"\xff", "malformed"),
        ("DER twice", der + der, "malformed"),
        ("DER SEQUENCE length one too long", b"\x30" + bytes([der[1] + 1]) + der[2:], "malformed"),
        ("DER SEQUENCE length one too short", b"\x30" + bytes([der[1] - 1]) + der[2:], "malformed"),
        ("over-long DER: trailing 00 inside the SEQUENCE", _seq(der[2:] + b"\x00"), "malformed"),
        ("over-long DER: third INTEGER", _seq(der[2:] + _int(1)), "malformed"),
        ("DER long-form length 0x81 for a short SEQUENCE", b"\x30\x81" + der[1:], "malformed"),
        ("DER length 0x82 (two length bytes)", b"\x30\x82\x00" + der[1:], "malformed"),
        ("BER indefinite length", b"\x30\x80" + der[2:] + b"\x00\x00", "malformed"),
        (
            "INTEGER with non-minimal 00 padding",
            _seq(b"\x02\x22\x00" + _int(r)[2:] + _int(s)),
            "malformed",
        ),
        ("INTEGER r negative (missing 00)", _seq(b"\x02\x20" + rb + _int(s)), "malformed"),
        ("INTEGER of length 0", _seq(b"\x02\x00" + _int(s)), "malformed"),
        ("INTEGER long-form length", _seq(b"\x02\x81\x21" + _int(r)[2:] + _int(s)), "malformed"),
        ("wrong outer tag (SET)", b"\x31" + der[1:], "malformed"),
        ("wrong inner tag (BIT STRING)", _seq(b"\x03" + _int(r)[1:] + _int(s)), "malformed"),
        ("only r", _seq(_int(r)), "malformed"),
        ("single flipped bit: top bit of r (raw)", _raw(r ^ (1 << 255), s), "invalid"),
        ("single flipped bit: low bit of s (raw)", _raw(r, s ^ 1), "invalid"),
        ("single flipped bit: low bit of r (DER)", _seq(_int(r ^ 1) + _int(s)), "invalid"),
        ("single flipped bit in the DER SEQUENCE tag", bytes([der[0] ^ 1]) + der[1:], "malformed"),
    ]
    return [{"comment": c, "signature": sig.hex(), "expect": e} for c, sig, e in out]


def keys() -> list[dict[str, str]]:
    pub = bytes.fromhex(KAT["public_key"])
    x, y = int.from_bytes(pub[1:33], "big"), int.from_bytes(pub[33:], "big")

    def pt(px: int, py: int, prefix: bytes = b"\x04") -> bytes:
        return prefix + px.to_bytes(32, "big") + py.to_bytes(32, "big")

    out: list[tuple[str, bytes, str]] = [
        ("the key, 04‖x‖y", pub, "valid"),
        ("the key, x‖y", pub[1:], "valid"),
        ("y + 1: off the curve", pt(x, (y + 1) % P), "invalid_key"),
        ("x + 1: off the curve", pt((x + 1) % P, y), "invalid_key"),
        ("(0, 0)", pt(0, 0), "invalid_key"),
        ("all zero x‖y (infinity has no affine form)", bytes(64), "invalid_key"),
        ("x = p (out of the field)", pt(P, y), "invalid_key"),
        (
            "y + p (out of the field, same residue)",
            pt(x, y + P) if y + P < 2**256 else pt(x, 2**256 - 1),
            "invalid_key",
        ),
        ("prefix 02 on 65 bytes", pt(x, y, b"\x02"), "invalid_key"),
        ("prefix 03 on 65 bytes", pt(x, y, b"\x03"), "invalid_key"),
        ("prefix 05 on 65 bytes", pt(x, y, b"\x05"), "invalid_key"),
        ("compressed form (33 bytes)", bytes([2 + (y & 1)]) + x.to_bytes(32, "big"), "invalid_key"),
        ("63 bytes", pub[1:64], "invalid_key"),
        ("66 bytes", pub + b"\x00", "invalid_key"),
        ("empty", b"", "invalid_key"),
        ("the negated point (x, p - y): on the curve, another key", pt(x, P - y), "invalid"),
        ("the generator G: on the curve, another key", pt(GX, GY), "invalid"),
    ]
    return [{"comment": c, "public_key": k.hex(), "expect": e} for c, k, e in out]


def files() -> dict[str, str]:
    common = {
        "public_key": KAT["public_key"],
        "id": KAT["id"],
        "message": KAT["message"],
    }
    hostile_sigs = {
        "description": "Signatures over `message` by `public_key` with signer `id`. expect: "
        "valid; invalid (InvalidSignature, CLI exit 1); malformed (MalformedSignatureError, "
        "CLI exit 2).",
        **common,
        "vectors": signatures(),
    }
    hostile_keys = {
        "description": "Public keys for the valid KAT signature. expect: valid (verifies); "
        "invalid (a curve point, but the signature fails: exit 1); invalid_key (InvalidKey from "
        "PublicKey.from_bytes: exit 2).",
        "id": KAT["id"],
        "message": KAT["message"],
        "signature_raw": KAT["r"] + KAT["s"],
        "vectors": keys(),
    }
    other = {
        "description": "Valid KAT signature with the wrong message or ID: expect invalid.",
        **common,
        "signature_raw": KAT["r"] + KAT["s"],
        "vectors": [
            {"comment": "empty ID (OpenSSL 3.0's default)", "id": "", "message": KAT["message"]},
            {
                "comment": "ID with last digit changed",
                "id": b"1234567812345679".hex(),
                "message": KAT["message"],
            },
            {
                "comment": "message with a flipped bit",
                "id": KAT["id"],
                "message": (bytes([0x6C]) + bytes.fromhex(KAT["message"])[1:]).hex(),
            },
            {"comment": "empty message", "id": KAT["id"], "message": ""},
        ],
    }
    dump = lambda obj: json.dumps(obj, indent=1, ensure_ascii=False) + "\n"  # noqa: E731
    return {
        "kat_gbt32918_5.json": dump(KAT),
        "hostile_signatures.json": dump(hostile_sigs),
        "hostile_public_keys.json": dump(hostile_keys),
        "wrong_message_or_id.json": dump(other),
    }


if __name__ == "__main__":
    VECTORS.mkdir(parents=True, exist_ok=True)
    for name, text in files().items():
        (VECTORS / name).write_text(text, encoding="utf-8")
        print("wrote", VECTORS / name)
