// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev The project library (项目库) of DOMAIN.md, art. 6: one project per unified code, its state
 * machine RESERVE -> UNDER_REVIEW -> APPROVED -> UNDER_CONSTRUCTION -> OPERATION, TERMINATED from
 * any live state, and the time rules on `block.timestamp`.
 */
interface IProjectLibrary {
    /// @dev 储备 在审 待建 在建 运维 终止; NONE = no such project.
    enum State {
        NONE,
        RESERVE,
        UNDER_REVIEW,
        APPROVED,
        UNDER_CONSTRUCTION,
        OPERATION,
        TERMINATED
    }

    /// @dev Everything the library records about a project (times are unix seconds, 0 = not yet).
    /// Storage layout (one struct per code): slot 0 = state, extended, lastFiledChangeBp,
    /// lastApprovedChangeBp, periodDays, unit (30 bytes, read by every transition); slots 1-4 hold
    /// four uint64 times each (slot 4: terminatedAt, progressReports, lastReportWindow, lastProgressAt,
    /// acceptedCatalogVersion, acceptedChangeBp); then the three digests and the name.
    struct Project {
        State state;
        bool extended; // the review opinion was extended (art. 15, once)
        uint16 lastFiledChangeBp; // ratio of the last change filing (art. 16), basis points
        uint16 lastApprovedChangeBp; // ratio of the last change approval, basis points
        uint32 periodDays; // construction period set by funding
        address unit; // the project unit's account
        uint64 createdAt;
        uint64 reviewStartedAt;
        uint64 cryptoApprovedAt;
        uint64 opinionPassedAt;
        uint64 opinionExpiresAt;
        uint64 fundedAt;
        uint64 constructionStartedAt;
        uint64 constructionDeadline;
        uint64 acceptedAt;
        uint64 commissionAppliedAt;
        uint64 operationAt;
        uint64 selfEvaluatedAt;
        uint64 terminatedAt;
        uint32 progressReports; // number of progress reports
        uint32 lastReportWindow; // 90-day window of the last report, plus one (0 = none)
        uint64 lastProgressAt;
        uint32 acceptedCatalogVersion; // acceptance catalog version accepted (art. 21), 0 = not accepted
        uint16 acceptedChangeBp; // declared -> acceptance change ratio recorded at acceptance, basis points
        bytes32 opinionDigest; // digest of the technical review opinion
        bytes32 selfEvaluationDigest;
        bytes32 acceptedDiffDigest; // digest of the declared -> acceptance catalog diff
        string name;
    }

    /// @dev The latest EITB performance evaluation report of a project and the unit's rectification
    /// plan for it (art. 31); times are unix seconds, 0 = not yet. A new report replaces the last
    /// (earlier ones stay in the {EvaluationReported} events).
    struct Evaluation {
        bytes32 reportDigest;
        uint64 reportedAt;
        uint64 rectificationDueAt; // last second of the 60th working day after the report (Beijing time)
        uint64 planSubmittedAt;
        bytes32 planDigest;
    }

    // ---------------------------------------------------------------- events

    /// @dev The catalog ledger was wired (once).
    event CatalogLedgerSet(address indexed ledger, address indexed actor);

    /// @dev Project `code` of `unit` entered the library (RESERVE).
    event ProjectCreated(bytes32 indexed code, address indexed actor, address indexed unit, string name, State state);

    /// @dev Technical review application accepted: RESERVE -> UNDER_REVIEW (art. 12, 13).
    event ReviewStarted(bytes32 indexed code, address indexed actor, State from, State to);

    /// @dev Cryptography / 信创 / intranet review signed off (art. 13, 19).
    event CryptoApproved(bytes32 indexed code, address indexed actor, uint64 approvedAt);

    /// @dev Technical review passed with opinion `opinionDigest`, valid until `expiresAt` (art. 15).
    event ReviewPassed(bytes32 indexed code, address indexed actor, bytes32 opinionDigest, uint64 expiresAt);

    /// @dev The expired opinion was extended once by `extensionDays`, now valid until `expiresAt`.
    event ReviewExtended(bytes32 indexed code, address indexed actor, uint32 extensionDays, uint64 expiresAt);

