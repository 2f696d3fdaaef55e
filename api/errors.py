"""The service's own errors, under the project's root (:mod:`mulu.errors`)::

    MuluError
    ├── InvalidInput
    │   ├── BodyTooLarge            413  the request body is over the limit
    │   └── BadParameter            400  a path or query value is malformed
    ├── RuleViolation
    │   └── NotAnchored             409  an upload whose digest the ledger does not reference
    ├── NotFound                    404  no such project, anchor, document or resource
    └── ChainUnavailable            503  (mulu.errors) the chain cannot be reached

:mod:`api.problems` maps these (and the other packages' errors) to RFC 9457 problem details.
"""

from __future__ import annotations

from mulu.errors import InvalidInput, MuluError, RuleViolation

__all__ = ["BadParameter", "BodyTooLarge", "NotAnchored", "NotFound"]


class NotFound(MuluError):
    """The thing asked for does not exist (or is not indexed / stored yet)."""


class BadParameter(InvalidInput):
    """A path or query parameter is malformed."""


class BodyTooLarge(InvalidInput):
    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(f"request body is {size} bytes, over the limit of {limit} bytes")


class NotAnchored(RuleViolation):
    """An uploaded document whose digest no ledger anchor or event references."""
