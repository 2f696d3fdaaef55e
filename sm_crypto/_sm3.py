"""SM3 (GB/T 32905) through OpenSSL's ``hashlib.new("sm3")``, falling back to ``cryptography``.

Import fails with :class:`~sm_crypto.BackendUnavailable` when neither provides SM3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from ._errors import BackendUnavailable

__all__ = ["DIGEST_SIZE", "BLOCK_SIZE", "SM3Hash", "new", "sm3", "SM3_SOURCE"]

DIGEST_SIZE = 32
BLOCK_SIZE = 64


class SM3Hash(Protocol):
    """What :func:`new` returns: the ``hashlib`` hash object interface."""

    @property
    def name(self) -> str: ...
    @property
    def digest_size(self) -> int: ...
    @property
    def block_size(self) -> int: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...
    def copy(self) -> SM3Hash: ...


class _CryptographySM3:
    """``hashlib``-style wrapper of ``cryptography``'s SM3 (non-destructive ``digest``)."""

    name = "sm3"
    digest_size = DIGEST_SIZE
    block_size = BLOCK_SIZE

    def __init__(self, data: bytes = b"", _ctx: object | None = None) -> None:
        from cryptography.hazmat.primitives import hashes

        self._ctx = _ctx if _ctx is not None else hashes.Hash(hashes.SM3())
        if data:
            self.update(data)

    def update(self, data: bytes, /) -> None:
        self._ctx.update(bytes(data))  # type: ignore[attr-defined]

    def digest(self) -> bytes:
        out: bytes = self._ctx.copy().finalize()  # type: ignore[attr-defined]
        return out

    def hexdigest(self) -> str:
        return self.digest().hex()

    def copy(self) -> _CryptographySM3:
        return _CryptographySM3(_ctx=self._ctx.copy())  # type: ignore[attr-defined]


def _select() -> tuple[str, Callable[..., SM3Hash]]:
    try:
        hashlib.new("sm3", b"abc")
    except ValueError:
        pass
    else:
        return "hashlib", lambda data=b"": hashlib.new("sm3", data)
    try:
        _CryptographySM3(b"abc").digest()
    except Exception as exc:  # ImportError, UnsupportedAlgorithm
        raise BackendUnavailable(
            "SM3 is unavailable: this Python's OpenSSL has no 'sm3' in hashlib and the "
            f"'cryptography' package cannot provide it ({type(exc).__name__}: {exc}); "
            "install OpenSSL >= 1.1.1 with SM3 enabled or 'cryptography' >= 35"
        ) from exc
    return "cryptography", _CryptographySM3


SM3_SOURCE, _factory = _select()


def new(data: bytes = b"") -> SM3Hash:
    """A new incremental SM3 hasher (``update`` / ``digest`` / ``hexdigest`` / ``copy``)."""
    return _factory(data)


if SM3_SOURCE == "hashlib":

    def sm3(data: bytes) -> bytes:
        """The 32-byte SM3 digest of ``data``."""
        return hashlib.new("sm3", data).digest()

else:

    def sm3(data: bytes) -> bytes:
        """The 32-byte SM3 digest of ``data``."""
        return _factory(data).digest()
