"""The catalog package's errors, under :mod:`mulu.errors`::

MuluError
└── CatalogError
    ├── CatalogInvalid (InvalidInput, exit 2)   malformed document; ``.problems`` = [(path, msg)]
    │   ├── CatalogTooLarge                      over the size limit, refused before parsing
    │   └── TemplateInvalid                      a CSV/XLSX sheet; paths name sheet, row, column
    ├── ProofInvalid (RuleViolation, exit 1)     a proof is malformed or does not verify
    │   └── RootMismatch                         recomputed root differs; ``.expected/.calculated``
    └── DiffInvalid (RuleViolation, exit 1)      a diff is inconsistent with its proofs or roots
"""

from __future__ import annotations

from collections.abc import Iterable

from mulu.errors import InvalidInput, MuluError, RuleViolation

__all__ = [
    "CatalogError",
    "CatalogInvalid",
    "CatalogTooLarge",
    "DiffInvalid",
    "ProofInvalid",
    "RootMismatch",
    "TemplateInvalid",
]

_SHOWN = 20


class CatalogError(MuluError):
    """Root of the catalog package's errors."""


class CatalogInvalid(CatalogError, InvalidInput):
    """The document is not a valid catalog; ``problems`` lists ``(json_path, message)`` pairs."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        lines = [f"{path}: {msg}" for path, msg in self.problems[:_SHOWN]]
        if len(self.problems) > _SHOWN:
            lines.append(f"... and {len(self.problems) - _SHOWN} more")
        count = len(self.problems)
        head = f"invalid catalog ({count} problem{'s' if count != 1 else ''})"
        super().__init__(head + ":\n  " + "\n  ".join(lines) if lines else head)

    @classmethod
    def at(cls, path: str, message: str) -> CatalogInvalid:
        return cls([(path, message)])


class CatalogTooLarge(CatalogInvalid):
    """The input is larger than the configured limit; refused before parsing."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__([("$", f"document is {size} bytes, over the limit of {limit} bytes")])


class TemplateInvalid(CatalogInvalid):
    """A CSV/XLSX template could not be imported; paths read ``sheet!row:column``."""


class ProofInvalid(CatalogError, RuleViolation):
    """An inclusion proof is malformed or does not verify."""


class RootMismatch(ProofInvalid):
    """The root recomputed from a proof differs from the expected (anchored) root."""

    def __init__(self, expected: bytes, calculated: bytes, what: str = "root") -> None:
        self.expected = expected
        self.calculated = calculated
        super().__init__(
            f"{what} mismatch: expected {expected.hex()}, calculated {calculated.hex()}"
        )


class DiffInvalid(CatalogError, RuleViolation):
    """A catalog diff does not agree with its proofs, its roots or itself."""
