"""The API's request and response bodies (``XCreate`` in, ``XPublic`` out).

Hashes and digests are lowercase hex (``0x``-prefixed for chain hashes: block, transaction;
bare for SM3 digests and Merkle roots, as in catalog documents). Times are unix seconds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    error: str | None = None
    errors: list[dict[str, Any]] | None = None


class AsOf(BaseModel):
    """The block an answer reflects (the index checkpoint, or the block a chain read used)."""

    block_number: int
    block_hash: str
    timestamp: int


class StatePublic(BaseModel):
    key: str = Field(examples=["UNDER_CONSTRUCTION"])
    zh: str = Field(examples=["在建"])


class ChainHealth(BaseModel):
    reachable: bool
    chain_id: int | None = None
    head_block: int | None = None
    error: str | None = None


class IndexHealth(BaseModel):
    block_number: int | None = None
    block_hash: str | None = None
    lag: int | None = None
    confirmations: int
    running: bool
    last_error: str | None = None


class HealthPublic(BaseModel):
    status: str = Field(examples=["ok"])
    chain: ChainHealth
    index: IndexHealth


class AnchorPublic(BaseModel):
    project_code: str
    kind: str
    kind_zh: str
    version: int
    digest: str
    merkle_root: str
    resource_count: int
    submitter: str
    block_number: int
    block_hash: str
    tx_hash: str
    timestamp: int
    stored: bool
    #: recorded by CatalogAnchorRestated: the version's CatalogAnchored is in no block (a node
    #: restored from a state dump that kept its storage); block and tx are the restatement's
    restated: bool = False


class ProjectSummary(BaseModel):
    code: str
    name: str
    state: StatePublic
    unit: str
    unit_name: str | None
    created_at: int
    updated_block: int
    overdue: list[str]


class ProjectList(BaseModel):
    as_of: AsOf | None
    projects: list[ProjectSummary]


class Progress(BaseModel):
    reports: int
    next_due_at: int | None
    missed_quarters: int
    overdue: bool


class Fact(BaseModel):
    """One fact about a project and the transaction that recorded it."""

    fact: str
    event: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    timestamp: int


class Attestation(BaseModel):
    block_number: int
    block_hash: str
    block_timestamp: int
    facts: list[Fact]


class ProjectPublic(BaseModel):
    code: str
    name: str
    state: StatePublic
    unit: str
    unit_name: str | None
    times: dict[str, int | None]
    deadlines: dict[str, int | None]
    progress: Progress
    overdue: list[str]
    anchors: list[AnchorPublic]
    gates: dict[str, Any] | None = None
    gates_note: str | None = None
    attestation: Attestation


class EventPublic(BaseModel):
    event: str
    contract: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    timestamp: int
    args: dict[str, Any]


class HistoryPublic(BaseModel):
    code: str
    as_of: AsOf | None
    events: list[EventPublic]


class CatalogList(BaseModel):
    code: str
    as_of: AsOf | None
    anchors: list[AnchorPublic]


class CatalogPublic(BaseModel):
    """The result of an upload."""

    digest: str
    project_code: str
    kind: str
    version: int
    merkle_root: str
    resource_count: int
    created: bool


class DocumentPublic(BaseModel):
    digest: str
    created: bool
    size: int


class ProofPublic(BaseModel):
    project_code: str
    kind: str
    version: int
    resource_code: str
    anchor: AnchorPublic
    proof: dict[str, Any]
    resource: dict[str, Any]


class DiffPublic(BaseModel):
    code: str
    declared: AnchorPublic
    acceptance: AnchorPublic
    ratio_bp: int
    diff_digest: str
    verified: bool
    diff: dict[str, Any]


class VerifyCheck(BaseModel):
    name: str
    ok: bool
    expected: str | None = None
    got: str | None = None


class CatalogVerifyReport(BaseModel):
    """What a document is, and whether the ledger vouches for it."""

    anchored: bool
    project_code: str
    kind: str
    version: int
    digest: str
    merkle_root: str
    resource_count: int
    anchor: AnchorPublic | None
    checks: list[VerifyCheck]
    mismatches: list[str]
    changed_resources: list[str] | None = None
    signatures: str
    as_of: AsOf | None


#: a 32-byte hash (SM3 or SHA-256), bare hex as in catalogs and proofs
HASH_HEX = r"^[0-9a-fA-F]{64}$"
#: a project code as the ledger keys it (chain_client.types.encode_code)
PROJECT_CODE = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$"


def _json_number(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError(f"an integer is a JSON number, not {type(value).__name__}")
    return value


#: for an integer field: a JSON number (``3``, or ``3.0`` as JSON Schema's ``integer`` allows),
#: never a string or a boolean, which pydantic's lax mode would turn into one
_NUMBER = BeforeValidator(_json_number)


class ProofJson(BaseModel):
    """An RFC 9162 inclusion proof, as ``GET .../proof/...`` returns it (its ``proof``).
    As the CLI's reader: ``"leaf_index": "0"`` or ``true`` is not an index ."""

    model_config = ConfigDict(extra="forbid")

    algorithm: Literal["sm3", "sha256"] = "sm3"
    leaf_index: Annotated[int, Field(ge=0, le=2**32 - 1), _NUMBER]
    tree_size: Annotated[int, Field(ge=0, le=2**32 - 1), _NUMBER]
    leaf_hash: str = Field(pattern=HASH_HEX)
    audit_path: list[Annotated[str, Field(pattern=HASH_HEX)]] = Field(max_length=64)
    root: str = Field(pattern=HASH_HEX, description="The root the prover computed (informative)")
    leaf: str | SkipJsonSchema[None] = Field(
        default=None, description="The leaf's canonical JSON text (then its hash is checked too)"
    )
    resource_code: str | SkipJsonSchema[None] = None


class ProofVerifyCreate(BaseModel):
    """An inclusion proof (the JSON ``GET .../proof/...`` returns) and what to check it against:
    either ``root`` (hex) or the anchor ``project_code`` + ``kind`` + ``version``."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"required": ["root"]}, {"required": ["project_code", "kind", "version"]}]
        }
    )

    proof: ProofJson
    root: Annotated[str, Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$")] | SkipJsonSchema[None] = None
    project_code: Annotated[str, Field(pattern=PROJECT_CODE)] | SkipJsonSchema[None] = None
    kind: Annotated[str, Field(pattern="^(?i:declared|acceptance)$")] | SkipJsonSchema[None] = None
    version: Annotated[int, Field(ge=1, le=2**32 - 1), _NUMBER] | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _target(self) -> ProofVerifyCreate:
        if self.root is None and None in (self.project_code, self.kind, self.version):
            raise ValueError("give either root, or project_code, kind and version")
        return self


class ProofVerifyReport(BaseModel):
    valid: bool
    root: str | None
    anchor: AnchorPublic | None
    error: str | None


class KeyPublic(BaseModel):
    key_index: int
    public_key: str
    valid_from_block: int
    valid_until_block: int | None
    tx_hash: str


class MemberPublic(BaseModel):
    account: str
    name: str
    active: bool
    roles: list[str]
    admitted_block: int
    revoked_block: int | None
    keys: list[KeyPublic]


class MemberList(BaseModel):
    as_of: AsOf | None
    members: list[MemberPublic]


class DeadlinePublic(BaseModel):
    project_code: str
    project_name: str
    kind: str = Field(examples=["progress_report"])
    kind_zh: str
    due_at: int
    due_date: str
    days_left: int
    overdue: bool
    basis: str


class DeadlineList(BaseModel):
    as_of: AsOf | None
    within_days: int
    items: list[DeadlinePublic]