    /// @dev Investment approved with a construction period: UNDER_REVIEW -> APPROVED (art. 14).
    event ProjectFunded(bytes32 indexed code, address indexed actor, uint32 periodDays, State from, State to);

    /// @dev Construction started, due by `deadline`: APPROVED -> UNDER_CONSTRUCTION (art. 6, 18).
    event ConstructionStarted(bytes32 indexed code, address indexed actor, uint64 deadline, State from, State to);

    /// @dev Progress report `reportDigest` for 90-day window `window` (0 = first) (art. 18).
    event ProgressReported(bytes32 indexed code, address indexed actor, uint32 window, bytes32 reportDigest);

    /// @dev Acceptance (验收) passed against acceptance catalog `catalogVersion` (art. 21), with the
    /// declared -> acceptance change ratio `changeRatioBp` and the digest of the catalog diff.
    event ProjectAccepted(
        bytes32 indexed code,
        address indexed actor,
        uint32 catalogVersion,
        uint16 changeRatioBp,
        bytes32 diffDigest,
        uint64 warrantyEndsAt,
        uint64 commissionDeadline
    );

    /// @dev The unit applied for the commissioning review (art. 23).
    event CommissionApplied(bytes32 indexed code, address indexed actor, uint64 appliedAt);

    /// @dev Commissioning review passed: UNDER_CONSTRUCTION -> OPERATION (art. 24).
    event ProjectCommissioned(bytes32 indexed code, address indexed actor, State from, State to);

    /// @dev Performance self-evaluation `reportDigest` submitted (art. 30).
    event SelfEvaluationSubmitted(bytes32 indexed code, address indexed actor, bytes32 reportDigest);

    /// @dev Project terminated from state `from` (art. 6).
    event ProjectTerminated(bytes32 indexed code, address indexed actor, State from, State to, string reason);

    /// @dev A change of `ratioBp` basis points (<= 15%) filed by the unit (art. 16 备案).
    event ChangeFiled(bytes32 indexed code, address indexed actor, uint16 ratioBp, bytes32 evidenceDigest);

    /// @dev A change of `ratioBp` basis points approved by EITB (art. 16).
    event ChangeApproved(bytes32 indexed code, address indexed actor, uint16 ratioBp, bytes32 evidenceDigest);

    /// @dev Beijing days `[wordIndex * 255, wordIndex * 255 + 255)` (days since 1970-01-01, UTC+8)
    /// now have the working-day bits `workdays` (bit i = day wordIndex * 255 + i; bit 255 set).
    event WorkCalendarSet(uint32 indexed wordIndex, address indexed actor, uint256 workdays);

    /// @dev EITB recorded the performance evaluation report `reportDigest` (art. 31); the unit's
    /// rectification plan is due by `rectificationDueAt`.
    event EvaluationReported(bytes32 indexed code, address indexed actor, bytes32 reportDigest, uint64 rectificationDueAt);

    /// @dev The unit submitted its rectification plan `planDigest` for the latest report (art. 31).
    event RectificationPlanSubmitted(bytes32 indexed code, address indexed actor, bytes32 planDigest);

    // ---------------------------------------------------------------- errors

    /// @dev `account` is not an active member holding `role`.
    error ProjectUnauthorized(address account, bytes32 role);

    /// @dev `account` is not the unit `unit` registered for project `code`.
    error ProjectNotUnit(bytes32 code, address account, address unit);

    /// @dev No project `code`.
    error ProjectUnknown(bytes32 code);

    /// @dev Project `code` already exists.
    error ProjectAlreadyExists(bytes32 code);

    /// @dev `code` is not a unified code: non-empty printable ASCII (0x21-0x7E), left-aligned, zero-padded.
    error ProjectInvalidCode(bytes32 code);

    /// @dev A project needs a non-empty name.
    error ProjectEmptyName();

    /// @dev `unit` is not an active UNIT member.
    error ProjectInvalidUnit(address unit);

    /// @dev Project `code` is in `from`; the transition to `to` is not allowed from there.
    error ProjectInvalidTransition(bytes32 code, State from, State to);

