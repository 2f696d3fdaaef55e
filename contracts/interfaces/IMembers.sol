// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev Members: the organisations of the ledger, their roles, Ethereum accounts and SM2 key
 * history, changed only by M-of-N GOVERNOR proposals (propose -> approve -> execute).
 *
 * Every other contract asks {hasActiveRole} or {isActive} before it writes anything.
 */
interface IMembers {
    /// @dev What a proposal does when executed.
    enum ProposalKind {
        ADMIT, // admit `account` with `name`, `roles` and `sm2Key`
        SET_ROLES, // replace the role set of `account` by `roles`
        ROTATE_KEY, // close the current SM2 key of `account` and open `sm2Key`
        REVOKE // close the key, remove every role, deactivate `account`
    }

    /// @dev One SM2 public key of a member and the blocks `[validFromBlock, validUntilBlock)` it
    /// was valid in; `validUntilBlock == 0` means still valid.
    struct Key {
        bytes32 x;
        bytes32 y;
        uint64 validFromBlock;
        uint64 validUntilBlock;
    }

    /// @dev A member as {memberOf} returns it. `id` is the admission number (1 = first admitted;
    /// `memberByIndex(id - 1)` is the account). `roleMask` bit i is role `Roles.byBit(i)`
    /// (GOVERNOR = 1, REVIEWER = 2, FUNDER = 4, CRYPTO = 8, SECTOR = 16, UNIT = 32, PLATFORM = 64,
    /// AUDITOR = 128); `roles` lists the same ids.
    struct MemberInfo {
        string name;
        bool active;
        uint64 admittedAtBlock;
        uint64 revokedAtBlock;
        uint8 roleMask;
        bytes32[] roles;
        uint256 keyCount;
        uint32 id;
    }

    /// @dev A proposal as {proposal} returns it. `approvers` lists every approval given;
    /// {approvalCount} counts only those whose approver is still an active GOVERNOR.
    struct Proposal {
        ProposalKind kind;
        address account;
        uint64 createdAtBlock;
        address proposer;
        bool executed;
        uint64 executedAtBlock;
        string name;
        bytes32[] roles;
        bytes sm2Key;
        address[] approvers;
    }

    // ---------------------------------------------------------------- events

    /// @dev Proposal `id` of `kind` about `account` was created by `proposer` (its first approval).
    event ProposalCreated(
        uint256 indexed id, ProposalKind indexed kind, address indexed account, address proposer
    );

    /// @dev `approver` approved proposal `id`; it now has `approvals` approvals.
    event ProposalApproved(uint256 indexed id, address indexed approver, uint256 approvals);

    /// @dev Proposal `id` was executed by `executor`.
    event ProposalExecuted(uint256 indexed id, ProposalKind indexed kind, address indexed account, address executor);

    /// @dev `account` was admitted as `name` with `roles` and SM2 key (`keyX`, `keyY`) valid from `atBlock`.
    event MemberAdmitted(
        address indexed account, string name, bytes32[] roles, bytes32 keyX, bytes32 keyY, uint256 atBlock
    );

    /// @dev The role set of `account` was replaced by `roles` (mask `roleMask`).
    event MemberRolesChanged(address indexed account, bytes32[] roles, uint8 roleMask);

    /// @dev Key `keyIndex - 1` of `account` was closed and key `keyIndex` (`keyX`, `keyY`) opened at `atBlock`.
    event MemberKeyRotated(
        address indexed account, uint256 keyIndex, bytes32 keyX, bytes32 keyY, uint256 atBlock
    );

    /// @dev `account` was revoked at `atBlock`: its key closed, its roles removed, inactive.
    event MemberRevoked(address indexed account, uint256 atBlock);

    /// @dev The membership observer was wired (once) by the deployer.
    event ObserverSet(address indexed observer, address indexed actor);

    // ---------------------------------------------------------------- errors

    /// @dev Only the deployer `deployer` wires the observer; `account` tried.
    error MembersNotDeployer(address account, address deployer);

    /// @dev The observer is already wired to `observer`.
    error MembersObserverAlreadySet(address observer);

