// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISM2Verifier} from "./crypto/ISM2Verifier.sol";
import {ICatalogLedger} from "./interfaces/ICatalogLedger.sol";
import {IConfirmations} from "./interfaces/IConfirmations.sol";
import {IMembers} from "./interfaces/IMembers.sol";
import {IProjectLibrary} from "./interfaces/IProjectLibrary.sol";
import {Roles} from "./Roles.sol";

/**
 * @dev The five acceptance steps of art. 21 per resource of a project's latest acceptance-catalog
 * version: 入云 (CLOUD) and 对接 (INTERFACE) confirmed by a PLATFORM member, 更新 (UPDATE) observed
 * by PLATFORM with the refresh time, 上链 (CHAIN) by the anchor itself, 确权 (OWNERSHIP) by the
 * project's unit with an SM2 signature over the 确权 message ({ownershipMessage}). The catalog
 * ledger asks {requireComplete} for acceptance and commissioning.
 *
 * Confirmations are keyed by (code, version), so anchoring a new acceptance version starts from
 * nothing (the "reset"): only the latest version accepts confirmations.
 *
 * 确权 signatures are verified by the {ISM2Verifier} chosen at deploy; with the zero address
 * (off-chain mode) they are range-checked, recorded in {OwnershipConfirmed} and verified by clients
 * and auditors against the unit's key valid at the block (the event names the key index).
 *
 * Storage (per code and version):
 * - one summary word: bits 0-31 the version's resource count (set at the first confirmation),
 *   bits 32(s+1) .. 32(s+1)+31 the number of resources confirmed for step s (CHAIN unused);
 * - per step CLOUD, OWNERSHIP, INTERFACE a bitmap, 256 resources per word;
 * - for UPDATE the last observed refresh time per resource, four uint64 per word (resource i in
 *   word i / 4 at bits 64 (i % 4)); a non-zero time is the confirmation.
 */
