// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev The five acceptance steps of art. 21 (入云 更新 上链 确权 对接), confirmed per resource of the
 * latest anchored acceptance-catalog version of a project, and the gates that acceptance and
 * commissioning ask of them (through the catalog ledger). Refusals about the sender or the project
 * use the library's errors (`ProjectUnauthorized`, `ProjectUnknown`, `ProjectNotUnit`).
 */
interface IConfirmations {
    /// @dev 入云 更新 上链 确权 对接. CHAIN is satisfied by the anchor itself.
    enum Step {
        CLOUD,
        UPDATE,
        CHAIN,
        OWNERSHIP,
        INTERFACE
    }

    // ---------------------------------------------------------------- events

    /// @dev The PLATFORM member `actor` confirmed `step` (CLOUD or INTERFACE) for resources
    /// `indices` of acceptance catalog `version` of `code`.
    event StepsConfirmed(bytes32 indexed code, uint32 version, Step indexed step, uint32[] indices, address actor);

    /// @dev The PLATFORM member `actor` observed the refresh of resources `indices` at
    /// `refreshedAt` (one time per index) (更新).
    event UpdatesConfirmed(bytes32 indexed code, uint32 version, uint32[] indices, uint64[] refreshedAt, address actor);

    /// @dev The unit `actor` confirmed ownership (确权) of resources `indices` of acceptance catalog
    /// `version` (digest, root) with the SM2 signature (r, s) by its key number `keyIndex`
    /// (`Members.keyByIndex(actor, keyIndex)`, valid at the log's block). Everything needed to
    /// rebuild the message ({ownershipMessage}) and re-verify the signature is in the event.
    event OwnershipConfirmed(
        bytes32 indexed code,
        uint32 version,
        uint32[] indices,
        bytes32 digest,
        bytes32 merkleRoot,
        bytes32 r,
        bytes32 s,
        address actor,
        uint256 keyIndex
    );

    /// @dev The SM2 verifier chosen at deploy (zero address = off-chain mode: signatures are
    /// recorded in {OwnershipConfirmed} and checked by clients and auditors).
    event VerifierSet(address indexed verifier);

    // ---------------------------------------------------------------- errors

    /// @dev Confirmations go to the latest acceptance-catalog version `expected` of `code`; got
    /// `got` (0 = the project has no acceptance catalog yet).
    error ConfirmationNotLatestVersion(bytes32 code, uint32 expected, uint32 got);

    /// @dev Resource `index` does not exist: version `version` of `code` lists `resourceCount`.
    error ConfirmationIndexOutOfRange(bytes32 code, uint32 version, uint32 index, uint32 resourceCount);

    /// @dev {confirmSteps} takes CLOUD or INTERFACE only (UPDATE: {confirmUpdates}; OWNERSHIP:
    /// {confirmOwnership}; CHAIN: the anchor).
    error ConfirmationStepNotConfirmable(Step step);

    /// @dev No resource index given.
    error ConfirmationNoIndices();

    /// @dev {confirmUpdates} needs one refresh time per index.
    error ConfirmationLengthMismatch(uint256 indices, uint256 refreshedAt);

    /// @dev A refresh time must be in `(0, now]`.
    error ConfirmationInvalidRefreshTime(bytes32 code, uint32 index, uint64 refreshedAt, uint256 now);

    /// @dev The signed (digest, root, resourceCount) has commitment `submitted`, not the anchored
    /// `anchored` of acceptance catalog `version` of `code`: a 确权 binds the anchored catalog.
    error ConfirmationCatalogMismatch(bytes32 code, uint32 version, bytes32 anchored, bytes32 submitted);

    /// @dev The SM2 signature of `signer` over the 确权 message of `code` / `version` is invalid
    /// (r or s outside [1, n-1]; with on-chain verification also a wrong key, message or chain).
    error ConfirmationSignatureInvalid(bytes32 code, uint32 version, address signer);

    /// @dev `verifier` is neither the zero address nor a contract.
    error ConfirmationInvalidVerifier(address verifier);

    /// @dev Acceptance needs every step for every resource of acceptance catalog `version` of
    /// `code`: `step` is missing for resource `index` (the first missing: steps in order
    /// CLOUD, UPDATE, CHAIN, OWNERSHIP, INTERFACE, then resources by index) (art. 21).
    error GateStepMissing(bytes32 code, uint32 version, Step step, uint32 index);

    /// @dev Commissioning needs the confirmations acceptance was granted on: acceptance catalog
    /// `acceptedVersion` was accepted, but `latestVersion` has been anchored since (art. 24).
    error GateConfirmationsReset(bytes32 code, uint32 acceptedVersion, uint32 latestVersion);

    // ---------------------------------------------------------------- functions

    function confirmSteps(bytes32 code, uint32 version, Step step, uint32[] calldata indices) external;

    function confirmUpdates(bytes32 code, uint32 version, uint32[] calldata indices, uint64[] calldata refreshedAt)
        external;

    function confirmOwnership(
        bytes32 code,
        uint32 version,
        uint32[] calldata indices,
        bytes32 digest,
        bytes32 merkleRoot,
        bytes32 r,
        bytes32 s
    ) external;

    function stepStatus(bytes32 code, uint32 version)
        external
        view
        returns (uint32 resourceCount, uint32[5] memory confirmed);

    function isConfirmed(bytes32 code, uint32 version, Step step, uint32 index) external view returns (bool);

    function lastRefreshed(bytes32 code, uint32 version, uint32 index) external view returns (uint64);

    function firstMissing(bytes32 code, uint32 version) external view returns (bool complete, Step step, uint32 index);

    function requireComplete(bytes32 code, uint32 version) external view;

    function ownershipMessage(
        bytes32 code,
        uint32 version,
        uint32[] calldata indices,
        bytes32 digest,
        bytes32 merkleRoot
    ) external view returns (bytes memory);

    function ownershipZ(address account, uint256 keyIndex) external view returns (bytes32);

    function verifier() external view returns (address);

    function catalogLedger() external view returns (address);

    function projectLibrary() external view returns (address);

    function members() external view returns (address);
}
