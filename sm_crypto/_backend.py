"""The seam between the SM2 key classes and an implementation (OpenSSL 3 by default).

A backend works on opaque key handles; :class:`~sm_crypto.PrivateKey` and
:class:`~sm_crypto.PublicKey` do all validation (lengths, ranges, the point on the curve) before
they call it, so a backend only sees well-formed input. Another implementation (GmSSL's C
library, a hardware module) plugs in with :func:`set_backend`.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

__all__ = ["Backend", "get_backend", "set_backend"]


@runtime_checkable
class Backend(Protocol):
    """An SM2 implementation. Handles are opaque objects owned by the backend.

    Signatures cross the seam as strict DER; points as 65-byte ``04‖x‖y``; ``id`` is the signer
    ID (at most ``MAX_ID_SIZE`` = 8190 bytes, checked by the caller). Methods raise :class:`~sm_crypto.InvalidKey`
    for undecodable keys and :class:`~sm_crypto.BackendError` for internal failures.
    """

    name: str

    def generate(self) -> object:
        """A fresh private key handle from the backend's CSPRNG."""
        ...

    def private_from_scalar(self, d: int) -> object:
        """A private key handle for scalar ``d`` in ``[1, n-2]``."""
        ...

    def private_from_pem(self, pem: bytes, password: bytes) -> object:
        """Decrypt an ``ENCRYPTED PRIVATE KEY`` (PKCS#8) PEM block."""
        ...

    def private_to_pem(self, key: object, password: bytes) -> bytes:
        """Encrypted PKCS#8 PEM of ``key``; ``password`` is non-empty."""
        ...

    def public_point(self, key: object) -> bytes:
        """The 65-byte ``04‖x‖y`` public point of a private key handle."""
        ...

    def public_from_point(self, point: bytes) -> object:
        """A public key handle for a 65-byte ``04‖x‖y`` point already checked on the curve."""
        ...

    def sign(self, key: object, message: bytes, id: bytes) -> bytes:
        """DER signature of ``message`` (SM3, Z computed with ``id``)."""
        ...

    def verify(self, key: object, der: bytes, message: bytes, id: bytes) -> bool:
        """True when the strict-DER ``der`` verifies; False otherwise (never raises for that)."""
        ...


_lock = threading.Lock()
_backend: Backend | None = None


def get_backend() -> Backend:
    """The active backend, loading OpenSSL on first use (raises ``BackendUnavailable``)."""
    global _backend
    backend = _backend
    if backend is None:
        with _lock:
            if _backend is None:
                from ._openssl import OpenSSLBackend

                _backend = OpenSSLBackend()
            backend = _backend
    return backend


def set_backend(backend: Backend | None) -> None:
    """Use ``backend`` for keys created from now on (``None``: back to OpenSSL, lazily)."""
    global _backend
    with _lock:
        _backend = backend
