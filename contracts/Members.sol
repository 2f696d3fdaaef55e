// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICatalogLedger} from "./interfaces/ICatalogLedger.sol";
import {IMembers} from "./interfaces/IMembers.sol";
import {IMembershipObserver} from "./interfaces/IMembershipObserver.sol";
import {MemberKeys} from "./MemberKeys.sol";
import {Roles} from "./Roles.sol";

/**
 * @dev Organisations, roles and SM2 key history of the ledger, governed M of N.
 *
 * Roles are OpenZeppelin `AccessControl` roles, but only governance changes them: the public
 * {grantRole}, {revokeRole} and {renounceRole} revert. Invariant: only active members hold roles
 * (revocation removes them all), and the number of active GOVERNORs never drops below the threshold.
 * A role mask mirrors the roles in the member's first storage slot so that {hasActiveRole}, the
 * check every other contract makes, costs one storage read. Every membership change is also
 * pushed to one {IMembershipObserver} wired at deploy (the catalog ledger's cache).
 */
contract Members is AccessControl, IMembers {
    using MemberKeys for Key[];

    bytes32 public constant GOVERNOR_ROLE = Roles.GOVERNOR;
    bytes32 public constant REVIEWER_ROLE = Roles.REVIEWER;
    bytes32 public constant FUNDER_ROLE = Roles.FUNDER;
    bytes32 public constant CRYPTO_ROLE = Roles.CRYPTO;
    bytes32 public constant SECTOR_ROLE = Roles.SECTOR;
    bytes32 public constant UNIT_ROLE = Roles.UNIT;
    bytes32 public constant PLATFORM_ROLE = Roles.PLATFORM;
    bytes32 public constant AUDITOR_ROLE = Roles.AUDITOR;

    struct Member {
        // slot 0 (22 of 32 bytes): everything hasActiveRole / activeMemberId read, in one SLOAD
        bool active;
        uint8 roleMask;
        uint32 id; // admission number, 1-based (0 = never admitted)
        uint64 admittedAtBlock;
        uint64 revokedAtBlock;
        // own slots
        string name;
        Key[] keys; // each Key: x, y, then {validFromBlock, validUntilBlock} packed in one slot
    }

    uint256 private immutable _threshold;
    address private immutable _deployer;
    IMembershipObserver private _observer;
    uint256 private _governorCount; // active members holding GOVERNOR
    mapping(address account => Member) private _members;
    address[] private _accounts; // every account ever admitted, in order
    Proposal[] private _proposals; // id = index + 1
    mapping(uint256 id => mapping(address approver => bool)) private _approved;

    modifier onlyGovernor() {
        _checkActiveRole(Roles.GOVERNOR, msg.sender);
        _;
    }

    /**
     * @dev Admits `governors` as active members named `names` with GOVERNOR and SM2 keys `sm2Keys`
     * (64 bytes `x || y` each) valid from this block; `threshold_` approvals execute a proposal.
     *
     * Requirements:
     * - the three arrays have the same non-zero length; `1 <= threshold_ <= governors.length`;
     * - accounts non-zero and distinct, names non-empty, keys on the SM2 curve.
     *
     * Emits a {MemberAdmitted} (and OpenZeppelin `RoleGranted`) event per governor.
     */
    constructor(address[] memory governors, string[] memory names, bytes[] memory sm2Keys, uint256 threshold_) {
        if (governors.length != names.length || governors.length != sm2Keys.length || governors.length == 0) {
            revert MembersInvalidGenesis(governors.length, names.length, sm2Keys.length);
        }
        if (threshold_ == 0 || threshold_ > governors.length) {
            revert MembersInvalidThreshold(threshold_, governors.length);
        }
        _threshold = threshold_;
        _deployer = msg.sender;
        bytes32[] memory roles = new bytes32[](1);
        roles[0] = Roles.GOVERNOR;
        for (uint256 i = 0; i < governors.length; ++i) {
            _checkAdmission(governors[i], names[i]);
            (bytes32 x, bytes32 y) = MemberKeys.parse(sm2Keys[i]);
            _admit(governors[i], names[i], roles, x, y);
        }
    }

    /**
     * @dev Wires the membership observer (the catalog ledger), once; from then on every
     * admission, role change and revocation is pushed to it in the same transaction.
     *
     * Requirements: the caller deployed this contract; no observer is wired yet; `observer_` is
     * the catalog ledger of these Members: it answers `members()` with this contract and
     * `activeUnitId` (the cache {IMembershipObserver-membershipChanged} keeps; the library and
     * Confirmations, which also answer `members()`, have no such view), else {MembersInvalidObserver}.
     *
     * Emits {ObserverSet}.
     */
    function setObserver(address observer_) external {
        if (msg.sender != _deployer) revert MembersNotDeployer(msg.sender, _deployer);
        if (address(_observer) != address(0)) revert MembersObserverAlreadySet(address(_observer));
        (bool a, uint256 members_) = _askWord(observer_, abi.encodeCall(ICatalogLedger.members, ()));
        (bool b,) = _askWord(observer_, abi.encodeCall(ICatalogLedger.activeUnitId, (address(0))));
        if (!(a && b) || members_ != uint160(address(this))) revert MembersInvalidObserver(observer_);
        _observer = IMembershipObserver(observer_);
        emit ObserverSet(observer_, msg.sender);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @dev Proposes a membership change; the proposer's approval counts. Returns the id (from 1).
     * ADMIT uses `name`, `roles`, `sm2Key`; SET_ROLES uses `roles`; ROTATE_KEY uses `sm2Key`;
     * REVOKE none. Unused fields must be empty.
     *
     * Requirements:
     * - the caller is an active GOVERNOR;
     * - the payload is valid now (see {execute}): ADMIT a new non-zero account with a non-empty name,
     *   known distinct roles and an on-curve key; the others an active member; SET_ROLES and REVOKE
     *   keep at least `threshold` active governors; ROTATE_KEY a key different from the current one.
     *
     * Emits {ProposalCreated} and {ProposalApproved}.
     */
    function propose(
        ProposalKind kind,
        address account,
        string calldata name,
        bytes32[] calldata roles,
        bytes calldata sm2Key
    ) external onlyGovernor returns (uint256 id) {
        Proposal storage p = _proposals.push();
        p.kind = kind;
        p.account = account;
        p.createdAtBlock = uint64(block.number);
        p.proposer = msg.sender;
        p.name = name;
        p.roles = roles;
        p.sm2Key = sm2Key;
        _checkPayload(p);
        id = _proposals.length;
        emit ProposalCreated(id, kind, account, msg.sender);
        _approve(id, p);
    }

    /**
     * @dev Approves proposal `id`.
     *
     * Requirements:
     * - the caller is an active GOVERNOR that has not approved `id` yet;
     * - `id` exists and is not executed.
     *
     * Emits {ProposalApproved}.
     */
    function approve(uint256 id) external onlyGovernor {
        Proposal storage p = _checkOpenProposal(id);
        _approve(id, p);
    }

    /**
     * @dev Executes proposal `id` (any active GOVERNOR may).
     *
     * Requirements:
     * - the caller is an active GOVERNOR; `id` exists and is not executed;
     * - at least `threshold` of its approvers are still active GOVERNORs;
     * - its payload is still valid (checked again as in {propose}).
     *
     * Emits {ProposalExecuted} and one of {MemberAdmitted}, {MemberRolesChanged},
     * {MemberKeyRotated}, {MemberRevoked} (plus OpenZeppelin `RoleGranted`/`RoleRevoked`).
     */
    function execute(uint256 id) external onlyGovernor {
        Proposal storage p = _checkOpenProposal(id);
        uint256 approvals = approvalCount(id);
        if (approvals < _threshold) revert MembersNotEnoughApprovals(id, approvals, _threshold);
        _checkPayload(p);
        p.executed = true;
        p.executedAtBlock = uint64(block.number);
        emit ProposalExecuted(id, p.kind, p.account, msg.sender);
        if (p.kind == ProposalKind.ADMIT) {
            (bytes32 x, bytes32 y) = MemberKeys.parse(p.sm2Key);
            _admit(p.account, p.name, p.roles, x, y);
        } else if (p.kind == ProposalKind.SET_ROLES) {
            _setRoles(p.account, p.roles);
        } else if (p.kind == ProposalKind.ROTATE_KEY) {
            _rotateKey(p.account, p.sm2Key);
        } else {
            _revoke(p.account);
        }
    }

    /// @dev Always reverts with {MembersGovernanceOnly}: roles change only through {propose}/{execute}.
    /// Requirements: none can be met. Emits nothing.
    function grantRole(bytes32, address) public pure override {
        revert MembersGovernanceOnly();
    }

    /// @dev Always reverts with {MembersGovernanceOnly}: roles change only through {propose}/{execute}.
    /// Requirements: none can be met. Emits nothing.
    function revokeRole(bytes32, address) public pure override {
        revert MembersGovernanceOnly();
    }

    /// @dev Always reverts with {MembersGovernanceOnly}: a member leaves through a REVOKE or SET_ROLES proposal.
    /// Requirements: none can be met. Emits nothing.
    function renounceRole(bytes32, address) public pure override {
        revert MembersGovernanceOnly();
    }

    // ---------------------------------------------------------------- views

    /// @dev The wired membership observer (zero before {setObserver}).
    function observer() external view returns (address) {
        return address(_observer);
    }

    /// @dev True iff `account` is an active member holding `role`.
    function hasActiveRole(bytes32 role, address account) external view returns (bool) {
        Member storage m = _members[account];
        uint8 bit = Roles.maskOf(role);
        return m.active && bit != 0 && m.roleMask & bit != 0;
    }

    /// @dev The role mask of `account` (bit i = {Roles-byBit}(i)) if it is an active member, else 0:
    /// every {hasActiveRole} answer for the account in one call.
    function activeRoles(address account) external view returns (uint8 roleMask) {
        Member storage m = _members[account];
        return m.active ? m.roleMask : 0;
    }

    /// @dev True iff `account` is an active member.
    function isActive(address account) external view returns (bool) {
        return _members[account].active;
    }

    /**
     * @dev The member id (admission number, 1-based) of `account` if it is an active member
     * holding `role`, else 0: {hasActiveRole} and the identity in one read, for callers that
     * store member ids instead of addresses (the catalog ledger packs the unit's id).
     */
    function activeMemberId(bytes32 role, address account) external view returns (uint32) {
        Member storage m = _members[account];
        return m.active && m.roleMask & Roles.maskOf(role) != 0 ? m.id : 0;
    }

    /// @dev The member id of `account` (0 if never admitted); `memberByIndex(id - 1) == account`.
    function memberIdOf(address account) external view returns (uint32) {
        return _members[account].id;
    }

    /**
     * @dev The SM2 key of `account` valid at block `blockNumber`: the key with
     * `validFromBlock <= blockNumber < validUntilBlock` (open-ended when `validUntilBlock == 0`).
     * Reverts with {MembersNoKeyAt} when there is none (before admission, after revocation).
     */
    function keyAt(address account, uint256 blockNumber) external view returns (bytes32 x, bytes32 y) {
        bool found;
        (found, x, y) = _members[account].keys.keyAt(blockNumber);
        if (!found) revert MembersNoKeyAt(account, blockNumber);
    }

    /// @dev Number of SM2 keys `account` ever had.
    function keyCount(address account) external view returns (uint256) {
        return _members[account].keys.length;
    }

    /// @dev Key `index` (0 = first) of `account`; reverts with {MembersKeyIndexOutOfRange}.
    function keyByIndex(address account, uint256 index) external view returns (Key memory) {
        Key[] storage keys = _members[account].keys;
        if (index >= keys.length) revert MembersKeyIndexOutOfRange(account, index, keys.length);
        return keys[index];
    }

    /// @dev The member record of `account` (all zero for a non-member).
    function memberOf(address account) external view returns (MemberInfo memory info) {
        Member storage m = _members[account];
        info.name = m.name;
        info.active = m.active;
        info.admittedAtBlock = m.admittedAtBlock;
        info.revokedAtBlock = m.revokedAtBlock;
        info.roleMask = m.roleMask;
        info.roles = _rolesOf(m.roleMask);
        info.keyCount = m.keys.length;
        info.id = m.id;
    }

    /// @dev Proposal `id`; reverts with {MembersUnknownProposal}.
    function proposal(uint256 id) external view returns (Proposal memory) {
        return _proposal(id);
    }

    /// @dev Approvals of proposal `id` given by accounts that are active GOVERNORs now.
    function approvalCount(uint256 id) public view returns (uint256 count) {
        address[] storage approvers = _proposal(id).approvers;
        for (uint256 i = 0; i < approvers.length; ++i) {
            Member storage m = _members[approvers[i]];
            if (m.active && m.roleMask & 1 != 0) ++count;
        }
    }

    /// @dev Number of proposals; ids are `1 .. proposalCount()`.
    function proposalCount() external view returns (uint256) {
        return _proposals.length;
    }

    /// @dev Approvals from active governors needed to execute a proposal.
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @dev Active members holding GOVERNOR.
    function governorCount() external view returns (uint256) {
        return _governorCount;
    }

    /// @dev Number of accounts ever admitted (revoked included).
    function memberCount() external view returns (uint256) {
        return _accounts.length;
    }

    /// @dev The `index`-th admitted account (admission order, 0-based; its member id is `index + 1`).
    function memberByIndex(uint256 index) external view returns (address) {
        return _accounts[index];
    }

    // ---------------------------------------------------------------- internal: checks

    function _checkActiveRole(bytes32 role, address account) internal view {
        Member storage m = _members[account];
        if (!m.active || m.roleMask & Roles.maskOf(role) == 0) revert MembersUnauthorized(account, role);
    }

    function _checkOpenProposal(uint256 id) internal view returns (Proposal storage p) {
        p = _proposal(id);
        if (p.executed) revert MembersProposalAlreadyExecuted(id);
    }

    function _checkAdmission(address account, string memory name) internal view {
        if (account == address(0)) revert MembersZeroAccount();
        if (_members[account].id != 0) revert MembersAlreadyMember(account);
        if (bytes(name).length == 0) revert MembersEmptyName();
    }

    function _checkActiveMember(address account) internal view {
        if (!_members[account].active) revert MembersNotActive(account);
    }

    /// @dev The payload of `p` is valid against the current state (at propose and at execute).
    function _checkPayload(Proposal storage p) internal view {
        ProposalKind kind = p.kind;
        address account = p.account;
        if (kind == ProposalKind.ADMIT) {
            _checkAdmission(account, p.name);
            _roleMask(p.roles);
            MemberKeys.parse(p.sm2Key);
            return;
        }
        _checkActiveMember(account);
        if (bytes(p.name).length != 0) revert MembersUnexpectedPayload(kind);
        if (kind == ProposalKind.SET_ROLES) {
            if (p.sm2Key.length != 0) revert MembersUnexpectedPayload(kind);
            if (_roleMask(p.roles) & 1 == 0) _checkGovernorLoss(account);
        } else if (kind == ProposalKind.ROTATE_KEY) {
            if (p.roles.length != 0) revert MembersUnexpectedPayload(kind);
            (bytes32 x, bytes32 y) = MemberKeys.parse(p.sm2Key);
            if (_members[account].keys.isCurrent(x, y)) revert MembersKeyUnchanged(account);
        } else {
            if (p.roles.length != 0 || p.sm2Key.length != 0) revert MembersUnexpectedPayload(kind);
            _checkGovernorLoss(account);
        }
    }

    /// @dev If `account` is a governor, losing it must leave `threshold` active governors.
    function _checkGovernorLoss(address account) internal view {
        if (_members[account].roleMask & 1 != 0 && _governorCount - 1 < _threshold) {
            revert MembersGovernorsBelowThreshold(_governorCount - 1, _threshold);
        }
    }

    /// @dev The mask of `roles`; reverts when empty, unknown or duplicated.
    function _roleMask(bytes32[] memory roles) internal pure returns (uint8 mask) {
        if (roles.length == 0) revert MembersNoRoles();
        for (uint256 i = 0; i < roles.length; ++i) {
            uint8 bit = Roles.maskOf(roles[i]);
            if (bit == 0) revert MembersUnknownRole(roles[i]);
            if (mask & bit != 0) revert MembersDuplicateRole(roles[i]);
            mask |= bit;
        }
    }

    function _proposal(uint256 id) internal view returns (Proposal storage) {
        if (id == 0 || id > _proposals.length) revert MembersUnknownProposal(id);
        return _proposals[id - 1];
    }

    // ---------------------------------------------------------------- internal: effects

    function _approve(uint256 id, Proposal storage p) internal {
        if (_approved[id][msg.sender]) revert MembersAlreadyApproved(id, msg.sender);
        _approved[id][msg.sender] = true;
        p.approvers.push(msg.sender);
        emit ProposalApproved(id, msg.sender, p.approvers.length);
    }

    function _admit(address account, string memory name, bytes32[] memory roles, bytes32 x, bytes32 y) internal {
        Member storage m = _members[account];
        m.active = true;
        m.admittedAtBlock = uint64(block.number);
        m.name = name;
        m.keys.open(x, y);
        _accounts.push(account);
        m.id = uint32(_accounts.length);
        for (uint256 i = 0; i < roles.length; ++i) {
            _grantRole(roles[i], account);
        }
        emit MemberAdmitted(account, name, roles, x, y, block.number);
        _notify(account);
    }

    function _setRoles(address account, bytes32[] memory roles) internal {
        uint8 mask = _roleMask(roles);
        for (uint256 bit = 0; bit < Roles.COUNT; ++bit) {
            if (mask & (1 << bit) == 0) _revokeRole(Roles.byBit(bit), account);
            else _grantRole(Roles.byBit(bit), account);
        }
        emit MemberRolesChanged(account, roles, mask);
        _notify(account);
    }

    function _rotateKey(address account, bytes memory key) internal {
        (bytes32 x, bytes32 y) = MemberKeys.parse(key);
        Key[] storage keys = _members[account].keys;
        keys.closeCurrent();
        uint256 index = keys.open(x, y);
        emit MemberKeyRotated(account, index, x, y, block.number);
    }

    function _revoke(address account) internal {
        Member storage m = _members[account];
        for (uint256 bit = 0; bit < Roles.COUNT; ++bit) {
            _revokeRole(Roles.byBit(bit), account);
        }
        m.active = false;
        m.revokedAtBlock = uint64(block.number);
        m.keys.closeCurrent();
        emit MemberRevoked(account, block.number);
        _notify(account);
    }

    /// @dev Pushes the membership of `account` to the observer, if wired.
    function _notify(address account) internal {
        if (address(_observer) == address(0)) return;
        Member storage m = _members[account];
        _observer.membershipChanged(account, m.id, m.active, m.roleMask);
    }

    /// @dev Keeps the role mask and the governor count in step with `AccessControl`.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted) {
            _members[account].roleMask |= Roles.maskOf(role);
            if (role == Roles.GOVERNOR) ++_governorCount;
        }
    }

    /// @dev Keeps the role mask and the governor count in step with `AccessControl`.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked) {
            _members[account].roleMask &= ~Roles.maskOf(role);
            if (role == Roles.GOVERNOR) --_governorCount;
        }
    }

    function _rolesOf(uint8 mask) internal pure returns (bytes32[] memory roles) {
        uint256 n = 0;
        for (uint256 bit = 0; bit < Roles.COUNT; ++bit) {
            if (mask & (1 << bit) != 0) ++n;
        }
        roles = new bytes32[](n);
        n = 0;
        for (uint256 bit = 0; bit < Roles.COUNT; ++bit) {
            if (mask & (1 << bit) != 0) roles[n++] = Roles.byBit(bit);
        }
    }

    /// @dev The one-word answer of `target` to the view call `data`; `answered` is false when the
    /// call reverts or returns anything but one word (an account without code, a contract without
    /// that view), so a wrong address is refused by name, not with the empty revert of a call.
    function _askWord(address target, bytes memory data) private view returns (bool answered, uint256 word) {
        (bool ok, bytes memory ret) = target.staticcall(data);
        if (ok && ret.length == 32) return (true, abi.decode(ret, (uint256)));
    }
}
