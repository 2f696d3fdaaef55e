// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev Role identifiers of the ledger (DOMAIN.md "Actors and roles"), shared by every contract.
 *
 * Each id is `keccak256("<NAME>_ROLE")`, the OpenZeppelin `AccessControl` convention; `Members`
 * re-exports them as public constants (`GOVERNOR_ROLE()` ...). The bit of a role is its position
 * in {Members-memberOf} role masks: GOVERNOR = bit 0 ... AUDITOR = bit 7.
 */
library Roles {
    bytes32 internal constant GOVERNOR = keccak256("GOVERNOR_ROLE");
    bytes32 internal constant REVIEWER = keccak256("REVIEWER_ROLE");
    bytes32 internal constant FUNDER = keccak256("FUNDER_ROLE");
    bytes32 internal constant CRYPTO = keccak256("CRYPTO_ROLE");
    bytes32 internal constant SECTOR = keccak256("SECTOR_ROLE");
    bytes32 internal constant UNIT = keccak256("UNIT_ROLE");
    bytes32 internal constant PLATFORM = keccak256("PLATFORM_ROLE");
    bytes32 internal constant AUDITOR = keccak256("AUDITOR_ROLE");

    /// @dev Number of roles; masks use bits `0 .. COUNT - 1`.
    uint8 internal constant COUNT = 8;

    /// @dev Mask bits ({maskOf}) that contracts test on a role mask directly.
    uint8 internal constant UNIT_MASK = 32;
    uint8 internal constant PLATFORM_MASK = 64;

    /// @dev The role id of bit `bit` (`bit < COUNT`).
    function byBit(uint256 bit) internal pure returns (bytes32) {
        if (bit == 0) return GOVERNOR;
        if (bit == 1) return REVIEWER;
        if (bit == 2) return FUNDER;
        if (bit == 3) return CRYPTO;
        if (bit == 4) return SECTOR;
        if (bit == 5) return UNIT;
        if (bit == 6) return PLATFORM;
        return AUDITOR;
    }

    /// @dev The mask bit of `role`, or 0 when `role` is not one of the eight roles.
    function maskOf(bytes32 role) internal pure returns (uint8) {
        if (role == GOVERNOR) return 1;
        if (role == REVIEWER) return 2;
        if (role == FUNDER) return 4;
        if (role == CRYPTO) return 8;
        if (role == SECTOR) return 16;
        if (role == UNIT) return UNIT_MASK;
        if (role == PLATFORM) return PLATFORM_MASK;
        if (role == AUDITOR) return 128;
        return 0;
    }
}