    /// @dev Project `code` is in `current`, where this action is not allowed.
    error ProjectInvalidState(bytes32 code, State current);

    /// @dev The catalog ledger has not been wired yet ({setCatalogLedger}).
    error ProjectLedgerNotWired();

    /// @dev The catalog ledger is already wired to `ledger`.
    error ProjectLedgerAlreadyWired(address ledger);

    /// @dev `ledger` is not a catalog ledger bound to this library.
    error ProjectLedgerMismatch(address ledger);

    /// @dev Only the deployer `deployer` wires the ledger; `account` tried.
    error ProjectNotDeployer(address account, address deployer);

    /// @dev A digest argument is zero.
    error ProjectZeroDigest();

    /// @dev The crypto review of `code` was already signed off at `approvedAt`.
    error ProjectCryptoAlreadyApproved(bytes32 code, uint64 approvedAt);

    /// @dev The technical review of `code` cannot pass without the CRYPTO sign-off (art. 13).
    error ProjectCryptoNotApproved(bytes32 code);

    /// @dev The technical review of `code` already passed at `passedAt`.
    error ProjectReviewAlreadyPassed(bytes32 code, uint64 passedAt);

    /// @dev Project `code` has no passed technical review opinion.
    error ProjectReviewNotPassed(bytes32 code);

    /// @dev Extension too early: the opinion of `code` is valid until `expiresAt` (now `now`).
    error ProjectOpinionStillValid(bytes32 code, uint64 expiresAt, uint256 now);

    /// @dev The opinion of `code` was already extended once (art. 15).
    error ProjectReviewAlreadyExtended(bytes32 code);

    /// @dev `extensionDays` is not within `[1, maxDays]`.
    error ProjectInvalidExtension(uint32 extensionDays, uint32 maxDays);

    /// @dev Extension too late: the extended opinion of `code` would end at `expiresAt`, not after now `now`.
    error ProjectExtensionTooLate(bytes32 code, uint64 expiresAt, uint256 now);

    /// @dev Funding too late: the opinion of `code` expired at `expiresAt` (now `now`).
    error ProjectOpinionExpired(bytes32 code, uint64 expiresAt, uint256 now);

    /// @dev `periodDays` is not within `[1, maxDays]`.
    error ProjectInvalidPeriod(uint32 periodDays, uint32 maxDays);

    /// @dev Window `window` of `code` already has its report; the next window opens at `nextWindowAt`.
    error ProjectProgressAlreadyReported(bytes32 code, uint32 window, uint64 nextWindowAt);

    /// @dev Project `code` was already accepted at `acceptedAt`.
    error ProjectAlreadyAccepted(bytes32 code, uint64 acceptedAt);

    /// @dev Project `code` has not passed acceptance.
    error ProjectNotAccepted(bytes32 code);

    /// @dev Project `code` already applied for commissioning at `appliedAt`.
    error ProjectCommissionAlreadyApplied(bytes32 code, uint64 appliedAt);

    /// @dev Commissioning application too late: due by `deadline` (acceptance + 183 days), now `now` (art. 23).
    error ProjectCommissionTooLate(bytes32 code, uint64 deadline, uint256 now);

    /// @dev Project `code` has not applied for commissioning.
    error ProjectCommissionNotApplied(bytes32 code);

    /// @dev Self-evaluation too early: the window of `code` opens at `opensAt` (now `now`) (art. 30).
    error ProjectSelfEvaluationTooEarly(bytes32 code, uint64 opensAt, uint256 now);

    /// @dev Self-evaluation too late: the window of `code` closed at `closesAt` (now `now`) (art. 30).
    error ProjectSelfEvaluationTooLate(bytes32 code, uint64 closesAt, uint256 now);

    /// @dev The self-evaluation of `code` was already submitted at `submittedAt`.
    error ProjectSelfEvaluationAlreadySubmitted(bytes32 code, uint64 submittedAt);

    /// @dev Termination needs a reason.
    error ProjectEmptyReason();

    /// @dev `ratioBp` exceeds 10000 basis points.
    error ProjectInvalidRatio(uint16 ratioBp);

