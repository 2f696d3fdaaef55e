"""sm_crypto: SM3 and SM2 (国密) on the system OpenSSL. Pure: no I/O beyond OpenSSL, no web3.

SM3 comes from ``hashlib`` (OpenSSL) or ``cryptography``; SM2 from OpenSSL 3's libcrypto through
ctypes, behind a small backend seam (:class:`Backend`). Signatures always use SM3 and an explicit
signer ID (default ``DEFAULT_ID``). See ``_errors`` for the error tree.
"""

from ._backend import Backend, get_backend, set_backend
from ._encoding import signature_to_der, signature_to_raw
from ._errors import (
    BackendError,
    BackendUnavailable,
    InvalidKey,
    InvalidSignature,
    MalformedSignature,
    MalformedSignatureError,
    SMCryptoError,
)
from ._keys import DEFAULT_ID, MAX_ID_SIZE, PrivateKey, PublicKey, message_digest, z_value
from ._sm3 import DIGEST_SIZE, SM3Hash, new, sm3, sm3_chunks, sm3_each
from .curve import GX, GY, A, B, N, P

__all__ = [
    "A",
    "B",
    "DEFAULT_ID",
    "DIGEST_SIZE",
    "GX",
    "GY",
    "MAX_ID_SIZE",
    "N",
    "P",
    "Backend",
    "BackendError",
    "BackendUnavailable",
    "InvalidKey",
    "InvalidSignature",
    "MalformedSignature",
    "MalformedSignatureError",
    "PrivateKey",
    "PublicKey",
    "SM3Hash",
    "SMCryptoError",
    "get_backend",
    "message_digest",
    "new",
    "set_backend",
    "signature_to_der",
    "signature_to_raw",
    "sm3",
    "sm3_chunks",
    "sm3_each",
    "z_value",
]
