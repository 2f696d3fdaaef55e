// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IProjectLibrary} from "./interfaces/IProjectLibrary.sol";

/**
 * @dev The time rules and input rules of the project library (DOMAIN.md "Time rules", art. 15,
 * 16, 18, 23, 30), one check per rule, each reverting with its own named error that carries the
 * deadline and `block.timestamp`. Times are unix seconds.
 */
library ProjectRules {
    /// @dev Technical review opinion validity (art. 15: 1 year).
    uint256 internal constant OPINION_VALIDITY = 365 days;
    /// @dev Maximum one-time extension of an expired opinion, days (art. 15: 6 months).
    uint32 internal constant MAX_EXTENSION_DAYS = 183;
    /// @dev Maximum construction period set by funding, days (5 years; a sanity bound, not a rule).
    uint32 internal constant MAX_PERIOD_DAYS = 1825;
    /// @dev Progress reporting window while under construction (art. 6, 18: quarterly).
    uint256 internal constant QUARTER = 90 days;
    /// @dev Free warranty from acceptance (art. 21: at least 2 years).
    uint256 internal constant WARRANTY = 730 days;
    /// @dev Commissioning application deadline after acceptance (art. 23: 6 months).
    uint256 internal constant COMMISSION_WINDOW = 183 days;
    /// @dev Self-evaluation window after going into operation (art. 30: 12-15 months), inclusive.
    uint256 internal constant SELF_EVALUATION_OPENS = 365 days;
    uint256 internal constant SELF_EVALUATION_CLOSES = 456 days;
    /// @dev Largest change the unit may file without EITB approval (art. 16: 15%), basis points.
    uint16 internal constant MAX_FILING_BP = 1500;
    uint16 internal constant MAX_BP = 10000;

    /// @dev Printable ASCII (0x21-0x7E), left-aligned, zero-padded, non-empty.
    function checkCode(bytes32 code) internal pure {
        if (code == bytes32(0)) revert IProjectLibrary.ProjectInvalidCode(code);
        bool padding = false;
        for (uint256 i = 0; i < 32; ++i) {
            uint8 c = uint8(code[i]);
            if (c == 0) padding = true;
            else if (padding || c < 0x21 || c > 0x7E) revert IProjectLibrary.ProjectInvalidCode(code);
        }
    }

    /// @dev A technical review opinion was passed.
    function checkPassed(IProjectLibrary.Project storage p, bytes32 code) internal view {
        if (p.opinionPassedAt == 0) revert IProjectLibrary.ProjectReviewNotPassed(code);
    }

    /// @dev The opinion is valid now (`now <= opinionExpiresAt`), as funding needs (art. 14, 15).
    function checkOpinionValid(IProjectLibrary.Project storage p, bytes32 code) internal view {
        checkPassed(p, code);
        if (block.timestamp > p.opinionExpiresAt) {
            revert IProjectLibrary.ProjectOpinionExpired(code, p.opinionExpiresAt, block.timestamp);
        }
    }

    /// @dev The new expiry of a one-time extension by `extensionDays`, counted from the old expiry:
    /// only after the opinion ran out, at most MAX_EXTENSION_DAYS, and ending after now (art. 15).
    function extendedExpiry(IProjectLibrary.Project storage p, bytes32 code, uint32 extensionDays)
        internal
        view
        returns (uint64 expiresAt)
    {
        if (extensionDays == 0 || extensionDays > MAX_EXTENSION_DAYS) {
            revert IProjectLibrary.ProjectInvalidExtension(extensionDays, MAX_EXTENSION_DAYS);
        }
        checkPassed(p, code);
        if (p.extended) revert IProjectLibrary.ProjectReviewAlreadyExtended(code);
        if (block.timestamp <= p.opinionExpiresAt) {
            revert IProjectLibrary.ProjectOpinionStillValid(code, p.opinionExpiresAt, block.timestamp);
        }
        expiresAt = p.opinionExpiresAt + uint64(extensionDays) * 1 days;
        if (expiresAt <= block.timestamp) {
            revert IProjectLibrary.ProjectExtensionTooLate(code, expiresAt, block.timestamp);
        }
    }

    /// @dev `1 <= periodDays <= MAX_PERIOD_DAYS`.
    function checkPeriod(uint32 periodDays) internal pure {
        if (periodDays == 0 || periodDays > MAX_PERIOD_DAYS) {
            revert IProjectLibrary.ProjectInvalidPeriod(periodDays, MAX_PERIOD_DAYS);
        }
    }

    /// @dev The current 90-day window `[start + k * QUARTER, start + (k + 1) * QUARTER)`, which
    /// must not have its report yet (art. 18).
    function reportWindow(IProjectLibrary.Project storage p, bytes32 code) internal view returns (uint32 window) {
        window = uint32((block.timestamp - p.constructionStartedAt) / QUARTER);
        if (p.lastReportWindow == window + 1) {
            revert IProjectLibrary.ProjectProgressAlreadyReported(code, window, windowEnd(p, window));
        }
    }

    /// @dev The application comes within COMMISSION_WINDOW of acceptance (art. 23).
    function checkCommissionWindow(IProjectLibrary.Project storage p, bytes32 code) internal view {
        uint64 deadline = commissionDeadline(p);
        if (block.timestamp > deadline) {
            revert IProjectLibrary.ProjectCommissionTooLate(code, deadline, block.timestamp);
        }
    }

    /// @dev Now is inside the self-evaluation window (art. 30).
    function checkSelfEvaluationWindow(IProjectLibrary.Project storage p, bytes32 code) internal view {
        (uint64 opensAt, uint64 closesAt) = selfEvaluationWindow(p);
        if (block.timestamp < opensAt) {
            revert IProjectLibrary.ProjectSelfEvaluationTooEarly(code, opensAt, block.timestamp);
        }
        if (block.timestamp > closesAt) {
            revert IProjectLibrary.ProjectSelfEvaluationTooLate(code, closesAt, block.timestamp);
        }
    }

    /// @dev `ratioBp <= MAX_BP`, and for a filing (not an approval) `ratioBp <= MAX_FILING_BP` (art. 16).
    function checkChangeRatio(bytes32 code, uint16 ratioBp, bool filing) internal pure {
        if (ratioBp > MAX_BP) revert IProjectLibrary.ProjectInvalidRatio(ratioBp);
        if (filing && ratioBp > MAX_FILING_BP) {
            revert IProjectLibrary.ProjectChangeNeedsApproval(code, ratioBp, MAX_FILING_BP);
        }
    }

    /// @dev The declared -> acceptance change ratio at acceptance (art. 16, 21): `ratioBp <= MAX_BP`;
    /// no change (0) needs nothing; up to MAX_FILING_BP the last filing or the last approval covers
    /// at least `ratioBp` (an approval covers a filing's ratio too); above it the last approval does.
    function checkAcceptanceChange(IProjectLibrary.Project storage p, bytes32 code, uint16 ratioBp) internal view {
        if (ratioBp > MAX_BP) revert IProjectLibrary.ProjectInvalidRatio(ratioBp);
        if (ratioBp == 0) return;
        uint16 approvedBp = p.lastApprovedChangeBp;
        if (ratioBp > MAX_FILING_BP) {
            if (approvedBp < ratioBp) revert IProjectLibrary.ProjectChangeNotApproved(code, ratioBp, approvedBp);
            return;
        }
        uint16 filedBp = p.lastFiledChangeBp;
        uint16 coveredBp = filedBp > approvedBp ? filedBp : approvedBp;
        if (coveredBp < ratioBp) revert IProjectLibrary.ProjectChangeNotFiled(code, ratioBp, coveredBp);
    }

    /// @dev See {IProjectLibrary-progressStatus}.
    function progressStatus(IProjectLibrary.Project storage p)
        internal
        view
        returns (uint64 nextDueAt, uint32 missedQuarters, bool overdue)
    {
        if (p.constructionStartedAt == 0) return (0, 0, false);
        uint256 end = block.timestamp; // reports stop at acceptance or termination
        if (p.acceptedAt != 0) end = p.acceptedAt;
        else if (p.state == IProjectLibrary.State.TERMINATED) end = p.terminatedAt;
        uint256 ended = (end - p.constructionStartedAt) / QUARTER; // windows 0 .. ended-1 are over
        bool currentReported = p.lastReportWindow == ended + 1; // at most one report per window
        missedQuarters = uint32(ended - (p.progressReports - (currentReported ? 1 : 0)));
        overdue = missedQuarters > 0;
        if (p.state == IProjectLibrary.State.UNDER_CONSTRUCTION && p.acceptedAt == 0) {
            nextDueAt = windowEnd(p, ended + (currentReported ? 1 : 0));
        }
    }

    /// @dev End of window `window` (exclusive).
    function windowEnd(IProjectLibrary.Project storage p, uint256 window) internal view returns (uint64) {
        return uint64(p.constructionStartedAt + (window + 1) * QUARTER);
    }

    /// @dev acceptedAt + WARRANTY (0 before acceptance).
    function warrantyEndsAt(IProjectLibrary.Project storage p) internal view returns (uint64) {
        return p.acceptedAt == 0 ? 0 : p.acceptedAt + uint64(WARRANTY);
    }

    /// @dev acceptedAt + COMMISSION_WINDOW (0 before acceptance).
    function commissionDeadline(IProjectLibrary.Project storage p) internal view returns (uint64) {
        return p.acceptedAt == 0 ? 0 : p.acceptedAt + uint64(COMMISSION_WINDOW);
    }

    /// @dev [operationAt + SELF_EVALUATION_OPENS, operationAt + SELF_EVALUATION_CLOSES] (zeros before operation).
    function selfEvaluationWindow(IProjectLibrary.Project storage p)
        internal
        view
        returns (uint64 opensAt, uint64 closesAt)
    {
        uint64 operationAt = p.operationAt;
        if (operationAt == 0) return (0, 0);
        return (operationAt + uint64(SELF_EVALUATION_OPENS), operationAt + uint64(SELF_EVALUATION_CLOSES));
    }
}
