// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICatalogLedger} from "./interfaces/ICatalogLedger.sol";
import {IMembers} from "./interfaces/IMembers.sol";
import {IProjectLibrary} from "./interfaces/IProjectLibrary.sol";
import {ProjectRules} from "./ProjectRules.sol";
import {Roles} from "./Roles.sol";

/**
 * @dev The project library state machine (DOMAIN.md; art. 6, 12-16, 18, 21, 23, 24, 30).
 *
 * Every write needs an active member with the role named in its NatSpec ("the project's UNIT" =
 * the unit account registered at creation, which must still be an active UNIT). Times are
 * `block.timestamp` seconds; each time rule is one check in {ProjectRules} with its own
 * too-early / too-late error. Catalog conditions are asked of the {ICatalogLedger} (wired once after deploy),
 * and every state change is pushed to it ({ICatalogLedger-syncProject}) in the same transaction,
 * as are the review passing and acceptance ({ICatalogLedger-syncMilestone}), which close the
 * declared and the acceptance catalog, so an anchor needs no call back into the library.
 */
contract ProjectLibrary is IProjectLibrary {
    using ProjectRules for Project;

    // The rules' constants (see {ProjectRules} for what each means), readable by clients.
    uint256 public constant OPINION_VALIDITY = ProjectRules.OPINION_VALIDITY;
    uint32 public constant MAX_EXTENSION_DAYS = ProjectRules.MAX_EXTENSION_DAYS;
    uint32 public constant MAX_PERIOD_DAYS = ProjectRules.MAX_PERIOD_DAYS;
    uint256 public constant QUARTER = ProjectRules.QUARTER;
    uint256 public constant WARRANTY = ProjectRules.WARRANTY;
    uint256 public constant COMMISSION_WINDOW = ProjectRules.COMMISSION_WINDOW;
    uint256 public constant SELF_EVALUATION_OPENS = ProjectRules.SELF_EVALUATION_OPENS;
    uint256 public constant SELF_EVALUATION_CLOSES = ProjectRules.SELF_EVALUATION_CLOSES;
    uint16 public constant MAX_FILING_BP = ProjectRules.MAX_FILING_BP;
    uint16 public constant MAX_BP = ProjectRules.MAX_BP;
    /// @dev art. 31: the rectification plan is due within 60 working days of the evaluation report.
    uint32 public constant RECTIFICATION_WORKDAYS = 60;
    /// @dev Beijing days per calendar word (bit 255 of a word marks it recorded).
    uint32 public constant CALENDAR_WORD_DAYS = 255;
    /// @dev Beijing time is UTC+8: day n (since 1970-01-01) starts at n * 1 days - 8 hours.
    uint256 public constant BEIJING_OFFSET = 8 hours;

    IMembers private immutable _members;
    address private immutable _deployer;
    ICatalogLedger private _ledger;
    mapping(bytes32 code => Project) private _projects; // packing: see IProjectLibrary.Project
    mapping(bytes32 code => Evaluation) private _evaluations;
    // PRC working days (State Council holiday arrangement, 调休 included), recorded by EITB:
    // word w, bit i = Beijing day w * 255 + i is a working day; bit 255 = the word is recorded.
    mapping(uint32 wordIndex => uint256 workdays) private _calendar;

    modifier onlyRole(bytes32 role) {
        _checkRole(role, msg.sender);
        _;
    }

    constructor(IMembers members_) {
        _members = members_;
        _deployer = msg.sender;
    }

    /**
     * @dev Wires the catalog ledger, once.
     *
     * Requirements:
     * - the caller deployed this library; no ledger is wired yet;
     * - `ledger` answers `projectLibrary()` with this library, `members()` with our Members and
     *   `activeUnitId` (the membership cache only the catalog ledger keeps, which a Confirmations
     *   bound to this pair lacks); anything else is {ProjectLedgerMismatch}.
     *
     * Emits {CatalogLedgerSet}.
     */
    function setCatalogLedger(address ledger) external {
        if (msg.sender != _deployer) revert ProjectNotDeployer(msg.sender, _deployer);
        if (address(_ledger) != address(0)) revert ProjectLedgerAlreadyWired(address(_ledger));
        (bool a, uint256 library_) = _askWord(ledger, abi.encodeCall(ICatalogLedger.projectLibrary, ()));
        (bool b, uint256 members_) = _askWord(ledger, abi.encodeCall(ICatalogLedger.members, ()));
        (bool c,) = _askWord(ledger, abi.encodeCall(ICatalogLedger.activeUnitId, (address(0))));
        if (!(a && b && c) || library_ != uint160(address(this)) || members_ != uint160(address(_members))) {
            revert ProjectLedgerMismatch(ledger);
        }
        _ledger = ICatalogLedger(ledger);
        emit CatalogLedgerSet(ledger, msg.sender);
    }

    /**
     * @dev Admits project `code` of `unit` to the library in RESERVE (art. 10, 11).
     *
     * Requirements: caller an active REVIEWER; `code` a valid unified code not used yet;
     * `unit` an active UNIT; `name` non-empty; the ledger wired ({ProjectLedgerNotWired}).
     *
     * Emits {ProjectCreated}.
     */
    function createProject(bytes32 code, address unit, string calldata name) external onlyRole(Roles.REVIEWER) {
        ProjectRules.checkCode(code);
        Project storage p = _projects[code];
        if (p.state != State.NONE) revert ProjectAlreadyExists(code);
        if (!_members.hasActiveRole(Roles.UNIT, unit)) revert ProjectInvalidUnit(unit);
        if (bytes(name).length == 0) revert ProjectEmptyName();
        p.state = State.RESERVE;
        p.unit = unit;
        p.createdAt = uint64(block.timestamp);
        p.name = name;
        emit ProjectCreated(code, msg.sender, unit, name, State.RESERVE);
        _wiredLedger().syncProject(code, unit, State.RESERVE);
    }

    /**
     * @dev Accepts the technical review application: RESERVE -> UNDER_REVIEW (art. 12, 13).
     *
     * Requirements: caller an active REVIEWER; project in RESERVE; ledger wired; a declared
     * catalog anchored (else the ledger's `CatalogDeclaredCatalogMissing`).
     *
     * Emits {ReviewStarted}.
     */
    function startReview(bytes32 code) external onlyRole(Roles.REVIEWER) {
        Project storage p = _checkTransition(code, State.RESERVE, State.UNDER_REVIEW);
        ICatalogLedger ledger = _wiredLedger();
        ledger.requireReviewReady(code);
        p.state = State.UNDER_REVIEW;
        p.reviewStartedAt = uint64(block.timestamp);
        emit ReviewStarted(code, msg.sender, State.RESERVE, State.UNDER_REVIEW);
        ledger.syncProject(code, p.unit, State.UNDER_REVIEW);
    }

    /**
     * @dev Signs off the cryptography / 信创 / intranet review (art. 13, 19).
     *
     * Requirements: caller an active CRYPTO; project in UNDER_REVIEW; not signed off yet.
     *
     * Emits {CryptoApproved}.
     */
    function approveCrypto(bytes32 code) external onlyRole(Roles.CRYPTO) {
        Project storage p = _checkState(code, State.UNDER_REVIEW);
        if (p.cryptoApprovedAt != 0) revert ProjectCryptoAlreadyApproved(code, p.cryptoApprovedAt);
        p.cryptoApprovedAt = uint64(block.timestamp);
        emit CryptoApproved(code, msg.sender, uint64(block.timestamp));
    }

    /**
     * @dev Passes the technical review with opinion `opinionDigest`, valid for OPINION_VALIDITY.
     *
     * Requirements: caller an active REVIEWER; `opinionDigest` non-zero; project in UNDER_REVIEW;
     * crypto signed off; not passed yet.
     *
     * The ledger is told (REVIEW_PASSED): from now on it refuses new declared catalog versions, so
     * the latest declared version stays the one reviewed (`CatalogDeclaredAfterReview`).
     *
     * Emits {ReviewPassed}.
     */
    function passReview(bytes32 code, bytes32 opinionDigest) external onlyRole(Roles.REVIEWER) {
        _checkDigest(opinionDigest);
        Project storage p = _checkState(code, State.UNDER_REVIEW);
        if (p.cryptoApprovedAt == 0) revert ProjectCryptoNotApproved(code);
        if (p.opinionPassedAt != 0) revert ProjectReviewAlreadyPassed(code, p.opinionPassedAt);
        uint64 expiresAt = uint64(block.timestamp + ProjectRules.OPINION_VALIDITY);
        p.opinionPassedAt = uint64(block.timestamp);
        p.opinionExpiresAt = expiresAt;
        p.opinionDigest = opinionDigest;
        emit ReviewPassed(code, msg.sender, opinionDigest, expiresAt);
        _wiredLedger().syncMilestone(code, ICatalogLedger.Milestone.REVIEW_PASSED);
    }

    /**
     * @dev Extends the expired opinion once by `extensionDays`, counted from its expiry (art. 15).
     *
     * Requirements: caller an active REVIEWER; `1 <= extensionDays <= MAX_EXTENSION_DAYS`;
     * project in UNDER_REVIEW with a passed opinion, never extended; the opinion has run out
     * (now > expiry, else {ProjectOpinionStillValid}); the new expiry is after now (else
     * {ProjectExtensionTooLate}).
     *
     * Emits {ReviewExtended}.
     */
    function extendReview(bytes32 code, uint32 extensionDays) external onlyRole(Roles.REVIEWER) {
        Project storage p = _checkState(code, State.UNDER_REVIEW);
        uint64 expiresAt = p.extendedExpiry(code, extensionDays);
        p.extended = true;
        p.opinionExpiresAt = expiresAt;
        emit ReviewExtended(code, msg.sender, extensionDays, expiresAt);
    }

    /**
     * @dev Approves the investment with a construction period: UNDER_REVIEW -> APPROVED (art. 14).
     *
     * Requirements: caller an active FUNDER; `1 <= periodDays <= MAX_PERIOD_DAYS`; project in
     * UNDER_REVIEW with a passed opinion that is valid now (else {ProjectOpinionExpired}).
     *
     * Emits {ProjectFunded}.
     */
    function fund(bytes32 code, uint32 periodDays) external onlyRole(Roles.FUNDER) {
        ProjectRules.checkPeriod(periodDays);
        Project storage p = _checkTransition(code, State.UNDER_REVIEW, State.APPROVED);
        p.checkOpinionValid(code);
        p.state = State.APPROVED;
        p.periodDays = periodDays;
        p.fundedAt = uint64(block.timestamp);
        emit ProjectFunded(code, msg.sender, periodDays, State.UNDER_REVIEW, State.APPROVED);
        _sync(code, p);
    }

    /**
     * @dev Starts construction: APPROVED -> UNDER_CONSTRUCTION, deadline now + period (art. 6).
     *
     * Requirements: caller the project's active UNIT; project in APPROVED.
     *
     * Emits {ConstructionStarted}.
     */
    function startConstruction(bytes32 code) external {
        Project storage p = _checkUnit(code);
        _checkTransition(code, State.APPROVED, State.UNDER_CONSTRUCTION);
        uint64 deadline = uint64(block.timestamp + uint256(p.periodDays) * 1 days);
        p.state = State.UNDER_CONSTRUCTION;
        p.constructionStartedAt = uint64(block.timestamp);
        p.constructionDeadline = deadline;
        emit ConstructionStarted(code, msg.sender, deadline, State.APPROVED, State.UNDER_CONSTRUCTION);
        _sync(code, p);
    }

    /**
     * @dev Files the progress report `reportDigest` for the current 90-day window (art. 18).
     * Windows are `[start + k * QUARTER, start + (k + 1) * QUARTER)`; reports stop being required
     * once the project is accepted.
     *
     * Requirements: caller the project's active UNIT; `reportDigest` non-zero; project in
     * UNDER_CONSTRUCTION and not accepted; no report yet in this window.
     *
     * Emits {ProgressReported}.
     */
    function reportProgress(bytes32 code, bytes32 reportDigest) external {
        Project storage p = _checkUnit(code);
        _checkDigest(reportDigest);
        _checkNotAccepted(_checkState(code, State.UNDER_CONSTRUCTION), code);
        uint32 window = p.reportWindow(code);
        p.progressReports += 1;
        p.lastReportWindow = window + 1;
        p.lastProgressAt = uint64(block.timestamp);
        emit ProgressReported(code, msg.sender, window, reportDigest);
    }

    /**
     * @dev Records acceptance (验收), organised by the unit (art. 21), of the latest acceptance
     * catalog, with the declared -> acceptance change ratio `ratioBp` and the diff's digest; the
     * warranty starts.
     *
     * Requirements: caller the project's active UNIT; `diffDigest` non-zero; project in
     * UNDER_CONSTRUCTION, not accepted; the ledger says acceptance is ready (declared and acceptance
     * catalogs anchored, all five steps for every resource: `GateStepMissing` names the first
     * missing); `ratioBp <= MAX_BP` ({ProjectInvalidRatio}); a change (`ratioBp > 0`) up to
     * MAX_FILING_BP filed by the unit or approved by the REVIEWER with at least `ratioBp`
     * ({ProjectChangeNotFiled}), above MAX_FILING_BP approved with at least `ratioBp`
     * ({ProjectChangeNotApproved}) (art. 16).
     *
     * The ledger is told (ACCEPTED): from now on it refuses new acceptance catalog versions, so the
     * accepted version stays the latest (`CatalogAcceptanceAfterAcceptance`).
     *
     * Emits {ProjectAccepted}.
     */
    function accept(bytes32 code, uint16 ratioBp, bytes32 diffDigest) external {
        Project storage p = _checkUnit(code);
        _checkDigest(diffDigest);
        _checkNotAccepted(_checkState(code, State.UNDER_CONSTRUCTION), code);
        ICatalogLedger ledger = _wiredLedger();
        uint32 version = ledger.requireAcceptanceReady(code);
        p.checkAcceptanceChange(code, ratioBp);
        p.acceptedAt = uint64(block.timestamp);
        p.acceptedCatalogVersion = version;
        p.acceptedChangeBp = ratioBp;
        p.acceptedDiffDigest = diffDigest;
        emit ProjectAccepted(
            code, msg.sender, version, ratioBp, diffDigest, p.warrantyEndsAt(), p.commissionDeadline()
        );
        ledger.syncMilestone(code, ICatalogLedger.Milestone.ACCEPTED);
    }

    /**
     * @dev Applies for the commissioning review (投入使用评审), within COMMISSION_WINDOW of acceptance (art. 23).
     *
     * Requirements: caller the project's active UNIT; project in UNDER_CONSTRUCTION, accepted,
     * not applied yet; now <= acceptedAt + COMMISSION_WINDOW (else {ProjectCommissionTooLate}).
     *
     * Emits {CommissionApplied}.
     */
    function applyCommission(bytes32 code) external {
        Project storage p = _checkUnit(code);
        _checkState(code, State.UNDER_CONSTRUCTION);
        if (p.acceptedAt == 0) revert ProjectNotAccepted(code);
        if (p.commissionAppliedAt != 0) revert ProjectCommissionAlreadyApplied(code, p.commissionAppliedAt);
        p.checkCommissionWindow(code);
        p.commissionAppliedAt = uint64(block.timestamp);
        emit CommissionApplied(code, msg.sender, uint64(block.timestamp));
    }

    /**
     * @dev Passes the commissioning review: UNDER_CONSTRUCTION -> OPERATION (art. 24).
     *
     * Requirements: caller an active REVIEWER; project in UNDER_CONSTRUCTION, applied for
     * commissioning, with a passed technical review; the ledger's commissioning check holds: the
     * accepted acceptance catalog is still the latest (`GateConfirmationsReset`) and complete
     * (both guaranteed since acceptance closes the acceptance catalog; checked defensively).
     *
     * Emits {ProjectCommissioned}.
     */
    function commission(bytes32 code) external onlyRole(Roles.REVIEWER) {
        Project storage p = _checkTransition(code, State.UNDER_CONSTRUCTION, State.OPERATION);
        if (p.commissionAppliedAt == 0) revert ProjectCommissionNotApplied(code);
        p.checkPassed(code);
        ICatalogLedger ledger = _wiredLedger();
        ledger.requireCommissionReady(code, p.acceptedCatalogVersion);
        p.state = State.OPERATION;
        p.operationAt = uint64(block.timestamp);
        emit ProjectCommissioned(code, msg.sender, State.UNDER_CONSTRUCTION, State.OPERATION);
        ledger.syncProject(code, p.unit, State.OPERATION);
    }

    /**
     * @dev Submits the performance self-evaluation `reportDigest`, 12-15 months after going into
     * operation (art. 30): in `[operationAt + SELF_EVALUATION_OPENS, operationAt + SELF_EVALUATION_CLOSES]`.
     *
     * Requirements: caller the project's active UNIT; `reportDigest` non-zero; project in
     * OPERATION; not submitted yet; inside the window (else too-early / too-late errors).
     *
     * Emits {SelfEvaluationSubmitted}.
     */
    function submitSelfEvaluation(bytes32 code, bytes32 reportDigest) external {
        Project storage p = _checkUnit(code);
        _checkDigest(reportDigest);
        _checkState(code, State.OPERATION);
        if (p.selfEvaluatedAt != 0) revert ProjectSelfEvaluationAlreadySubmitted(code, p.selfEvaluatedAt);
        p.checkSelfEvaluationWindow(code);
        p.selfEvaluatedAt = uint64(block.timestamp);
        p.selfEvaluationDigest = reportDigest;
        emit SelfEvaluationSubmitted(code, msg.sender, reportDigest);
    }

    /**
     * @dev Terminates the project from any live state (art. 6).
     *
     * Requirements: caller an active REVIEWER; `reason` non-empty; project exists, not TERMINATED.
     *
     * Emits {ProjectTerminated}.
     */
    function terminate(bytes32 code, string calldata reason) external onlyRole(Roles.REVIEWER) {
        if (bytes(reason).length == 0) revert ProjectEmptyReason();
        Project storage p = _checkExists(code);
        State from = p.state;
        if (from == State.TERMINATED) revert ProjectInvalidTransition(code, from, State.TERMINATED);
        p.state = State.TERMINATED;
        p.terminatedAt = uint64(block.timestamp);
        emit ProjectTerminated(code, msg.sender, from, State.TERMINATED, reason);
        _sync(code, p);
    }

    /**
     * @dev Files (备案) a change of `ratioBp` basis points with its evidence (art. 16).
     *
     * Requirements: caller the project's active UNIT; `ratioBp <= MAX_FILING_BP` (else
     * {ProjectChangeNeedsApproval}; above MAX_BP {ProjectInvalidRatio}); `evidenceDigest` non-zero;
     * project in APPROVED or UNDER_CONSTRUCTION.
     *
     * Emits {ChangeFiled}.
     */
    function fileChange(bytes32 code, uint16 ratioBp, bytes32 evidenceDigest) external {
        Project storage p = _checkUnit(code);
        _checkChange(code, ratioBp, evidenceDigest, true);
        p.lastFiledChangeBp = ratioBp;
        emit ChangeFiled(code, msg.sender, ratioBp, evidenceDigest);
    }

    /**
     * @dev Approves a change of `ratioBp` basis points with its evidence (art. 16).
     *
     * Requirements: caller an active REVIEWER; `ratioBp <= MAX_BP`; `evidenceDigest` non-zero;
     * project in APPROVED or UNDER_CONSTRUCTION.
     *
     * Emits {ChangeApproved}.
     */
    function approveChange(bytes32 code, uint16 ratioBp, bytes32 evidenceDigest) external onlyRole(Roles.REVIEWER) {
        Project storage p = _checkChange(code, ratioBp, evidenceDigest, false);
        p.lastApprovedChangeBp = ratioBp;
        emit ChangeApproved(code, msg.sender, ratioBp, evidenceDigest);
    }

    /**
     * @dev Records the working days of Beijing days `[wordIndex * 255, wordIndex * 255 + 255)` (the
     * State Council's holiday arrangement, make-up workdays included), so deadlines in working days
     * (art. 31) are computed on chain. A word may be re-recorded (e.g. once a year's arrangement is
     * published); deadlines already computed keep their value.
     *
     * Requirements: caller an active REVIEWER; bit 255 of `workdays` set ({WorkCalendarInvalid}).
     *
     * Emits {WorkCalendarSet}.
     */
    function setWorkCalendar(uint32 wordIndex, uint256 workdays) external onlyRole(Roles.REVIEWER) {
        if (workdays >> CALENDAR_WORD_DAYS != 1) revert WorkCalendarInvalid(wordIndex, workdays);
        _calendar[wordIndex] = workdays;
        emit WorkCalendarSet(wordIndex, msg.sender, workdays);
    }

    /**
     * @dev Records EITB's performance evaluation report `reportDigest` of a project in operation
     * (art. 31) and computes, from the recorded calendar, the rectification plan's deadline: the
     * last second (Beijing time) of the 60th working day after the report's day. Replaces the
     * previous report and its plan.
     *
     * Requirements: caller an active REVIEWER; `reportDigest` non-zero; project in OPERATION; the
     * calendar recorded far enough ({WorkCalendarMissing} names the first unrecorded day).
     *
     * Emits {EvaluationReported}.
     */
    function recordEvaluationReport(bytes32 code, bytes32 reportDigest) external onlyRole(Roles.REVIEWER) {
        _checkDigest(reportDigest);
        _checkState(code, State.OPERATION);
        uint64 dueAt = rectificationDeadline(uint64(block.timestamp));
        _evaluations[code] = Evaluation(reportDigest, uint64(block.timestamp), dueAt, 0, bytes32(0));
        emit EvaluationReported(code, msg.sender, reportDigest, dueAt);
    }

    /**
     * @dev Submits the unit's rectification plan `planDigest` for the latest evaluation report,
     * by its deadline (art. 31).
     *
     * Requirements: caller the project's active UNIT; `planDigest` non-zero; a report recorded
     * ({ProjectNoEvaluationReport}); no plan submitted for it yet
     * ({ProjectRectificationAlreadySubmitted}); `block.timestamp <= rectificationDueAt`
     * ({ProjectRectificationTooLate}).
     *
     * Emits {RectificationPlanSubmitted}.
     */
    function submitRectificationPlan(bytes32 code, bytes32 planDigest) external {
        _checkUnit(code);
        _checkDigest(planDigest);
        Evaluation storage e = _evaluations[code];
        if (e.reportedAt == 0) revert ProjectNoEvaluationReport(code);
        if (e.planSubmittedAt != 0) revert ProjectRectificationAlreadySubmitted(code, e.planSubmittedAt);
        if (block.timestamp > e.rectificationDueAt) {
            revert ProjectRectificationTooLate(code, e.rectificationDueAt, block.timestamp);
        }
        e.planSubmittedAt = uint64(block.timestamp);
        e.planDigest = planDigest;
        emit RectificationPlanSubmitted(code, msg.sender, planDigest);
    }

    // ---------------------------------------------------------------- views

    /// @dev The latest evaluation report of `code` and its rectification plan (zeros when none).
    function evaluation(bytes32 code) external view returns (Evaluation memory) {
        return _evaluations[code];
    }

    /// @dev Calendar word `wordIndex` (0 when not recorded); see {setWorkCalendar}.
    function workCalendar(uint32 wordIndex) external view returns (uint256) {
        return _calendar[wordIndex];
    }

    /// @dev The rectification deadline of a report made at `reportedAt`: the last second (Beijing
    /// time) of the 60th working day after its Beijing day. Reverts {WorkCalendarMissing} naming
    /// the first day the calendar does not cover.
    function rectificationDeadline(uint64 reportedAt) public view returns (uint64) {
        uint256 day = (uint256(reportedAt) + BEIJING_OFFSET) / 1 days;
        uint256 left = RECTIFICATION_WORKDAYS;
        uint32 loaded = type(uint32).max;
        uint256 bits;
        while (left != 0) {
            ++day;
            uint32 w = uint32(day / CALENDAR_WORD_DAYS);
            if (w != loaded) {
                bits = _calendar[w];
                loaded = w;
                if (bits == 0) revert WorkCalendarMissing(uint32(day));
            }
            if ((bits >> (day % CALENDAR_WORD_DAYS)) & 1 == 1) --left;
        }
        return uint64((day + 1) * 1 days - BEIJING_OFFSET - 1);
    }


    /// @dev The full record of `code` (all zero when unknown).
    function project(bytes32 code) external view returns (Project memory) {
        return _projects[code];
    }

    /// @dev The state of `code` (NONE when unknown).
    function stateOf(bytes32 code) external view returns (State) {
        return _projects[code].state;
    }

    /// @dev The unit account of `code` (zero when unknown).
    function unitOf(bytes32 code) external view returns (address) {
        return _projects[code].unit;
    }

    /// @dev True iff project `code` was created.
    function exists(bytes32 code) external view returns (bool) {
        return _projects[code].state != State.NONE;
    }

    /**
     * @dev Quarterly reporting status (art. 18). A 90-day window that ended before now (or before
     * acceptance / termination, when reports stopped) without a report is missed; `nextDueAt` is
     * the end of the earliest window still open that lacks a report (0 when reports are not due).
     */
    function progressStatus(bytes32 code)
        external
        view
        returns (uint64 nextDueAt, uint32 missedQuarters, bool overdue)
    {
        return _projects[code].progressStatus();
    }

    /// @dev End of the free warranty, acceptedAt + WARRANTY (0 before acceptance) (art. 21, 28).
    function warrantyEndsAt(bytes32 code) external view returns (uint64) {
        return _projects[code].warrantyEndsAt();
    }

    /// @dev Last moment to apply for commissioning, acceptedAt + COMMISSION_WINDOW (0 before acceptance).
    function commissionDeadline(bytes32 code) external view returns (uint64) {
        return _projects[code].commissionDeadline();
    }

    /// @dev The self-evaluation window (inclusive bounds; zeros before operation).
    function selfEvaluationWindow(bytes32 code) external view returns (uint64 opensAt, uint64 closesAt) {
        return _projects[code].selfEvaluationWindow();
    }

    /// @dev The Members contract.
    function members() external view returns (address) {
        return address(_members);
    }

    /// @dev The wired catalog ledger (zero before {setCatalogLedger}).
    function catalogLedger() external view returns (address) {
        return address(_ledger);
    }

    // ---------------------------------------------------------------- internal

    function _checkRole(bytes32 role, address account) internal view {
        if (!_members.hasActiveRole(role, account)) revert ProjectUnauthorized(account, role);
    }

    /// @dev The caller is the active UNIT registered for `code`.
    function _checkUnit(bytes32 code) internal view returns (Project storage p) {
        _checkRole(Roles.UNIT, msg.sender);
        p = _checkExists(code);
        if (p.unit != msg.sender) revert ProjectNotUnit(code, msg.sender, p.unit);
    }

    function _checkExists(bytes32 code) internal view returns (Project storage p) {
        p = _projects[code];
        if (p.state == State.NONE) revert ProjectUnknown(code);
    }

    function _checkState(bytes32 code, State expected) internal view returns (Project storage p) {
        p = _checkExists(code);
        if (p.state != expected) revert ProjectInvalidState(code, p.state);
    }

    function _checkTransition(bytes32 code, State from, State to) internal view returns (Project storage p) {
        p = _checkExists(code);
        if (p.state != from) revert ProjectInvalidTransition(code, p.state, to);
    }

    function _checkNotAccepted(Project storage p, bytes32 code) internal view {
        if (p.acceptedAt != 0) revert ProjectAlreadyAccepted(code, p.acceptedAt);
    }

    /// @dev A change filing (`filing`) or approval may be recorded: ratio, evidence, state (art. 16).
    function _checkChange(bytes32 code, uint16 ratioBp, bytes32 evidenceDigest, bool filing)
        internal
        view
        returns (Project storage p)
    {
        ProjectRules.checkChangeRatio(code, ratioBp, filing);
        _checkDigest(evidenceDigest);
        p = _checkExists(code);
        if (p.state != State.APPROVED && p.state != State.UNDER_CONSTRUCTION) revert ProjectInvalidState(code, p.state);
    }

    function _checkDigest(bytes32 digest) internal pure {
        if (digest == bytes32(0)) revert ProjectZeroDigest();
    }

    function _wiredLedger() internal view returns (ICatalogLedger ledger) {
        ledger = _ledger;
        if (address(ledger) == address(0)) revert ProjectLedgerNotWired();
    }

    /// @dev Pushes the new state of `code` to the ledger, which keeps a mirror for cheap anchors.
    function _sync(bytes32 code, Project storage p) internal {
        _wiredLedger().syncProject(code, p.unit, p.state);
    }

    /// @dev The one-word answer of `target` to the view call `data`; `answered` is false when the
    /// call reverts or returns anything but one word (an account without code, a contract without
    /// that view), so a wrong address is refused by name, not with the empty revert of a call.
    function _askWord(address target, bytes memory data) private view returns (bool answered, uint256 word) {
        (bool ok, bytes memory ret) = target.staticcall(data);
        if (ok && ret.length == 32) return (true, abi.decode(ret, (uint256)));
    }
}