    /// @dev A change of `ratioBp` > `maxFilingBp` cannot be filed; it needs EITB approval (art. 16).
    error ProjectChangeNeedsApproval(bytes32 code, uint16 ratioBp, uint16 maxFilingBp);

    /// @dev Acceptance with a change ratio `ratioBp` above 15% needs an EITB change approval of at
    /// least that ratio; the last approval of `code` was `approvedBp` (art. 16, 21).
    error ProjectChangeNotApproved(bytes32 code, uint16 ratioBp, uint16 approvedBp);

    /// @dev Acceptance with a change ratio `ratioBp` of at most 15% needs a change filing (备案) or
    /// an EITB change approval of at least that ratio; the larger of the last filing and the last
    /// approval of `code` is `coveredBp` (art. 16, 21).
    error ProjectChangeNotFiled(bytes32 code, uint16 ratioBp, uint16 coveredBp);

    /// @dev Working days of Beijing day `day` (days since 1970-01-01, UTC+8) are not recorded yet
    /// ({IProjectLibrary-setWorkCalendar}); a deadline in working days cannot be computed.
    error WorkCalendarMissing(uint32 day);

    /// @dev Calendar word `wordIndex` must have bit 255 (the "recorded" marker) set.
    error WorkCalendarInvalid(uint32 wordIndex, uint256 workdays);

    /// @dev `code` has no evaluation report to answer with a rectification plan.
    error ProjectNoEvaluationReport(bytes32 code);

    /// @dev The rectification plan was due by `dueAt` (60 working days after the report, art. 31).
    error ProjectRectificationTooLate(bytes32 code, uint64 dueAt, uint256 now);

    /// @dev The rectification plan for the latest report was already submitted at `submittedAt`.
    error ProjectRectificationAlreadySubmitted(bytes32 code, uint64 submittedAt);

    // ---------------------------------------------------------------- functions

    function setCatalogLedger(address ledger) external;

    function createProject(bytes32 code, address unit, string calldata name) external;

    function startReview(bytes32 code) external;

    function approveCrypto(bytes32 code) external;

    function passReview(bytes32 code, bytes32 opinionDigest) external;

    function extendReview(bytes32 code, uint32 extensionDays) external;

    function fund(bytes32 code, uint32 periodDays) external;

    function startConstruction(bytes32 code) external;

    function reportProgress(bytes32 code, bytes32 reportDigest) external;

    function accept(bytes32 code, uint16 ratioBp, bytes32 diffDigest) external;

    function applyCommission(bytes32 code) external;

    function commission(bytes32 code) external;

    function submitSelfEvaluation(bytes32 code, bytes32 reportDigest) external;

    function terminate(bytes32 code, string calldata reason) external;

    function fileChange(bytes32 code, uint16 ratioBp, bytes32 evidenceDigest) external;

    function approveChange(bytes32 code, uint16 ratioBp, bytes32 evidenceDigest) external;

    function setWorkCalendar(uint32 wordIndex, uint256 workdays) external;

    function recordEvaluationReport(bytes32 code, bytes32 reportDigest) external;

    function submitRectificationPlan(bytes32 code, bytes32 planDigest) external;

    function project(bytes32 code) external view returns (Project memory);

    function evaluation(bytes32 code) external view returns (Evaluation memory);

    function workCalendar(uint32 wordIndex) external view returns (uint256);

    function rectificationDeadline(uint64 reportedAt) external view returns (uint64);

    function stateOf(bytes32 code) external view returns (State);

    function unitOf(bytes32 code) external view returns (address);

    function exists(bytes32 code) external view returns (bool);

    function progressStatus(bytes32 code) external view returns (uint64 nextDueAt, uint32 missedQuarters, bool overdue);

    function warrantyEndsAt(bytes32 code) external view returns (uint64);

    function commissionDeadline(bytes32 code) external view returns (uint64);

    function selfEvaluationWindow(bytes32 code) external view returns (uint64 opensAt, uint64 closesAt);

    function members() external view returns (address);

    function catalogLedger() external view returns (address);
}
