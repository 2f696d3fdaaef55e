// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SM3} from "./SM3.sol";

/**
 * @title SM3Hasher
 * @notice A stateless SM3 service: other contracts and off-chain clients can hash with SM3
 * (GB/T 32905) through it without linking the library themselves. Also what the test suite and
 * `scripts/bench_onchain.py` use to check and price the library.
 */
contract SM3Hasher {
    /**
     * @notice SM3 digest of `data`.
     * @param data Any number of bytes.
     * @return The 32-byte digest.
     *
     * Requirements: none. Emits no event.
     */
    function sm3(bytes calldata data) external pure returns (bytes32) {
        return SM3.hash(data);
    }
}