    /// @dev `observer` is not a catalog ledger (membership cache) bound to these Members.
    error MembersInvalidObserver(address observer);

    /// @dev Roles change only through governance: {grantRole}, {revokeRole} and {renounceRole} always revert.
    error MembersGovernanceOnly();

    /// @dev `account` is not an active member holding `role`.
    error MembersUnauthorized(address account, bytes32 role);

    /// @dev Constructor arrays differ in length: `governors`, `names`, `keys`.
    error MembersInvalidGenesis(uint256 governors, uint256 names, uint256 keys);

    /// @dev `threshold` is not within `[1, governors]`.
    error MembersInvalidThreshold(uint256 threshold, uint256 governors);

    /// @dev The zero address cannot be a member.
    error MembersZeroAccount();

    /// @dev A member needs a non-empty name.
    error MembersEmptyName();

    /// @dev `account` is (or was) already a member; accounts are never re-admitted.
    error MembersAlreadyMember(address account);

    /// @dev `account` is not an active member.
    error MembersNotActive(address account);

    /// @dev `role` is not one of the eight roles.
    error MembersUnknownRole(bytes32 role);

    /// @dev `role` appears twice in a role list.
    error MembersDuplicateRole(bytes32 role);

    /// @dev ADMIT and SET_ROLES need at least one role.
    error MembersNoRoles();

    /// @dev An SM2 public key is 64 bytes `x || y`; got `length`.
    error MembersInvalidKeyLength(uint256 length);

    /// @dev (`x`, `y`) is not a point of the SM2 curve (or a coordinate is not below p).
    error MembersKeyNotOnCurve(bytes32 x, bytes32 y);

    /// @dev ROTATE_KEY to the key `account` already has.
    error MembersKeyUnchanged(address account);

    /// @dev A proposal of `kind` carries a field it does not use (name, roles or key).
    error MembersUnexpectedPayload(ProposalKind kind);

    /// @dev The change would leave `remaining` active governors, below the `threshold`.
    error MembersGovernorsBelowThreshold(uint256 remaining, uint256 threshold);

    /// @dev No proposal `id`.
    error MembersUnknownProposal(uint256 id);

    /// @dev Proposal `id` was already executed.
    error MembersProposalAlreadyExecuted(uint256 id);

    /// @dev `approver` already approved proposal `id`.
    error MembersAlreadyApproved(uint256 id, address approver);

    /// @dev Proposal `id` has `approvals` approvals from active governors; `threshold` needed.
    error MembersNotEnoughApprovals(uint256 id, uint256 approvals, uint256 threshold);

    /// @dev `account` had no valid SM2 key at block `blockNumber`.
    error MembersNoKeyAt(address account, uint256 blockNumber);

    /// @dev Key index `index` is not below the key count `count` of `account`.
    error MembersKeyIndexOutOfRange(address account, uint256 index, uint256 count);

    // ---------------------------------------------------------------- functions

    function propose(
        ProposalKind kind,
        address account,
        string calldata name,
        bytes32[] calldata roles,
        bytes calldata sm2Key
    ) external returns (uint256 id);

    function approve(uint256 id) external;

    function execute(uint256 id) external;

    function setObserver(address observer) external;

    function observer() external view returns (address);

    function hasActiveRole(bytes32 role, address account) external view returns (bool);

    function activeRoles(address account) external view returns (uint8 roleMask);

    function isActive(address account) external view returns (bool);

    function activeMemberId(bytes32 role, address account) external view returns (uint32);

    function memberIdOf(address account) external view returns (uint32);

    function keyAt(address account, uint256 blockNumber) external view returns (bytes32 x, bytes32 y);

    function keyCount(address account) external view returns (uint256);

    function keyByIndex(address account, uint256 index) external view returns (Key memory);

    function memberOf(address account) external view returns (MemberInfo memory);

    function proposal(uint256 id) external view returns (Proposal memory);

    function approvalCount(uint256 id) external view returns (uint256);

    function proposalCount() external view returns (uint256);

    function threshold() external view returns (uint256);

    function governorCount() external view returns (uint256);

    function memberCount() external view returns (uint256);

    function memberByIndex(uint256 index) external view returns (address);
}
