// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IMembers} from "./interfaces/IMembers.sol";

/**
 * @dev SM2 public-key history of a member: parsing with the on-curve check, opening a key at this
 * block, closing the current one, and the key valid at a given block. Keys are never deleted or
 * changed except for closing (`validUntilBlock` set once), so any signature can be judged later
 * against the key valid when it was made.
 */
library MemberKeys {
    // SM2 recommended curve (GB/T 32918.5): y^2 = x^3 + a x + b over F_p, a = p - 3.
    uint256 private constant _P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF;
    uint256 private constant _A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC;
    uint256 private constant _B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93;

    /// @dev Splits a 64-byte `x || y` key and checks it is an affine point of the SM2 curve
    /// (`x, y < p`, `y^2 = x^3 + ax + b mod p`); the point at infinity has no affine encoding.
    function parse(bytes memory key) internal pure returns (bytes32 x, bytes32 y) {
        if (key.length != 64) revert IMembers.MembersInvalidKeyLength(key.length);
        // the two 32-byte words after the length word; the length was checked just above
        assembly ("memory-safe") {
            x := mload(add(key, 32))
            y := mload(add(key, 64))
        }
        uint256 px = uint256(x);
        uint256 py = uint256(y);
        if (px >= _P || py >= _P) revert IMembers.MembersKeyNotOnCurve(x, y);
        uint256 rhs = addmod(addmod(mulmod(mulmod(px, px, _P), px, _P), mulmod(_A, px, _P), _P), _B, _P);
        if (mulmod(py, py, _P) != rhs) revert IMembers.MembersKeyNotOnCurve(x, y);
    }

    /// @dev Appends (`x`, `y`) valid from this block; returns its index.
    function open(IMembers.Key[] storage keys, bytes32 x, bytes32 y) internal returns (uint256) {
        keys.push(IMembers.Key({x: x, y: y, validFromBlock: uint64(block.number), validUntilBlock: 0}));
        return keys.length - 1;
    }

    /// @dev Closes the current (last) key at this block. A member always has at least one key.
    function closeCurrent(IMembers.Key[] storage keys) internal {
        keys[keys.length - 1].validUntilBlock = uint64(block.number);
    }

    /// @dev True iff (`x`, `y`) is the current key.
    function isCurrent(IMembers.Key[] storage keys, bytes32 x, bytes32 y) internal view returns (bool) {
        IMembers.Key storage current = keys[keys.length - 1];
        return current.x == x && current.y == y;
    }

    /// @dev The key with `validFromBlock <= blockNumber < validUntilBlock` (open-ended when
    /// `validUntilBlock == 0`); `found` is false when there is none.
    function keyAt(IMembers.Key[] storage keys, uint256 blockNumber)
        internal
        view
        returns (bool found, bytes32 x, bytes32 y)
    {
        for (uint256 i = keys.length; i > 0; --i) {
            IMembers.Key storage k = keys[i - 1];
            if (k.validFromBlock <= blockNumber && (k.validUntilBlock == 0 || blockNumber < k.validUntilBlock)) {
                return (true, k.x, k.y);
            }
        }
        return (false, 0, 0);
    }
}
