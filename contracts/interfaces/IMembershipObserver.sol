// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev A contract that keeps a cache of membership (the catalog ledger keeps "active UNIT" per
 * account so that an anchor needs no call into Members). {IMembers} pushes every change, in the
 * transaction that makes it, to the one observer wired at deploy ({IMembers-setObserver}).
 */
interface IMembershipObserver {
    /// @dev `account` (member id `id`) now has `active` and role mask `roleMask` (bits as in
    /// {IMembers-MemberInfo}). Called by Members only, after the change is stored.
    function membershipChanged(address account, uint32 id, bool active, uint8 roleMask) external;
}
