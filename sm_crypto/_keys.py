"""SM2 private and public keys (GB/T 32918), backed by :mod:`sm_crypto._backend`."""

from __future__ import annotations

from ._backend import Backend, get_backend
from ._encoding import (
    decode_point,
    decode_signature,
    pem_decode,
    pem_encode,
    point_from_spki,
    rs_to_der,
    signature_to_raw,
    spki_from_point,
)
from ._errors import InvalidKey, InvalidSignature, MalformedSignatureError, SMCryptoError
from ._sm3 import sm3
from .curve import GX, GY, A, B, N

__all__ = ["DEFAULT_ID", "MAX_ID_SIZE", "PrivateKey", "PublicKey", "message_digest", "z_value"]

#: The default signer ID of GM/T 0009: the ASCII digits "1234567812345678".
DEFAULT_ID = b"1234567812345678"
#: ENTL, the bit length of the ID, is a 16-bit field (at most 8191 bytes); OpenSSL refuses
#: 8191 itself (``id_len >= UINT16_MAX / 8``), so the portable limit is 8190.
MAX_ID_SIZE = 8190

_CURVE_BYTES = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))


def _check_id(id: bytes) -> bytes:
    if not isinstance(id, bytes | bytearray | memoryview):
        raise TypeError(f"signer ID must be bytes, got {type(id).__name__}")
    id = bytes(id)
    if len(id) > MAX_ID_SIZE:
        raise SMCryptoError(f"signer ID too long: got {len(id)} bytes, want at most {MAX_ID_SIZE}")
    return id


def _as_bytes(data: bytes, what: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"{what} must be bytes, got {type(data).__name__}")


