// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICatalogLedger} from "./interfaces/ICatalogLedger.sol";
import {IConfirmations} from "./interfaces/IConfirmations.sol";
import {IMembers} from "./interfaces/IMembers.sol";
import {IProjectLibrary} from "./interfaces/IProjectLibrary.sol";
import {Roles} from "./Roles.sol";

/**
 * @dev Append-only catalog anchors per project and kind, and the catalog conditions of the
 * project library's transitions (art. 12, 21, 24).
 *
 * Storage design (gas: one new slot per anchor, one slot update, no external call):
 * - per (code, kind, version) one slot, the commitment `keccak256(abi.encode(digest, merkleRoot,
 *   resourceCount))`; the full data is in the {CatalogAnchored} event. Anyone holding the
 *   document recomputes digest, root and count and checks them with {isAnchored};
 * - per code one packed entry word (layout below): the unit's member id and the project state,
 *   pushed by the library ({syncProject}) at creation and on every state change, the two
 *   milestones that close a catalog kind inside a state ({syncMilestone}: review passed, accepted),
 *   plus the head (latest version, its resource count and time) of both kinds;
 * - per account the member id if it is an active UNIT, else 0: a cache of Members that Members
 *   itself keeps current ({membershipChanged}, pushed in the transaction of every admission, role
 *   change and revocation; refreshed from Members when a project is registered).
 * A new anchor reads the cache and the entry, writes the new commitment slot and the entry, and
 * calls no other contract: about 6k gas less than asking the library and Members (two cold
 * contract calls), which keeps an anchor under 60k gas (docs/CONTRACTS.md has the figures).
 *
 * The five acceptance steps live in {IConfirmations} (wired once, {setConfirmations}); the
 * acceptance and commissioning gates ask it, so the library keeps asking only this ledger.
 */
