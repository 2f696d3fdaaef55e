"""catalog: data catalog model, canonical SM3 digest, Merkle proofs, proven diffs. Pure: no I/O
beyond the explicit ``read_*`` helpers, no web3, no HTTP.

Anchoring a catalog::

    cat = load_catalog(data)            # strict parse + validation (CatalogInvalid with JSON paths)
    cat.digest, cat.merkle_root         # SM3(JCS(document)), RFC 9162 root over JCS(resources[i])
    proof = cat.prove("101001/000001")  # InclusionProof; verify_inclusion(proof, root) raises

See docs/CATALOG.md for the formats, the canonical form and the change ratio.
"""

from ._catalog import Catalog, catalog_from_document, load_catalog, read_catalog, validate_document
from ._diff import (
    DIFF_SCHEMA_ID,
    FILING_LIMIT_BP,
    RECORDED_RATIO_LIMIT_BP,
    CatalogDiff,
    change_ratio_bp,
    diff_catalogs,
    verify_diff,
)
from ._errors import (
    CatalogError,
    CatalogInvalid,
    CatalogTooLarge,
    DiffInvalid,
    ProofInvalid,
    RootMismatch,
    TemplateInvalid,
)
from ._jcs import canonicalize
from ._merkle import (
    SHA256_HASHER,
    SM3_HASHER,
    Hasher,
    InclusionProof,
    LogHasher,
    MerkleTree,
    root_from_inclusion_proof,
    verify_inclusion,
)
from ._model import (
    SCHEMA_ID,
    CatalogKind,
    CatalogModel,
    Classification,
    DataType,
    InfoItem,
    OpenType,
    Resource,
    ShareType,
    UpdateCycle,
)
from ._parse import DEFAULT_MAX_BYTES, parse_json, read_limited
from ._tabular import (
    csv_template,
    export_csv,
    export_xlsx,
    import_csv,
    import_xlsx,
    xlsx_template,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DIFF_SCHEMA_ID",
    "SCHEMA_ID",
    "SHA256_HASHER",
    "SM3_HASHER",
    "Catalog",
    "CatalogDiff",
    "CatalogError",
    "CatalogInvalid",
    "CatalogKind",
    "CatalogModel",
    "CatalogTooLarge",
    "Classification",
    "DataType",
    "DiffInvalid",
    "Hasher",
    "InclusionProof",
    "InfoItem",
    "LogHasher",
    "MerkleTree",
    "OpenType",
    "ProofInvalid",
    "Resource",
    "RootMismatch",
    "ShareType",
    "TemplateInvalid",
    "UpdateCycle",
    "canonicalize",
    "catalog_from_document",
    "change_ratio_bp",
    "FILING_LIMIT_BP",
    "RECORDED_RATIO_LIMIT_BP",
    "csv_template",
    "diff_catalogs",
    "export_csv",
    "export_xlsx",
    "import_csv",
    "import_xlsx",
    "load_catalog",
    "parse_json",
    "read_catalog",
    "read_limited",
    "root_from_inclusion_proof",
    "validate_document",
    "verify_diff",
    "verify_inclusion",
    "xlsx_template",
]
