"""SM3 (GB/T 32905) through OpenSSL's ``hashlib.new("sm3")``, falling back to ``cryptography``.

Import fails with :class:`~sm_crypto.BackendUnavailable` when neither provides SM3.

:func:`sm3_each` and :func:`sm3_chunks` hash many messages behind one prefix per call: with the
optional C module ``_sm3bulk`` (sm_crypto/_sm3bulk.c) bound to the libcrypto of ``hashlib``, in
one C loop over OpenSSL's SM3, else in a Python loop; ``SM3_BULK`` says which (``"c"`` or
``"python"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import ModuleType
from typing import Protocol

from ._errors import BackendUnavailable

__all__ = [
    "DIGEST_SIZE",
    "BLOCK_SIZE",
    "SM3Hash",
    "new",
    "sm3",
    "sm3_chunks",
    "sm3_each",
    "SM3_BULK",
    "SM3_SOURCE",
]

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


def _each_py(prefix: bytes, messages: list[bytes] | tuple[bytes, ...]) -> bytes:
    """:func:`sm3_each` without the C module (the same checks)."""
    if not isinstance(prefix, bytes):
        raise TypeError(f"each() prefix must be bytes, not {type(prefix).__name__}")
    if not isinstance(messages, list | tuple):
        raise TypeError(f"each() messages must be a list or tuple, not {type(messages).__name__}")
    messages = tuple(messages)
    for i, m in enumerate(messages):
        if type(m) is not bytes:
            raise TypeError(f"each() messages[{i}] must be bytes, not {type(m).__name__}")
    proto = new(prefix)
    out: list[bytes] = []
    for m in messages:
        h = proto.copy()
        h.update(m)
        out.append(h.digest())
    return b"".join(out)


def _chunks_py(prefix: bytes, data: bytes, size: int) -> bytes:
    """:func:`sm3_chunks` without the C module (the same checks)."""
    if not isinstance(prefix, bytes):
        raise TypeError(f"chunks() prefix must be bytes, not {type(prefix).__name__}")
    if not isinstance(data, bytes):
        raise TypeError(f"chunks() data must be bytes, not {type(data).__name__}")
    if not isinstance(size, int):
        raise TypeError(f"chunks() size must be an int, not {type(size).__name__}")
    if size <= 0:
        raise ValueError(f"chunks() size must be positive, got {size}")
    if len(data) % size:
        raise ValueError(f"chunks() data is {len(data)} bytes, not a multiple of size {size}")
    proto = new(prefix)
    out: list[bytes] = []
    for start in range(0, len(data), size):
        h = proto.copy()
        h.update(data[start : start + size])
        out.append(h.digest())
    return b"".join(out)


def _bulk() -> ModuleType | None:
    """The C module, bound to the libcrypto behind ``hashlib``'s SM3, or None."""
    if SM3_SOURCE != "hashlib":
        return None
    try:
        import _hashlib

        from . import _sm3bulk
    except ImportError:
        return None
    path = getattr(_hashlib, "__file__", None)
    return _sm3bulk if isinstance(path, str) and _sm3bulk.bind(path) else None


_c = _bulk()
SM3_BULK = "python" if _c is None else "c"

# sm3_each(prefix, messages): SM3(prefix || m) for each bytes m of a list or tuple, concatenated;
# sm3_chunks(prefix, data, size): SM3(prefix || chunk) for each size-byte chunk of data (whose
# length must be a multiple of size), concatenated. TypeError for anything but bytes (exactly
# bytes for the messages), ValueError for a bad size.
if _c is not None:
    sm3_each: Callable[[bytes, list[bytes] | tuple[bytes, ...]], bytes] = _c.each
    sm3_chunks: Callable[[bytes, bytes, int], bytes] = _c.chunks
else:
    sm3_each = _each_py
    sm3_chunks = _chunks_py
