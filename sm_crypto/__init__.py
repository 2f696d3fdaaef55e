"""sm_crypto: SM3 and SM2 (国密) on the system OpenSSL. Pure: no I/O beyond OpenSSL, no web3."""

from ._sm3 import DIGEST_SIZE, new, sm3

__all__ = ["DIGEST_SIZE", "new", "sm3"]
