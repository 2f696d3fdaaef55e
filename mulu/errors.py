"""The project's root error and its three broad families.

Every error mulu raises on purpose derives from :class:`MuluError`. The CLI catches it once and
maps its family to an exit code; the API maps it to an RFC 9457 problem document::

    MuluError                      exit 1  something refused or failed
    ├── RuleViolation              exit 1  refused by a rule (a contract revert, a bad signature)
    ├── InvalidInput               exit 2  the input is malformed; nothing was changed
    └── ChainUnavailable           exit 3  the chain (JSON-RPC endpoint) cannot be reached

Each package adds its own subclasses (``sm_crypto.InvalidSignature``, ``catalog.CatalogError``,
``chain_client.ContractError`` ...) under one of these families.
"""

from __future__ import annotations

__all__ = ["ChainUnavailable", "InvalidInput", "MuluError", "RuleViolation"]


class MuluError(Exception):
    """Root of every error mulu raises on purpose."""

    #: process exit code the CLI uses for this family
    exit_code: int = 1


class RuleViolation(MuluError):
    """A rule refused the operation (contract revert, invalid signature, failed check)."""

    exit_code = 1


class InvalidInput(MuluError, ValueError):
    """Malformed or out-of-range input; nothing was changed."""

    exit_code = 2


class ChainUnavailable(MuluError):
    """The JSON-RPC endpoint could not be reached or did not answer."""

    exit_code = 3