contract Confirmations is IConfirmations {
    /// @dev GM/T 0009 default user ID, the ID every 确权 signature uses.
    bytes internal constant DEFAULT_ID = "1234567812345678";
    /// @dev 17 bytes: the purpose and version of the 确权 message.
    bytes17 internal constant OWNERSHIP_DOMAIN = "mulu.ownership.v1";
    /// @dev Order of the SM2 curve (GB/T 32918.5): r and s lie in [1, N - 1].
    uint256 internal constant N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123;

    IMembers private immutable _members;
    IProjectLibrary private immutable _library;
    ICatalogLedger private immutable _ledger;
    ISM2Verifier private immutable _verifier;

    mapping(bytes32 code => mapping(uint32 version => uint256 summary)) private _summaries;
    mapping(bytes32 code => mapping(uint32 version => mapping(Step step => mapping(uint256 word => uint256 bits))))
        private _bits;
    mapping(bytes32 code => mapping(uint32 version => mapping(uint256 word => uint256 times))) private _refreshed;
    mapping(address account => mapping(uint256 keyIndex => bytes32 za)) private _zs;

    /// @dev `verifier_` = the zero address for off-chain mode, else an {ISM2Verifier} contract.
    constructor(IMembers members_, IProjectLibrary library_, ICatalogLedger ledger_, ISM2Verifier verifier_) {
        if (address(verifier_) != address(0) && address(verifier_).code.length == 0) {
            revert ConfirmationInvalidVerifier(address(verifier_));
        }
        _members = members_;
        _library = library_;
        _ledger = ledger_;
        _verifier = verifier_;
        emit VerifierSet(address(verifier_));
    }

    /**
     * @dev Confirms 入云 (CLOUD) or 对接 (INTERFACE) for resources `indices` of acceptance catalog
     * `version` of `code`. Repeated or already confirmed indices count once.
     *
     * Requirements:
     * - the caller is an active PLATFORM (`ProjectUnauthorized`); the project exists (`ProjectUnknown`);
     * - `step` is CLOUD or INTERFACE ({ConfirmationStepNotConfirmable});
     * - `version` is the latest acceptance version ({ConfirmationNotLatestVersion});
     * - `indices` non-empty ({ConfirmationNoIndices}), each below the resource count
     *   ({ConfirmationIndexOutOfRange}).
     *
     * Emits {StepsConfirmed}.
     */
    function confirmSteps(bytes32 code, uint32 version, Step step, uint32[] calldata indices) external {
        _checkPlatform(code, _members.hasActiveRole(Roles.PLATFORM, msg.sender));
        if (step != Step.CLOUD && step != Step.INTERFACE) revert ConfirmationStepNotConfirmable(step);
        uint32 count = _checkLatest(code, version, indices.length);
        _count(code, version, step, count, _setBits(code, version, step, indices, count));
        emit StepsConfirmed(code, version, step, indices, msg.sender);
    }

    /**
     * @dev Records the last refresh (更新) of resources `indices` at `refreshedAt` (one time per
     * index); a resource keeps the latest time it was ever reported. The PLATFORM confirms what it
     * observed, the project's UNIT what it reports (DOMAIN.md, art. 21); the event's actor says which.
     *
     * Requirements: the caller is an active PLATFORM, or an active UNIT that is the unit of `code`
     * (`ProjectUnauthorized` names the PLATFORM role; another unit gets `ProjectNotUnit`); project,
     * version and indices as in {confirmSteps};
     * `refreshedAt.length == indices.length` ({ConfirmationLengthMismatch}); every time in
     * `(0, block.timestamp]` ({ConfirmationInvalidRefreshTime}).
     *
     * Emits {UpdatesConfirmed}.
     */
    function confirmUpdates(bytes32 code, uint32 version, uint32[] calldata indices, uint64[] calldata refreshedAt)
        external
    {
        // one call for both roles (a PLATFORM that is also a UNIT confirms as the platform)
        uint8 roles = _members.activeRoles(msg.sender);
        if (roles & Roles.UNIT_MASK != 0 && roles & Roles.PLATFORM_MASK == 0) {
            _checkUnit(code, true);
        } else {
            _checkPlatform(code, roles & Roles.PLATFORM_MASK != 0);
        }
        uint32 count = _checkLatest(code, version, indices.length);
        if (refreshedAt.length != indices.length) revert ConfirmationLengthMismatch(indices.length, refreshedAt.length);
        mapping(uint256 => uint256) storage words = _refreshed[code][version];
        uint256 added = 0;
        uint256 slot = type(uint256).max;
        uint256 word = 0;
        for (uint256 i = 0; i < indices.length; ++i) {
            uint32 index = indices[i];
            uint64 time = refreshedAt[i];
            _checkIndex(code, version, index, count);
            if (time == 0 || time > block.timestamp) {
                revert ConfirmationInvalidRefreshTime(code, index, time, block.timestamp);
            }
            if (index >> 2 != slot) {
                if (slot != type(uint256).max) words[slot] = word;
                slot = index >> 2;
                word = words[slot];
            }
            uint256 shift = uint256(index & 3) * 64;
            uint64 old = uint64(word >> shift);
            if (old == 0) ++added;
            if (time > old) word = (word & ~(uint256(type(uint64).max) << shift)) | (uint256(time) << shift);
        }
        words[slot] = word; // indices is non-empty, so slot is set
        _count(code, version, Step.UPDATE, count, added);
        emit UpdatesConfirmed(code, version, indices, refreshedAt, msg.sender);
    }

    /**
     * @dev Confirms ownership (确权) of resources `indices` of acceptance catalog `version` (digest,
     * root) with the SM2 signature (r, s) of the caller's key valid now over {ownershipMessage}.
     *
     * Requirements:
     * - the caller is an active UNIT (`ProjectUnauthorized`) and the unit of `code`
     *   (`ProjectUnknown`, `ProjectNotUnit`);
     * - `version` is the latest acceptance version, indices as in {confirmSteps};
     * - `keccak256(abi.encode(digest, merkleRoot, resourceCount))` is the anchored commitment of the
     *   version ({ConfirmationCatalogMismatch});
     * - r and s in [1, n - 1]; with a verifier, the signature verifies against the caller's key and
     *   the message ({ConfirmationSignatureInvalid}).
     *
     * Emits {OwnershipConfirmed}.
     */
    function confirmOwnership(
        bytes32 code,
        uint32 version,
        uint32[] calldata indices,
        bytes32 digest,
        bytes32 merkleRoot,
        bytes32 r,
        bytes32 s
    ) external {
        _checkUnit(code, _members.hasActiveRole(Roles.UNIT, msg.sender));
        uint32 count = _checkLatest(code, version, indices.length);
        bytes32 anchored = _ledger.anchorCommitment(code, ICatalogLedger.CatalogKind.ACCEPTANCE, version);
        bytes32 submitted = keccak256(abi.encode(digest, merkleRoot, count));
        if (anchored != submitted) revert ConfirmationCatalogMismatch(code, version, anchored, submitted);
        uint256 keyIndex = _checkSignature(
            code, version, r, s, _message(code, version, indices, digest, merkleRoot, count)
        );
        _count(code, version, Step.OWNERSHIP, count, _setBits(code, version, Step.OWNERSHIP, indices, count));
        emit OwnershipConfirmed(code, version, indices, digest, merkleRoot, r, s, msg.sender, keyIndex);
    }

    // ---------------------------------------------------------------- views

    /// @dev The resource count of version `version` of `code` and how many resources each step has
    /// (CHAIN = the count: the anchor covers every resource). The count of a superseded version is
    /// known once it had a confirmation; otherwise it reads 0.
    function stepStatus(bytes32 code, uint32 version)
        external
        view
        returns (uint32 resourceCount, uint32[5] memory confirmed)
    {
        uint256 summary = _summaries[code][version];
        resourceCount = _resourceCount(code, version, summary);
        for (uint256 s = 0; s < 5; ++s) confirmed[s] = uint32(summary >> (32 * (s + 1)));
        confirmed[uint256(Step.CHAIN)] = resourceCount;
    }

    /// @dev True iff `step` is done for resource `index` of version `version` of `code`.
    function isConfirmed(bytes32 code, uint32 version, Step step, uint32 index) public view returns (bool) {
        if (step == Step.CHAIN) return index < _resourceCount(code, version, _summaries[code][version]);
        if (step == Step.UPDATE) return lastRefreshed(code, version, index) != 0;
        return _bits[code][version][step][index >> 8] & (1 << (index & 255)) != 0;
    }

    /// @dev The last observed refresh time of resource `index` (0 = never confirmed).
    function lastRefreshed(bytes32 code, uint32 version, uint32 index) public view returns (uint64) {
        return uint64(_refreshed[code][version][index >> 2] >> (uint256(index & 3) * 64));
    }

    /// @dev The first step and resource still missing (steps in order CLOUD, UPDATE, CHAIN,
    /// OWNERSHIP, INTERFACE; within a step the lowest index); `complete` when none is. A version
    /// that is not anchored misses CHAIN at resource 0.
    function firstMissing(bytes32 code, uint32 version) public view returns (bool complete, Step step, uint32 index) {
        (uint32 latestVersion,,) = _ledger.latest(code, ICatalogLedger.CatalogKind.ACCEPTANCE);
        if (version == 0 || version > latestVersion) return (false, Step.CHAIN, 0);
        uint256 summary = _summaries[code][version];
        uint32 count = _resourceCount(code, version, summary);
        if (count == 0) return (false, Step.CLOUD, 0); // superseded, never confirmed on
        for (uint256 s = 0; s < 5; ++s) {
            if (Step(s) == Step.CHAIN || uint32(summary >> (32 * (s + 1))) >= count) continue;
            for (uint32 i = 0; i < count; ++i) {
                // a view, run only while something is missing: a linear scan is fine
                if (!isConfirmed(code, version, Step(s), i)) return (false, Step(s), i);
            }
        }
        return (true, Step.CLOUD, 0);
    }

    /// @dev Reverts with {GateStepMissing} naming the first missing step and resource unless every
    /// step is done for every resource of version `version` of `code` (art. 21).
    function requireComplete(bytes32 code, uint32 version) external view {
        (bool complete, Step step, uint32 index) = firstMissing(code, version);
        if (!complete) revert GateStepMissing(code, version, step, index);
    }

    /**
     * @dev The exact bytes a 确权 signature signs (SM2 with SM3 and the default ID), 206 bytes:
     * `abi.encodePacked(bytes17("mulu.ownership.v1"), uint256 chainid, address confirmations,
     * bytes32 code, uint8 kind (ACCEPTANCE = 1), uint32 version, bytes32 digest, bytes32 merkleRoot,
     * uint32 resourceCount, bytes32 keccak256(indices as 4-byte big-endian, in the order given))`.
     * `confirmations` is this contract; `resourceCount` that of the version (the latest's, or the
     * recorded one of a superseded version that had confirmations; 0 otherwise).
     */
    function ownershipMessage(
        bytes32 code,
        uint32 version,
        uint32[] calldata indices,
        bytes32 digest,
        bytes32 merkleRoot
    ) external view returns (bytes memory) {
        uint32 count = _resourceCount(code, version, _summaries[code][version]);
        return _message(code, version, indices, digest, merkleRoot, count);
    }

    /// @dev The cached Z_A of key `keyIndex` of `account` (zero until its first on-chain 确权).
    function ownershipZ(address account, uint256 keyIndex) external view returns (bytes32) {
        return _zs[account][keyIndex];
    }

    /// @dev The SM2 verifier (zero = off-chain mode).
    function verifier() external view returns (address) {
        return address(_verifier);
    }

    /// @dev The catalog ledger whose anchors this contract confirms.
    function catalogLedger() external view returns (address) {
        return address(_ledger);
    }

    /// @dev The project library.
    function projectLibrary() external view returns (address) {
        return address(_library);
    }

    /// @dev The Members contract.
    function members() external view returns (address) {
        return address(_members);
    }

    // ---------------------------------------------------------------- internal

    /// @dev The caller is an active PLATFORM (`isPlatform`, asked of Members by the caller) and
    /// `code` is a project.
    function _checkPlatform(bytes32 code, bool isPlatform) internal view {
        if (!isPlatform) revert IProjectLibrary.ProjectUnauthorized(msg.sender, Roles.PLATFORM);
        if (_library.unitOf(code) == address(0)) revert IProjectLibrary.ProjectUnknown(code);
    }

    /// @dev The caller is an active UNIT (`isUnit`, asked of Members by the caller) and the unit
    /// registered for `code` (the library's order).
    function _checkUnit(bytes32 code, bool isUnit) internal view {
        if (!isUnit) revert IProjectLibrary.ProjectUnauthorized(msg.sender, Roles.UNIT);
        address unit = _library.unitOf(code);
        if (unit == address(0)) revert IProjectLibrary.ProjectUnknown(code);
        if (unit != msg.sender) revert IProjectLibrary.ProjectNotUnit(code, msg.sender, unit);
    }

    /// @dev `version` is the latest acceptance version and indices are given; returns its count.
    function _checkLatest(bytes32 code, uint32 version, uint256 length) internal view returns (uint32 count) {
        uint32 latestVersion;
        (latestVersion, count,) = _ledger.latest(code, ICatalogLedger.CatalogKind.ACCEPTANCE);
        if (version == 0 || version != latestVersion) revert ConfirmationNotLatestVersion(code, latestVersion, version);
        if (length == 0) revert ConfirmationNoIndices();
    }

    function _checkIndex(bytes32 code, uint32 version, uint32 index, uint32 count) internal pure {
        if (index >= count) revert ConfirmationIndexOutOfRange(code, version, index, count);
    }

    /// @dev Range-checks (r, s); with a verifier, verifies them over `message` with the caller's
    /// key valid now. Returns that key's index. An active member's valid key is its last one
    /// (Members closes the old key in the block it opens the new one).
    function _checkSignature(bytes32 code, uint32 version, bytes32 r, bytes32 s, bytes memory message)
        internal
        returns (uint256 keyIndex)
    {
        keyIndex = _members.keyCount(msg.sender) - 1;
        if (uint256(r) == 0 || uint256(r) >= N || uint256(s) == 0 || uint256(s) >= N) {
            revert ConfirmationSignatureInvalid(code, version, msg.sender);
        }
        if (address(_verifier) == address(0)) return keyIndex;
        IMembers.Key memory key = _members.keyByIndex(msg.sender, keyIndex);
        bytes32 za = _zs[msg.sender][keyIndex];
        if (za == bytes32(0)) {
            // first on-chain 确权 with this key: Z_A once, and the verifier's per-key table
            za = _verifier.computeZ(key.x, key.y, DEFAULT_ID);
            _zs[msg.sender][keyIndex] = za;
            if (!_verifier.isPrecomputed(key.x, key.y)) _verifier.precompute(key.x, key.y);
        }
        if (!_verifier.verify(key.x, key.y, za, message, r, s)) {
            revert ConfirmationSignatureInvalid(code, version, msg.sender);
        }
    }

    /// @dev Sets the bits of `indices` in the `step` bitmap; returns how many were newly set.
    function _setBits(bytes32 code, uint32 version, Step step, uint32[] calldata indices, uint32 count)
        internal
        returns (uint256 added)
    {
        mapping(uint256 => uint256) storage words = _bits[code][version][step];
        uint256 slot = type(uint256).max;
        uint256 word = 0;
        for (uint256 i = 0; i < indices.length; ++i) {
            uint32 index = indices[i];
            _checkIndex(code, version, index, count);
            if (index >> 8 != slot) {
                if (slot != type(uint256).max) words[slot] = word;
                slot = index >> 8;
                word = words[slot];
            }
            uint256 bit = 1 << (index & 255);
            if (word & bit == 0) {
                word |= bit;
                ++added;
            }
        }
        words[slot] = word; // indices is non-empty, so slot is set
    }

    /// @dev Adds `added` to the `step` counter of the summary word and records the resource count.
    function _count(bytes32 code, uint32 version, Step step, uint32 count, uint256 added) internal {
        uint256 summary = _summaries[code][version];
        uint256 shift = 32 * (uint256(step) + 1);
        // added <= count - confirmed (each index sets at most one new bit < count): no overflow
        // out of the 32-bit field
        summary = (summary & ~uint256(type(uint32).max)) | count;
        summary += added << shift;
        _summaries[code][version] = summary;
    }

    /// @dev The latest version's count from the ledger, else the count recorded at confirmation.
    function _resourceCount(bytes32 code, uint32 version, uint256 summary) internal view returns (uint32) {
        (uint32 latestVersion, uint32 count,) = _ledger.latest(code, ICatalogLedger.CatalogKind.ACCEPTANCE);
        if (version != 0 && version == latestVersion) return count;
        return uint32(summary);
    }

    /// @dev See {ownershipMessage}.
    function _message(
        bytes32 code,
        uint32 version,
        uint32[] calldata indices,
        bytes32 digest,
        bytes32 merkleRoot,
        uint32 count
    ) internal view returns (bytes memory) {
        return abi.encodePacked(
            OWNERSHIP_DOMAIN,
            block.chainid,
            address(this),
            code,
            uint8(ICatalogLedger.CatalogKind.ACCEPTANCE),
            version,
            digest,
            merkleRoot,
            count,
            _indicesHash(indices)
        );
    }

    /// @dev keccak256 of the indices as 4-byte big-endian words, concatenated in the given order
    /// (`abi.encodePacked` would pad each array element to 32 bytes).
    function _indicesHash(uint32[] calldata indices) internal pure returns (bytes32) {
        bytes memory packed = new bytes(indices.length * 4);
        for (uint256 i = 0; i < indices.length; ++i) {
            uint32 index = indices[i]; // read through Solidity: a dirty calldata word reverts
            assembly ("memory-safe") {
                // writes the index into the top 4 bytes of a word at byte 4i of `packed`; the
                // other 28 bytes are overwritten by the next index, or lie past the end of
                // `packed` in unallocated memory
                mstore(add(add(packed, 32), mul(i, 4)), shl(224, index))
            }
        }
        return keccak256(packed);
    }
}
