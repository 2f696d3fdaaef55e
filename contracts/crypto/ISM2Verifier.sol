// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ISM2Verifier
 * @notice SM2 signature verification (GB/T 32918.2) as a service chosen at deploy time: the
 * pure-Solidity {SM2Verifier} on any EVM chain, or an adapter over a chain's SM2 precompile.
 *
 * Keys are affine points (x, y) of the SM2 recommended curve, 32-byte big-endian coordinates.
 * Signatures are raw (r, s). The signed digest is e = SM3(Z_A ‖ M), where
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) is fixed per key and signer ID, so
 * callers compute it once ({computeZ}, at key registration) and pass it to {verify}.
 *
 * Verdicts: every invalid signature (r or s outside [1, n - 1], (r + s) mod n = 0, a wrong
 * key, message, Z_A or digest) yields `false`; only a malformed key reverts.
 */
interface ISM2Verifier {
    /// @notice (x, y) is not a point of the SM2 curve (or a coordinate is not below p).
    error SM2InvalidPublicKey(bytes32 x, bytes32 y);

    /// @notice The signer ID is longer than ENTL's 16 bits can describe (8191 bytes).
    error SM2IdTooLong(uint256 length, uint256 maxLength);

    /// @notice Storing the precomputed data of the key `keyHash` failed (out of gas while creating).
    error SM2PrecomputeFailed(bytes32 keyHash);

    /**
     * @notice A key's verification table was stored, so later verifications skip building it.
     * @param keyHash keccak256(x ‖ y) of the key.
     * @param table The contract whose code holds the table (implementation-defined; zero for an
     * implementation that has nothing to store).
     */
    event SM2KeyPrecomputed(bytes32 indexed keyHash, bytes32 x, bytes32 y, address table);

    /**
     * @notice Whether (x, y) is a point of the curve with both coordinates below p.
     *
     * Requirements: none. Emits no event.
     */
    function isOnCurve(bytes32 x, bytes32 y) external view returns (bool);

    /**
     * @notice Z_A for the key (x, y) and signer ID `id` (the standard's default is
     * "1234567812345678").
     *
     * Requirements:
     * - (x, y) is on the curve, else {SM2InvalidPublicKey};
     * - `id` is at most 8191 bytes, else {SM2IdTooLong}.
     *
     * Emits no event.
     */
    function computeZ(bytes32 x, bytes32 y, bytes calldata id) external view returns (bytes32);

    /**
     * @notice Whether (r, s) is a valid SM2 signature of `message` by the key (x, y) whose Z_A is
     * `za`, i.e. of the digest SM3(za ‖ message).
     *
     * Requirements:
     * - (x, y) is on the curve, else {SM2InvalidPublicKey}.
     *
     * Emits no event.
     */
    function verify(bytes32 x, bytes32 y, bytes32 za, bytes calldata message, bytes32 r, bytes32 s)
        external
        view
        returns (bool);

    /**
     * @notice Whether (r, s) is a valid SM2 signature of the digest `e` = SM3(Z_A ‖ M) by (x, y).
     *
     * Requirements:
     * - (x, y) is on the curve, else {SM2InvalidPublicKey}.
     *
     * Emits no event.
     */
    function verifyDigest(bytes32 x, bytes32 y, bytes32 e, bytes32 r, bytes32 s) external view returns (bool);

    /**
     * @notice Stores whatever makes later verifications under (x, y) cheaper (idempotent;
     * anyone may call it, the result depends on the key only). Call it at key registration.
     *
     * Requirements:
     * - (x, y) is on the curve, else {SM2InvalidPublicKey}.
     *
     * Emits {SM2KeyPrecomputed} the first time for a key.
     */
    function precompute(bytes32 x, bytes32 y) external;

    /**
     * @notice Whether {precompute} has stored data for (x, y).
     *
     * Requirements: none. Emits no event.
     */
    function isPrecomputed(bytes32 x, bytes32 y) external view returns (bool);
}
