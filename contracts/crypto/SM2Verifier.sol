// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISM2Verifier} from "./ISM2Verifier.sol";
import {SM2} from "./SM2.sol";
import {SM3} from "./SM3.sol";

/**
 * @title SM2Verifier
 * @notice {ISM2Verifier} in pure Solidity: SM3 and the SM2 curve arithmetic run in the EVM, so
 * the verdict needs no precompile and no trusted party.
 *
 * {precompute} stores a key's 960-byte comb table as the code of a data contract (created here,
 * from the table this contract computed itself, so it cannot be forged); verifications under a
 * precomputed key read it with one EXTCODECOPY instead of rebuilding it.
 */
contract SM2Verifier is ISM2Verifier {
    /// @dev Largest signer ID whose bit length fits ENTL's 16 bits.
    uint256 private constant _MAX_ID_LENGTH = 8191;

    /// @dev keccak256(x ‖ y) => the data contract holding the key's table (0x00 ‖ table).
    mapping(bytes32 keyHash => address table) private _tables;

    /// @inheritdoc ISM2Verifier
    function isOnCurve(bytes32 x, bytes32 y) external pure returns (bool) {
        return SM2.isOnCurve(uint256(x), uint256(y));
    }

    /// @inheritdoc ISM2Verifier
    function computeZ(bytes32 x, bytes32 y, bytes calldata id) external pure returns (bytes32) {
        _checkKey(x, y);
        if (id.length > _MAX_ID_LENGTH) revert SM2IdTooLong(id.length, _MAX_ID_LENGTH);
        return SM2.za(uint256(x), uint256(y), id);
    }

    /// @inheritdoc ISM2Verifier
    function verify(bytes32 x, bytes32 y, bytes32 za, bytes calldata message, bytes32 r, bytes32 s)
        external
        view
        returns (bool)
    {
        bytes memory table = _table(x, y);
        bytes32 e = SM3.hash(abi.encodePacked(za, message));
        return SM2.verifyDigest(uint256(e), uint256(r), uint256(s), table);
    }

    /// @inheritdoc ISM2Verifier
    function verifyDigest(bytes32 x, bytes32 y, bytes32 e, bytes32 r, bytes32 s) external view returns (bool) {
        return SM2.verifyDigest(uint256(e), uint256(r), uint256(s), _table(x, y));
    }

    /// @inheritdoc ISM2Verifier
    function precompute(bytes32 x, bytes32 y) external {
        bytes32 keyHash = keccak256(abi.encodePacked(x, y));
        if (_tables[keyHash] != address(0)) return;
        _checkKey(x, y);
        bytes memory table = SM2.keyTable(uint256(x), uint256(y));
        address holder;
        assembly ("memory-safe") {
            // Init code, written over the last 13 bytes of the length word right before the
            // table (which is not used afterwards): PUSH2 961 DUP1 PUSH1 12 PUSH1 0 CODECOPY
            // PUSH1 0 RETURN, then STOP, so the created code is 0x00 ‖ table.
            mstore(table, 0x6103c180600c6000396000f300)
            holder := create(0, add(table, 19), 973)
        }
        if (holder == address(0)) revert SM2PrecomputeFailed(keyHash);
        _tables[keyHash] = holder;
        emit SM2KeyPrecomputed(keyHash, x, y, holder);
    }

    /// @inheritdoc ISM2Verifier
    function isPrecomputed(bytes32 x, bytes32 y) external view returns (bool) {
        return _tables[keccak256(abi.encodePacked(x, y))] != address(0);
    }

    /// @dev The key's comb table: stored if precomputed (the key was checked then), else built.
    function _table(bytes32 x, bytes32 y) private view returns (bytes memory table) {
        address holder = _tables[keccak256(abi.encodePacked(x, y))];
        if (holder == address(0)) {
            _checkKey(x, y);
            return SM2.keyTable(uint256(x), uint256(y));
        }
        table = new bytes(SM2.TABLE_SIZE);
        assembly ("memory-safe") {
            extcodecopy(holder, add(table, 32), 1, 960)
        }
    }

    /// @dev Reverts with {SM2InvalidPublicKey} unless (x, y) is on the curve.
    function _checkKey(bytes32 x, bytes32 y) private pure {
        if (!SM2.isOnCurve(uint256(x), uint256(y))) revert SM2InvalidPublicKey(x, y);
    }
}