class PublicKey:
    """An SM2 public key: a point of the curve, checked when the key is made."""

    __slots__ = ("__weakref__", "_backend", "_handle", "_point")

    def __init__(self, point: bytes, *, _handle: object = None, _backend: Backend | None = None):
        """Use :meth:`from_bytes` or :meth:`from_pem`; ``point`` is a checked ``04‖x‖y``."""
        self._point = point
        self._backend = _backend or get_backend()
        self._handle = _handle if _handle is not None else self._backend.public_from_point(point)

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """From 65-byte ``04‖x‖y`` or 64-byte ``x‖y``; raises :class:`InvalidKey`."""
        x, y = decode_point(_as_bytes(data, "public key"))
        return cls(b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big"))

    @classmethod
    def from_der(cls, der: bytes) -> PublicKey:
        """From SubjectPublicKeyInfo DER (uncompressed point)."""
        x, y = point_from_spki(_as_bytes(der, "public key"))
        return cls(b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big"))

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        """From a ``PUBLIC KEY`` PEM block (SubjectPublicKeyInfo, as ``openssl pkey -pubout``)."""
        return cls.from_der(pem_decode(_as_bytes(pem, "PEM"), "PUBLIC KEY"))

    def to_bytes(self) -> bytes:
        """65 bytes: ``04‖x‖y``."""
        return self._point

    @property
    def xy(self) -> bytes:
        """64 bytes: ``x‖y``."""
        return self._point[1:]

    @property
    def x(self) -> int:
        return int.from_bytes(self._point[1:33], "big")

    @property
    def y(self) -> int:
        return int.from_bytes(self._point[33:], "big")

    def to_der(self) -> bytes:
        """SubjectPublicKeyInfo DER."""
        return spki_from_point(self.x, self.y)

    def to_pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
        return pem_encode(self.to_der(), "PUBLIC KEY")

    def verify(self, signature: bytes, message: bytes, *, id: bytes = DEFAULT_ID) -> None:
        """Return ``None`` when ``signature`` (DER or raw 64-byte ``r‖s``) is valid.

        Raises :class:`InvalidSignature` for every failure. When the signature (or the ID) cannot
        be decoded, or r, s lie outside ``[1, n-1]``, the error is a
        :class:`MalformedSignatureError`, which is also a ``MalformedSignature``.
        """
        try:
            signature = _as_bytes(signature, "signature")
            message = _as_bytes(message, "message")
            id = _check_id(id)
            r, s = decode_signature(signature)
        except (SMCryptoError, TypeError) as exc:
            raise MalformedSignatureError(f"signature rejected: {exc}") from exc
        der = signature if len(signature) != 64 else rs_to_der(r, s)
        try:
            ok = self._backend.verify(self._handle, der, message, id)
        except Exception as exc:  # any backend failure is a failed verification, typed
            raise InvalidSignature(
                f"signature rejected by the backend: {type(exc).__name__}: {exc}"
            ) from exc
        if not ok:
            raise InvalidSignature(
                "SM2 signature does not verify for this key, message and signer ID"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other._point == self._point

    def __hash__(self) -> int:
        return hash(self._point)

    def __repr__(self) -> str:
        return f"PublicKey({self._point.hex()})"


class PrivateKey:
    """An SM2 private key. The scalar never leaves the backend; ``repr`` shows the public key."""

    __slots__ = ("__weakref__", "_backend", "_handle", "_public")

    def __init__(self, handle: object, backend: Backend) -> None:
        """Use :meth:`generate` or :meth:`from_pem`."""
        self._backend = backend
        self._handle = handle
        point = backend.public_point(handle)
        self._public = PublicKey(point, _backend=backend)

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key from the backend's CSPRNG."""
        backend = get_backend()
        return cls(backend.generate(), backend)

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes) -> PrivateKey:
        """Decrypt an ``ENCRYPTED PRIVATE KEY`` PKCS#8 PEM; unencrypted keys are refused."""
        pem = _as_bytes(pem, "PEM")
        password = _as_bytes(password, "password")
        backend = get_backend()
        return cls(backend.private_from_pem(pem, password), backend)

    @classmethod
    def unsafe_from_scalar(cls, d: bytes | int) -> PrivateKey:
        """From the 32-byte big-endian scalar ``d`` in ``[1, n-2]`` (known-answer tests only)."""
        value = d if isinstance(d, int) else int.from_bytes(_as_bytes(d, "scalar"), "big")
        if isinstance(d, bytes | bytearray) and len(d) != 32:
            raise InvalidKey(f"private scalar must be 32 bytes, got {len(d)}")
        if not 1 <= value <= N - 2:
            raise InvalidKey("private scalar out of range: want 1 <= d <= n-2")
        backend = get_backend()
        return cls(backend.private_from_scalar(value), backend)

    def to_pem(self, password: bytes) -> bytes:
        """Encrypted PKCS#8 PEM (PBES2, PBKDF2, AES-256-CBC) that ``openssl pkey`` reads."""
        password = _as_bytes(password, "password")
        if not password:
            raise InvalidKey("refusing to write a private key with an empty password")
        return self._backend.private_to_pem(self._handle, password)

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def sign(self, message: bytes, *, id: bytes = DEFAULT_ID) -> bytes:
        """DER signature of ``message`` with SM3 and signer ``id``."""
        return self._backend.sign(self._handle, _as_bytes(message, "message"), _check_id(id))

    def sign_raw(self, message: bytes, *, id: bytes = DEFAULT_ID) -> bytes:
        """64-byte ``r‖s`` signature of ``message`` with SM3 and signer ``id``."""
        return signature_to_raw(self.sign(message, id=id))

    def __repr__(self) -> str:
        return f"PrivateKey(public={self._public.to_bytes().hex()})"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("PrivateKey cannot be pickled; use to_pem(password)")


def z_value(public_key: PublicKey, id: bytes = DEFAULT_ID) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), 32 bytes (GB/T 32918.2 §5.5)."""
    id = _check_id(id)
    entl = (len(id) * 8).to_bytes(2, "big")
    return sm3(entl + id + _CURVE_BYTES + public_key.xy)


def message_digest(public_key: PublicKey, message: bytes, id: bytes = DEFAULT_ID) -> bytes:
    """e = SM3(Z ‖ M), the 32-byte value an SM2 signature actually signs."""
    return sm3(z_value(public_key, id) + _as_bytes(message, "message"))
