// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IMembershipObserver} from "./IMembershipObserver.sol";
import {IProjectLibrary} from "./IProjectLibrary.sol";

/**
 * @dev Catalog anchors: per project and kind (declared 申报 / acceptance 验收), an append-only list
 * of versions, each committing to the SM3 digest of the canonical document, the Merkle root of its
 * resources and the resource count. Answers the library's "is the declared catalog filed?" and
 * "is acceptance ready?". Refusals about the sender or the project use the library's errors
 * (`ProjectUnauthorized`, `ProjectUnknown`, `ProjectNotUnit`), so they read the same everywhere.
 */
interface ICatalogLedger is IMembershipObserver {
    /// @dev 申报项目数据目录 (art. 12) and 验收项目数据目录 (art. 21).
    enum CatalogKind {
        DECLARED,
        ACCEPTANCE
    }

    /// @dev A project milestone the library pushes ({syncMilestone}) that closes a catalog kind
    /// without changing the project's state: after REVIEW_PASSED no new DECLARED version (the
    /// reviewed one stays the latest), after ACCEPTED no new ACCEPTANCE version (the accepted one).
    enum Milestone {
        REVIEW_PASSED,
        ACCEPTED
    }

    /// @dev One item of {anchorBatch}: the arguments of {anchor}.
    struct AnchorInput {
        bytes32 code;
        CatalogKind kind;
        uint32 version;
        bytes32 digest;
        bytes32 merkleRoot;
        uint32 resourceCount;
    }

    /// @dev Version `version` of the `kind` catalog of `code` was anchored by `submitter`.
    /// The event carries the full data; storage keeps only its commitment (see {anchorCommitment}).
    event CatalogAnchored(
        bytes32 indexed code,
        CatalogKind indexed kind,
        uint32 version,
        bytes32 indexed digest,
        bytes32 merkleRoot,
        uint32 resourceCount,
        address submitter
    );

    /// @dev Version `version` of the `kind` catalog of `code`, anchored earlier with exactly these
    /// digest, root and count, is announced again by `submitter` (the project's unit), changing
    /// nothing: the record of an anchor whose {CatalogAnchored} is in no block the node serves (a
    /// node restored from a state dump that kept the anchoring transaction's storage but not its
    /// block). Readers take it as the version's anchor record only when no {CatalogAnchored} exists
    /// for that version; beside one it is a redundant repeat, never a second anchor.
    event CatalogAnchorRestated(
        bytes32 indexed code,
        CatalogKind indexed kind,
        uint32 version,
        bytes32 indexed digest,
        bytes32 merkleRoot,
        uint32 resourceCount,
        address submitter
    );

    /// @dev The step confirmations were wired (once, at deploy).
    event ConfirmationsSet(address indexed confirmations, address indexed actor);

    /// @dev The catalog digest is zero.
    error CatalogZeroDigest();

    /// @dev The Merkle root is zero.
    error CatalogZeroMerkleRoot();

    /// @dev A catalog lists at least one resource.
    error CatalogNoResources();

    /// @dev Versions of the `kind` catalog of `code` go 1, 2, 3 ...: expected `expected`, got `got`.
    error CatalogVersionGap(bytes32 code, CatalogKind kind, uint32 expected, uint32 got);

    /// @dev Version `version` is already anchored with commitment `anchored`; `submitted` differs.
    /// Anchors are append-only: a version is never overwritten.
    error CatalogVersionConflict(bytes32 code, CatalogKind kind, uint32 version, bytes32 anchored, bytes32 submitted);

    /// @dev Version `version` of the `kind` catalog of `code` is not anchored: there is nothing to restate.
    error CatalogNotAnchored(bytes32 code, CatalogKind kind, uint32 version);

    /// @dev A `kind` catalog of `code` cannot be anchored in state `state` (declared: RESERVE or
    /// UNDER_REVIEW; acceptance: UNDER_CONSTRUCTION).
    error CatalogKindNotAllowed(bytes32 code, CatalogKind kind, IProjectLibrary.State state);

    /// @dev The technical review of `code` has passed on declared catalog version `reviewedVersion`:
    /// the opinion, the crypto sign-off, an extension and the change baseline refer to it, so no
    /// new declared version may be anchored (art. 12-16).
    error CatalogDeclaredAfterReview(bytes32 code, uint32 reviewedVersion);

    /// @dev Project `code` was accepted on acceptance catalog version `acceptedVersion`: no new
    /// acceptance version may be anchored (commissioning reviews the accepted one, art. 21, 24).
    error CatalogAcceptanceAfterAcceptance(bytes32 code, uint32 acceptedVersion);

    /// @dev Project `code` has no anchored declared catalog (art. 12: filed with the review application).
    error CatalogDeclaredCatalogMissing(bytes32 code);

    /// @dev Project `code` has no anchored acceptance catalog (art. 21).
    error CatalogAcceptanceCatalogMissing(bytes32 code);

    /// @dev {anchorBatch} got no items.
    error CatalogEmptyBatch();

    /// @dev Only the project library pushes project changes; `account` tried.
    error CatalogOnlyLibrary(address account);

    /// @dev Only Members pushes membership changes; `account` tried.
    error CatalogOnlyMembers(address account);

    /// @dev Members at `members` does not push membership changes to this ledger yet
    /// (`Members.setObserver(ledger)` must run before the first project).
    error CatalogNotObserving(address members);

    /// @dev Only the deployer `deployer` wires the confirmations; `account` tried.
    error CatalogNotDeployer(address account, address deployer);

    /// @dev The confirmations are already wired to `confirmations`.
    error CatalogConfirmationsAlreadyWired(address confirmations);

    /// @dev `confirmations` is not a confirmations contract bound to this ledger and its library.
    error CatalogConfirmationsMismatch(address confirmations);

    /// @dev The step confirmations are not wired yet ({setConfirmations}).
    error CatalogConfirmationsNotWired();

    function setConfirmations(address confirmations) external;

    function anchor(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount
    ) external returns (bool created);

    function anchorBatch(AnchorInput[] calldata items) external returns (uint256 created);

    function restateAnchors(AnchorInput[] calldata items) external;

    function syncProject(bytes32 code, address unit, IProjectLibrary.State state) external;

    function syncMilestone(bytes32 code, Milestone milestone) external;

    function isAnchored(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount
    ) external view returns (bool);

    function areAnchored(AnchorInput[] memory items) external view returns (bool[] memory anchored);

    function anchorCommitment(bytes32 code, CatalogKind kind, uint32 version) external view returns (bytes32);

    function commitmentOf(bytes32 digest, bytes32 merkleRoot, uint32 resourceCount) external pure returns (bytes32);

    function latest(bytes32 code, CatalogKind kind)
        external
        view
        returns (uint32 version, uint32 resourceCount, uint64 anchoredAt);

    function acceptanceReady(bytes32 code) external view returns (bool);

    function requireReviewReady(bytes32 code) external view;

    function requireAcceptanceReady(bytes32 code) external view returns (uint32 acceptanceVersion);

    function requireCommissionReady(bytes32 code, uint32 acceptedVersion) external view;

    function confirmations() external view returns (address);

    function activeUnitId(address account) external view returns (uint32);

    function members() external view returns (address);

    function projectLibrary() external view returns (address);
}
