// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICatalogLedger} from "./interfaces/ICatalogLedger.sol";
import {IMembers} from "./interfaces/IMembers.sol";
import {IProjectLibrary} from "./interfaces/IProjectLibrary.sol";

/**
 * @dev Append-only catalog anchors per project and kind, and the catalog conditions of the
 * project library's transitions (art. 12, 21, 24).
 *
 * Storage per anchor is one slot, the commitment `keccak256(abi.encode(digest, merkleRoot,
 * resourceCount))` under (code, kind, version); the full data is in the {CatalogAnchored} event.
 * Anyone holding the document recomputes digest, root and count and checks them with
 * {isAnchored}. One more slot per project packs the head (latest version, its resource count and
 * time) of both kinds, so a subsequent anchor writes one new slot and updates one warm-able slot.
 */
contract CatalogLedger is ICatalogLedger {
    IMembers private immutable _members;
    IProjectLibrary private immutable _library;

    mapping(bytes32 code => mapping(CatalogKind kind => mapping(uint32 version => bytes32 commitment))) private
        _commitments;

    /// @dev Heads of both kinds in one slot: bits [0, 128) DECLARED, [128, 256) ACCEPTANCE; each
    /// 128-bit head = version (bits 0-31) | resourceCount (32-63) | anchoredAt (64-127).
    mapping(bytes32 code => uint256 heads) private _heads;

    uint256 private constant _HEAD_MASK = type(uint128).max;

    constructor(IMembers members_, IProjectLibrary library_) {
        _members = members_;
        _library = library_;
    }

    /**
     * @dev Anchors version `version` of the `kind` catalog of `code`. Returns false, changing
     * nothing, when exactly this (version, digest, root, count) is already anchored.
     *
     * Requirements:
     * - `digest`, `merkleRoot` non-zero, `resourceCount >= 1`;
     * - the caller is the project's registered unit and an active UNIT (the library's
     *   `ProjectUnauthorized` / `ProjectUnknown` / `ProjectNotUnit` otherwise);
     * - an already anchored version must carry the same commitment ({CatalogVersionConflict});
     * - a new version is the latest + 1, starting at 1 ({CatalogVersionGap});
     * - a new DECLARED version needs RESERVE or UNDER_REVIEW, a new ACCEPTANCE version
     *   UNDER_CONSTRUCTION ({CatalogKindNotAllowed}).
     *
     * Emits {CatalogAnchored} when created.
     */
    function anchor(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount
    ) external returns (bool created) {
        return _anchor(code, kind, version, digest, merkleRoot, resourceCount);
    }

    /**
     * @dev Anchors every item as {anchor} would, atomically (any refusal reverts all). Returns
     * how many were created (the rest were idempotent repeats).
     *
     * Requirements: `items` non-empty; each item meets the requirements of {anchor}, in order
     * (so one batch may carry versions n and n + 1 of the same catalog).
     *
     * Emits one {CatalogAnchored} per created anchor.
     */
    function anchorBatch(AnchorInput[] calldata items) external returns (uint256 created) {
        if (items.length == 0) revert CatalogEmptyBatch();
        for (uint256 i = 0; i < items.length; ++i) {
            AnchorInput calldata it = items[i];
            if (_anchor(it.code, it.kind, it.version, it.digest, it.merkleRoot, it.resourceCount)) ++created;
        }
    }

    // ---------------------------------------------------------------- views

    /// @dev True iff version `version` of the `kind` catalog of `code` is anchored with exactly
    /// these digest, root and count.
    function isAnchored(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount
    ) external view returns (bool) {
        bytes32 anchored = _commitments[code][kind][version];
        return anchored != bytes32(0) && anchored == commitmentOf(digest, merkleRoot, resourceCount);
    }

    /// @dev The stored commitment of a version (zero when not anchored).
    function anchorCommitment(bytes32 code, CatalogKind kind, uint32 version) external view returns (bytes32) {
        return _commitments[code][kind][version];
    }

    /// @dev `keccak256(abi.encode(digest, merkleRoot, resourceCount))`, the stored commitment.
    function commitmentOf(bytes32 digest, bytes32 merkleRoot, uint32 resourceCount) public pure returns (bytes32) {
        return keccak256(abi.encode(digest, merkleRoot, resourceCount));
    }

    /// @dev The latest anchored version of the `kind` catalog of `code` (zeros when none).
    function latest(bytes32 code, CatalogKind kind)
        public
        view
        returns (uint32 version, uint32 resourceCount, uint64 anchoredAt)
    {
        uint256 head = (_heads[code] >> _shift(kind)) & _HEAD_MASK;
        return (uint32(head), uint32(head >> 32), uint64(head >> 64));
    }

    /// @dev True iff {requireAcceptanceReady} would not revert.
    function acceptanceReady(bytes32 code) external view returns (bool) {
        (uint32 version,,) = latest(code, CatalogKind.ACCEPTANCE);
        return version != 0;
    }

    /// @dev Reverts with {CatalogDeclaredCatalogMissing} unless a declared catalog is anchored (art. 12).
    function requireReviewReady(bytes32 code) external view {
        (uint32 version,,) = latest(code, CatalogKind.DECLARED);
        if (version == 0) revert CatalogDeclaredCatalogMissing(code);
    }

    /// @dev Reverts with a named error saying what acceptance still lacks; returns the acceptance
    /// catalog version accepted. Now: an acceptance catalog is anchored (art. 21). The five-step
    /// gate and the change ratio (issue 5) extend this one function.
    function requireAcceptanceReady(bytes32 code) external view returns (uint32 acceptanceVersion) {
        (acceptanceVersion,,) = latest(code, CatalogKind.ACCEPTANCE);
        if (acceptanceVersion == 0) revert CatalogAcceptanceCatalogMissing(code);
    }

    /// @dev Reverts with a named error unless the catalog conditions of commissioning hold (art. 24).
    /// Now: an acceptance catalog is anchored; issue 5 adds "its confirmations still hold".
    function requireCommissionReady(bytes32 code) external view {
        (uint32 version,,) = latest(code, CatalogKind.ACCEPTANCE);
        if (version == 0) revert CatalogAcceptanceCatalogMissing(code);
    }

    /// @dev The Members contract.
    function members() external view returns (address) {
        return address(_members);
    }

    /// @dev The project library this ledger serves.
    function projectLibrary() external view returns (address) {
        return address(_library);
    }

    // ---------------------------------------------------------------- internal

    function _anchor(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount
    ) internal returns (bool) {
        _checkContent(digest, merkleRoot, resourceCount);
        IProjectLibrary.State state = _library.requireActiveUnit(code, msg.sender);
        bytes32 commitment = commitmentOf(digest, merkleRoot, resourceCount);
        uint256 heads = _heads[code];
        uint256 shift = _shift(kind);
        uint32 latestVersion = uint32(heads >> shift);
        if (version != 0 && version <= latestVersion) {
            bytes32 anchored = _commitments[code][kind][version];
            if (anchored == commitment) return false;
            revert CatalogVersionConflict(code, kind, version, anchored, commitment);
        }
        if (version != latestVersion + 1) revert CatalogVersionGap(code, kind, latestVersion + 1, version);
        _checkKindAllowed(code, kind, state);
        _commitments[code][kind][version] = commitment;
        uint256 head = uint256(version) | (uint256(resourceCount) << 32) | (uint256(uint64(block.timestamp)) << 64);
        _heads[code] = (heads & ~(_HEAD_MASK << shift)) | (head << shift);
        emit CatalogAnchored(code, kind, version, digest, merkleRoot, resourceCount, msg.sender);
        return true;
    }

    function _checkContent(bytes32 digest, bytes32 merkleRoot, uint32 resourceCount) internal pure {
        if (digest == bytes32(0)) revert CatalogZeroDigest();
        if (merkleRoot == bytes32(0)) revert CatalogZeroMerkleRoot();
        if (resourceCount == 0) revert CatalogNoResources();
    }

    /// @dev Declared catalogs are filed before and with the review application (art. 12);
    /// acceptance catalogs are compiled during construction, for acceptance (art. 21).
    function _checkKindAllowed(bytes32 code, CatalogKind kind, IProjectLibrary.State state) internal pure {
        bool allowed = kind == CatalogKind.DECLARED
            ? state == IProjectLibrary.State.RESERVE || state == IProjectLibrary.State.UNDER_REVIEW
            : state == IProjectLibrary.State.UNDER_CONSTRUCTION;
        if (!allowed) revert CatalogKindNotAllowed(code, kind, state);
    }

    function _shift(CatalogKind kind) internal pure returns (uint256) {
        return kind == CatalogKind.DECLARED ? 0 : 128;
    }
}
