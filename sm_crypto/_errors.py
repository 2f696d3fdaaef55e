"""Errors of :mod:`sm_crypto`, all under the project's root :class:`mulu.errors.MuluError`::

    MuluError
    └── SMCryptoError                         anything sm_crypto refuses or fails at
        ├── InvalidSignature (RuleViolation)  verification failed, for *every* reason
        │   └── MalformedSignatureError       ... because the signature or key could not be decoded
        ├── InvalidKey (InvalidInput)         a key encoding is malformed, off the curve, or the
        │                                     PEM password is wrong
        ├── MalformedSignature (InvalidInput) a signature encoding cannot be decoded
        │   └── MalformedSignatureError       (also an InvalidSignature, see below)
        ├── BackendUnavailable                no SM3 / SM2 implementation in this process
        └── BackendError                      the backend failed (OpenSSL error queue attached)

``PublicKey.verify`` raises :class:`InvalidSignature` for every failure, so a caller catching
``InvalidSignature`` never misses one. When the cause is an undecodable encoding the exception is
a :class:`MalformedSignatureError`, which is *both* ``InvalidSignature`` and ``MalformedSignature``;
the CLI uses that to exit with 2 (malformed input) instead of 1 (invalid signature).
"""

from __future__ import annotations

from mulu.errors import InvalidInput, MuluError, RuleViolation

__all__ = [
    "BackendError",
    "BackendUnavailable",
    "InvalidKey",
    "InvalidSignature",
    "MalformedSignature",
    "MalformedSignatureError",
    "SMCryptoError",
]


class SMCryptoError(MuluError):
    """Root of the errors raised by :mod:`sm_crypto`."""


class InvalidSignature(SMCryptoError, RuleViolation):
    """The signature does not verify under this key, message and signer ID."""


class InvalidKey(SMCryptoError, InvalidInput):
    """A key is malformed: bad length or prefix, not on the curve, or not decryptable."""


class MalformedSignature(SMCryptoError, InvalidInput):
    """A signature encoding (DER or raw r‖s) cannot be decoded, or r, s are out of range."""


class MalformedSignatureError(InvalidSignature, MalformedSignature):
    """Raised by ``verify`` for an undecodable signature: both invalid and malformed.

    Its ``exit_code`` is 2 (malformed input), that of :class:`InvalidInput`.
    """

    exit_code = 2


class BackendUnavailable(SMCryptoError):
    """No usable SM3 / SM2 implementation (e.g. OpenSSL built without SM2)."""


class BackendError(SMCryptoError):
    """The cryptographic backend reported an error; ``openssl_errors`` holds its error queue."""

    def __init__(self, message: str, openssl_errors: tuple[str, ...] = ()) -> None:
        detail = f": {'; '.join(openssl_errors)}" if openssl_errors else ""
        super().__init__(f"{message}{detail}")
        self.openssl_errors = openssl_errors