contract CatalogLedger is ICatalogLedger {
    // Entry word of a project, one slot (248 of 256 bits), read and written whole:
    //   bits   0- 31 unit's Members id (0 = no such project)
    //   bits  32- 39 phase: the project state in bits 32-35 (mirror of the library, pushed by it)
    //                and the milestones of that state in bits 36-37 (pushed by the library):
    //                36 review passed (in UNDER_REVIEW), 37 accepted (in UNDER_CONSTRUCTION);
    //                a state push clears them (the next state closes the kind anyway)
    //   bits  40-143 DECLARED head:   version (32) | resourceCount (32) | anchoredAt (40)
    //   bits 144-247 ACCEPTANCE head: version (32) | resourceCount (32) | anchoredAt (40)
    // Times are uint40 seconds (good until year 36812). A milestone makes the phase byte differ
    // from every bare state, so the anchor's one comparison of the phase with the states that
    // allow its kind also refuses a closed kind: the check costs no more gas than before.
    uint256 private constant _STATE_SHIFT = 32;
    uint256 private constant _DECLARED_SHIFT = 40;
    uint256 private constant _ACCEPTANCE_SHIFT = 144;
    uint256 private constant _HEAD_MASK = (1 << 104) - 1;
    uint256 private constant _STATE_MASK = 0x0F;
    uint256 private constant _MILESTONE_SHIFT = 36;
    uint256 private constant _REVIEW_PASSED = 1 << 36;
    uint256 private constant _ACCEPTED = 1 << 37;

    IMembers private immutable _members;
    IProjectLibrary private immutable _library;
    address private immutable _deployer;
    IConfirmations private _confirmations;

    mapping(bytes32 code => mapping(CatalogKind kind => mapping(uint32 version => bytes32 commitment))) private
        _commitments;
    mapping(bytes32 code => uint256 entry) private _entries;
    mapping(address account => uint32 unitId) private _activeUnits;

    constructor(IMembers members_, IProjectLibrary library_) {
        _members = members_;
        _library = library_;
        _deployer = msg.sender;
    }

    /**
     * @dev Wires the step confirmations, once.
     *
     * Requirements: the caller deployed this ledger ({CatalogNotDeployer}); none wired yet
     * ({CatalogConfirmationsAlreadyWired}); `confirmations` answers `catalogLedger()` with this
     * ledger and `projectLibrary()` with its library ({CatalogConfirmationsMismatch}, also for an
     * address without these views).
     *
     * Emits {ConfirmationsSet}.
     */
    function setConfirmations(address confirmations_) external {
        if (msg.sender != _deployer) revert CatalogNotDeployer(msg.sender, _deployer);
        if (address(_confirmations) != address(0)) revert CatalogConfirmationsAlreadyWired(address(_confirmations));
        (bool a, uint256 ledger_) = _askWord(confirmations_, abi.encodeCall(IConfirmations.catalogLedger, ()));
        (bool b, uint256 library_) = _askWord(confirmations_, abi.encodeCall(IConfirmations.projectLibrary, ()));
        if (!(a && b) || ledger_ != uint160(address(this)) || library_ != uint160(address(_library))) {
            revert CatalogConfirmationsMismatch(confirmations_);
        }
        _confirmations = IConfirmations(confirmations_);
        emit ConfirmationsSet(confirmations_, msg.sender);
    }

    /**
     * @dev Anchors version `version` of the `kind` catalog of `code`. Returns false, changing
     * nothing, when exactly this (version, digest, root, count) is already anchored.
     *
     * Requirements:
     * - `digest`, `merkleRoot` non-zero ({CatalogZeroDigest}, {CatalogZeroMerkleRoot}),
     *   `resourceCount >= 1` ({CatalogNoResources});
     * - the caller is an active UNIT (`ProjectUnauthorized`), the project exists
     *   (`ProjectUnknown`) and the caller is its unit (`ProjectNotUnit`);
     * - an already anchored version must carry the same commitment ({CatalogVersionConflict});
     * - a new version is the latest + 1, starting at 1 ({CatalogVersionGap});
     * - a new DECLARED version needs RESERVE or UNDER_REVIEW, a new ACCEPTANCE version
     *   UNDER_CONSTRUCTION ({CatalogKindNotAllowed});
     * - a new DECLARED version needs the review not passed yet ({CatalogDeclaredAfterReview}), a
     *   new ACCEPTANCE version the project not accepted yet ({CatalogAcceptanceAfterAcceptance}).
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
        return _anchor(code, kind, version, digest, merkleRoot, resourceCount, false);
    }

    /**
     * @dev Anchors every item as {anchor} would, atomically (any refusal reverts all). Returns
     * how many were created (the rest were idempotent repeats).
     *
     * Requirements: `items` non-empty ({CatalogEmptyBatch}); each item meets the requirements
     * of {anchor}, in order (so one batch may carry versions n and n + 1 of the same catalog).
     *
     * Emits one {CatalogAnchored} per created anchor.
     */
    function anchorBatch(AnchorInput[] calldata items) external returns (uint256 created) {
        return _batch(items, false);
    }

    /**
     * @dev Announces again anchors that storage holds, changing nothing: for each item, the
     * version is anchored with exactly this (digest, root, count), and {CatalogAnchorRestated}
     * repeats its data. For a node that kept an anchor's storage but lost the block (and so the
     * {CatalogAnchored} event) that wrote it, so the event history records every anchor again. The
     * contract cannot see past events: the client restates only versions it found without a record.
     *
     * Requirements:
     * - `items` non-empty ({CatalogEmptyBatch});
     * - per item, the checks of {anchor} on the content ({CatalogZeroDigest},
     *   {CatalogZeroMerkleRoot}, {CatalogNoResources}) and the sender (`ProjectUnauthorized`,
     *   `ProjectUnknown`, `ProjectNotUnit`);
     * - the version is anchored ({CatalogNotAnchored}) with this commitment
     *   ({CatalogVersionConflict}: `anchored` is the stored one, `submitted` this item's).
     * No state requirement: the version met its kind's state rule when it was anchored.
     *
     * Emits one {CatalogAnchorRestated} per item.
     */
    function restateAnchors(AnchorInput[] calldata items) external {
        _batch(items, true);
    }

    /**
     * @dev The library pushes a project's unit (at creation) and state (on every change; the
     * state's milestones, {syncMilestone}, are cleared with the old state).
     *
     * Requirements: the caller is the project library ({CatalogOnlyLibrary}).
     *
     * Emits nothing (the library emits the transition's event).
     */
    function syncProject(bytes32 code, address unit, IProjectLibrary.State state) external {
        if (msg.sender != address(_library)) revert CatalogOnlyLibrary(msg.sender);
        uint256 entry = _entries[code];
        if (uint32(entry) == 0) {
            // registration: from now on Members must keep the unit cache current
            if (_members.observer() != address(this)) revert CatalogNotObserving(address(_members));
            uint32 unitId = _members.activeMemberId(Roles.UNIT, unit);
            _activeUnits[unit] = unitId;
            entry |= unitId;
        }
        _entries[code] = (entry & ~(uint256(0xFF) << _STATE_SHIFT)) | (uint256(state) << _STATE_SHIFT);
    }

    /**
     * @dev The library pushes a milestone of `code` that closes a catalog kind inside the current
     * state: the review passed (UNDER_REVIEW; DECLARED closed), the project was accepted
     * (UNDER_CONSTRUCTION; ACCEPTANCE closed). Each happens once per project; the next state push
     * clears it, as that state allows the kind no more anyway.
     *
     * Requirements: the caller is the project library ({CatalogOnlyLibrary}).
     *
     * Emits nothing (the library emits {IProjectLibrary-ReviewPassed} / {IProjectLibrary-ProjectAccepted}).
     */
    function syncMilestone(bytes32 code, Milestone milestone) external {
        if (msg.sender != address(_library)) revert CatalogOnlyLibrary(msg.sender);
        _entries[code] |= uint256(1) << (_MILESTONE_SHIFT + uint256(milestone));
    }

    /**
     * @dev Members pushes a membership change; the ledger caches "active UNIT" per account.
     *
     * Requirements: the caller is Members ({CatalogOnlyMembers}).
     *
     * Emits nothing (Members emits the change's event).
     */
    function membershipChanged(address account, uint32 id, bool active, uint8 roleMask) external {
        if (msg.sender != address(_members)) revert CatalogOnlyMembers(msg.sender);
        _activeUnits[account] = active && roleMask & Roles.UNIT_MASK != 0 ? id : 0;
    }

    // ---------------------------------------------------------------- views

    /// @dev The cached member id of `account` if it is an active UNIT, else 0.
    function activeUnitId(address account) external view returns (uint32) {
        return _activeUnits[account];
    }

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

    /// @dev {isAnchored} of every item, in one call: `anchored[i]` is true iff version
    /// `items[i].version` of its kind and code is anchored with exactly its digest, root and count.
    /// For clients that check many catalogs (the anchoring pipeline and the audit ask about each of
    /// hundreds at a time). No requirement: an empty list gives an empty answer. The list is read
    /// into memory, not from calldata: a second reader of `AnchorInput[] calldata` made via-IR stop
    /// inlining {anchorBatch}'s (+56 gas per anchored catalog).
    function areAnchored(AnchorInput[] memory items) external view returns (bool[] memory anchored) {
        anchored = new bool[](items.length);
        for (uint256 i = 0; i < items.length; ++i) {
            AnchorInput memory it = items[i];
            bytes32 stored = _commitments[it.code][it.kind][it.version];
            anchored[i] = stored != bytes32(0) && stored == commitmentOf(it.digest, it.merkleRoot, it.resourceCount);
        }
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
        external
        view
        returns (uint32 version, uint32 resourceCount, uint64 anchoredAt)
    {
        uint256 head = _entries[code] >> _shift(kind);
        return (uint32(head), uint32(head >> 32), uint64(uint40(head >> 64)));
    }

    /// @dev True iff {requireAcceptanceReady} would not revert.
    function acceptanceReady(bytes32 code) external view returns (bool) {
        uint256 entry = _entries[code];
        uint32 version = _version(entry, _ACCEPTANCE_SHIFT);
        if (version == 0 || _version(entry, _DECLARED_SHIFT) == 0) return false;
        if (address(_confirmations) == address(0)) return false;
        (bool complete,,) = _confirmations.firstMissing(code, version);
        return complete;
    }

    /// @dev Reverts with {CatalogDeclaredCatalogMissing} unless a declared catalog is anchored (art. 12).
    function requireReviewReady(bytes32 code) external view {
        if (_version(_entries[code], _DECLARED_SHIFT) == 0) revert CatalogDeclaredCatalogMissing(code);
    }

    /// @dev Reverts with a named error saying what acceptance still lacks; returns the acceptance
    /// catalog version to accept, the latest (art. 21): a declared catalog is anchored
    /// ({CatalogDeclaredCatalogMissing}), an acceptance catalog is ({CatalogAcceptanceCatalogMissing}),
    /// and every resource of it has all five steps (`GateStepMissing` names the first missing).
    function requireAcceptanceReady(bytes32 code) external view returns (uint32 acceptanceVersion) {
        uint256 entry = _entries[code];
        if (_version(entry, _DECLARED_SHIFT) == 0) revert CatalogDeclaredCatalogMissing(code);
        acceptanceVersion = _version(entry, _ACCEPTANCE_SHIFT);
        if (acceptanceVersion == 0) revert CatalogAcceptanceCatalogMissing(code);
        _wiredConfirmations().requireComplete(code, acceptanceVersion);
    }

    /// @dev Reverts with a named error unless the catalog conditions of commissioning hold (art. 24):
    /// the accepted version `acceptedVersion` is still the latest acceptance version
    /// (`GateConfirmationsReset`) and still complete (`GateStepMissing`).
    ///
    /// Defensive: with the library pushing ACCEPTED in the transaction of `accept` (after which
    /// {anchor} refuses new acceptance versions, {CatalogAcceptanceAfterAcceptance}) and
    /// confirmations that are never withdrawn, none of these reverts is reachable through the
    /// deployed contracts. The check stays because it states what commissioning means, costs a
    /// comparison (the confirmations read the same entry word anyway), and would catch a future
    /// rule change that lets a new version in; tests reach it through a stand-in library.
    function requireCommissionReady(bytes32 code, uint32 acceptedVersion) external view {
        uint32 latestVersion = _version(_entries[code], _ACCEPTANCE_SHIFT);
        if (latestVersion == 0) revert CatalogAcceptanceCatalogMissing(code);
        if (latestVersion != acceptedVersion) {
            revert IConfirmations.GateConfirmationsReset(code, acceptedVersion, latestVersion);
        }
        _wiredConfirmations().requireComplete(code, latestVersion);
    }

    /// @dev The wired step confirmations (zero before {setConfirmations}).
    function confirmations() external view returns (address) {
        return address(_confirmations);
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

    /// @dev {anchor} one item; with `restate`, {restateAnchors} one item instead: the same content
    /// and sender checks, then the stored commitment must be this one, and nothing changes.
    ///
    /// Gas: restating goes through here, not through a copy of the checks, because via-IR (200
    /// runs) inlines `_checkContent`, `_checkUnit` and the event's ABI encoder into this function
    /// only while each has a single call site; a second caller cost every anchor ~200 gas
    /// (docs/PERFORMANCE.md). For the same reason the restatement is emitted with
    /// `payable(msg.sender)`: the same bytes, but another source type, so a separate encoder and
    /// {CatalogAnchored}'s stays inlined (~85 gas per anchor).
    function _anchor(
        bytes32 code,
        CatalogKind kind,
        uint32 version,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 resourceCount,
        bool restate
    ) internal returns (bool) {
        _checkContent(digest, merkleRoot, resourceCount);
        uint256 entry = _checkUnit(code);
        bytes32 commitment = commitmentOf(digest, merkleRoot, resourceCount);
        if (restate) {
            bytes32 stored = _commitments[code][kind][version];
            if (stored == bytes32(0)) revert CatalogNotAnchored(code, kind, version);
            if (stored != commitment) revert CatalogVersionConflict(code, kind, version, stored, commitment);
            emit CatalogAnchorRestated(code, kind, version, digest, merkleRoot, resourceCount, payable(msg.sender));
            return false;
        }
        uint256 shift = _shift(kind);
        uint32 latestVersion = _version(entry, shift);
        if (version != 0 && version <= latestVersion) {
            bytes32 anchored = _commitments[code][kind][version];
            if (anchored == commitment) return false;
            revert CatalogVersionConflict(code, kind, version, anchored, commitment);
        }
        if (version != latestVersion + 1) revert CatalogVersionGap(code, kind, latestVersion + 1, version);
        _checkKindAllowed(code, kind, entry);
        _commitments[code][kind][version] = commitment;
        uint256 head = uint256(version) | (uint256(resourceCount) << 32) | (uint256(uint40(block.timestamp)) << 64);
        _entries[code] = (entry & ~(_HEAD_MASK << shift)) | (head << shift);
        emit CatalogAnchored(code, kind, version, digest, merkleRoot, resourceCount, msg.sender);
        return true;
    }

    /// @dev {anchorBatch} (`restate` false) and {restateAnchors} (true): one loop, so the calldata
    /// indexing of `items` has one call site and the optimiser inlines it (bounds check elided).
    function _batch(AnchorInput[] calldata items, bool restate) internal returns (uint256 created) {
        if (items.length == 0) revert CatalogEmptyBatch();
        for (uint256 i = 0; i < items.length; ++i) {
            AnchorInput calldata it = items[i];
            if (_anchor(it.code, it.kind, it.version, it.digest, it.merkleRoot, it.resourceCount, restate)) ++created;
        }
    }

    /// @dev The caller is an active UNIT and the unit of `code`; returns the project's entry.
    function _checkUnit(bytes32 code) internal view returns (uint256 entry) {
        // A positive cache entry is current (Members pushes every change once observing, and
        // registration refreshes it); on a miss ask Members, the truth (a unit admitted before
        // the wiring that owns no project yet is not cached).
        uint32 senderId = _activeUnits[msg.sender];
        if (senderId == 0) senderId = _members.activeMemberId(Roles.UNIT, msg.sender);
        if (senderId == 0) revert IProjectLibrary.ProjectUnauthorized(msg.sender, Roles.UNIT);
        entry = _entries[code];
        uint32 unitId = uint32(entry);
        if (unitId == 0) revert IProjectLibrary.ProjectUnknown(code);
        if (unitId != senderId) {
            revert IProjectLibrary.ProjectNotUnit(code, msg.sender, _members.memberByIndex(unitId - 1));
        }
    }

    function _wiredConfirmations() internal view returns (IConfirmations confirmations_) {
        confirmations_ = _confirmations;
        if (address(confirmations_) == address(0)) revert CatalogConfirmationsNotWired();
    }

    function _shift(CatalogKind kind) internal pure returns (uint256) {
        return kind == CatalogKind.DECLARED ? _DECLARED_SHIFT : _ACCEPTANCE_SHIFT;
    }

    function _version(uint256 entry, uint256 shift) internal pure returns (uint32) {
        return uint32(entry >> shift);
    }

    function _state(uint256 entry) internal pure returns (IProjectLibrary.State) {
        return IProjectLibrary.State((entry >> _STATE_SHIFT) & _STATE_MASK);
    }

    function _checkContent(bytes32 digest, bytes32 merkleRoot, uint32 resourceCount) internal pure {
        if (digest == bytes32(0)) revert CatalogZeroDigest();
        if (merkleRoot == bytes32(0)) revert CatalogZeroMerkleRoot();
        if (resourceCount == 0) revert CatalogNoResources();
    }

    /// @dev Declared catalogs are filed before and with the review application (art. 12), until
    /// the review passes on the latest one (art. 13-16); acceptance catalogs are compiled during
    /// construction, for acceptance (art. 21), until the project is accepted on the latest one.
    /// One comparison of the phase byte (state | milestones) on the way through; the refusal's
    /// reason is worked out only when it fails.
    function _checkKindAllowed(bytes32 code, CatalogKind kind, uint256 entry) internal pure {
        uint256 phase = uint8(entry >> _STATE_SHIFT);
        bool allowed = kind == CatalogKind.DECLARED
            ? phase == uint8(IProjectLibrary.State.RESERVE) || phase == uint8(IProjectLibrary.State.UNDER_REVIEW)
            : phase == uint8(IProjectLibrary.State.UNDER_CONSTRUCTION);
        if (!allowed) _refuseKind(code, kind, entry);
    }

    /// @dev The refusal of a kind the phase does not allow: closed by the state's milestone, else
    /// not allowed in the state at all.
    function _refuseKind(bytes32 code, CatalogKind kind, uint256 entry) internal pure {
        if (kind == CatalogKind.DECLARED) {
            if (entry & _REVIEW_PASSED != 0) revert CatalogDeclaredAfterReview(code, _version(entry, _DECLARED_SHIFT));
        } else if (entry & _ACCEPTED != 0) {
            revert CatalogAcceptanceAfterAcceptance(code, _version(entry, _ACCEPTANCE_SHIFT));
        }
        revert CatalogKindNotAllowed(code, kind, _state(entry));
    }

    /// @dev The one-word answer of `target` to the view call `data`; `answered` is false when the
    /// call reverts or returns anything but one word (an account without code, a contract without
    /// that view), so a wrong address is refused by name, not with the empty revert of a call.
    function _askWord(address target, bytes memory data) private view returns (bool answered, uint256 word) {
        (bool ok, bytes memory ret) = target.staticcall(data);
        if (ok && ret.length == 32) return (true, abi.decode(ret, (uint256)));
    }
}
