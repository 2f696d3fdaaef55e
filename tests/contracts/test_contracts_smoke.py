"""Smoke test of the four contracts with plain web3.py on eth-tester (no chain_client).

Deploys Members (3 governors, threshold 2) -> ProjectLibrary -> CatalogLedger -> Confirmations
(off-chain 确权 mode: signatures are range-checked and recorded), admits members
through governance, walks one project RESERVE -> OPERATION with time travel, and checks a few
refusals by the 4-byte selector of the named error. Prints the gas of every step (``-s``).
The lead's behaviour suite (tests/chain) covers the full role x function x state matrix.
"""

from __future__ import annotations

import ast
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.providers.eth_tester import EthereumTesterProvider

ARTIFACTS = Path(__file__).resolve().parents[2] / "contracts" / "artifacts"
DAY = 86_400

# SM2 recommended curve (GB/T 32918.5)
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)

ADMIT, SET_ROLES, ROTATE_KEY, REVOKE = range(4)
NONE, RESERVE, UNDER_REVIEW, APPROVED, UNDER_CONSTRUCTION, OPERATION, TERMINATED = range(7)
DECLARED, ACCEPTANCE = 0, 1


def _add(p1: tuple[int, int] | None, p2: tuple[int, int] | None) -> tuple[int, int] | None:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and (p1[1] + p2[1]) % P == 0:
        return None
    if p1 == p2:
        lam = (3 * p1[0] * p1[0] + A) * pow(2 * p1[1], -1, P) % P
    else:
        lam = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, P) % P
    x = (lam * lam - p1[0] - p2[0]) % P
    return x, (lam * (p1[0] - x) - p1[1]) % P


def sm2_public_key() -> bytes:
    """x || y of k*G for a random k (a naive double-and-add; test helper only)."""
    k = secrets.randbelow(N - 1) + 1
    result, addend = None, G
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    assert result is not None
    x, y = result
    assert (y * y - (x * x * x + A * x + B)) % P == 0
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def role(name: str) -> bytes:
    return keccak(text=f"{name}_ROLE")


def code_of(text: str) -> bytes:
    return text.encode("ascii").ljust(32, b"\0")


ZERO = "0x" + "00" * 20


def confirm_all(
    world: dict[str, Any], code: bytes, version: int, count: int, d: bytes, r: bytes
) -> None:
    """Every step for every resource (off-chain mode: any in-range r, s is recorded)."""
    chain, c = world["chain"], world["confirmations"].functions
    platform, unit = world["platform"], world["unit"]
    idx = list(range(count))
    chain.send(c.confirmSteps(code, version, CLOUD, idx), platform, f"confirmSteps {count}")
    chain.send(c.confirmSteps(code, version, INTERFACE, idx), platform)
    chain.send(
        c.confirmUpdates(code, version, idx, [chain.now()] * count),
        platform,
        f"confirmUpdates {count}",
    )
    one = (1).to_bytes(32, "big")
    chain.send(
        c.confirmOwnership(code, version, idx, d, r, one, one),
        unit,
        f"confirmOwnership {count} (off-chain)",
    )


def digest() -> bytes:
    return secrets.token_bytes(32)


def _artifact(name: str) -> dict[str, Any]:
    return json.loads((ARTIFACTS / f"{name}.json").read_text(encoding="utf-8"))


CONTRACT_NAMES = ("Members", "ProjectLibrary", "CatalogLedger", "Confirmations")
CLOUD, UPDATE, CHAIN, OWNERSHIP, INTERFACE = range(5)


def _error_selectors() -> dict[str, bytes]:
    selectors: dict[str, bytes] = {}
    for name in CONTRACT_NAMES:
        for item in _artifact(name)["abi"]:
            if item["type"] == "error":
                sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                selectors[item["name"]] = keccak(text=sig)[:4]
    return selectors


ERRORS = _error_selectors()
GAS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _gas_table() -> Iterator[None]:
    """Print the gas this process measured when the module ends (``-s`` shows it; under ``-n``
    a worker has only its share). The bounds are asserted where each figure is measured."""
    yield
    for label, gas in GAS.items():
        print(f"{label:40s} {gas:>9,d}")


class Chain:
    def __init__(self) -> None:
        genesis = PyEVMBackend.generate_genesis_state(num_accounts=12)
        self.tester = EthereumTester(PyEVMBackend(genesis_state=genesis))
        self.w3 = Web3(EthereumTesterProvider(self.tester))
        self.accounts = self.w3.eth.accounts

    def deploy(self, name: str, sender: str, *args: Any) -> Any:
        art = _artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        receipt = self.w3.eth.wait_for_transaction_receipt(
            factory.constructor(*args).transact({"from": sender})
        )
        GAS[f"deploy {name}"] = receipt.gasUsed
        return self.w3.eth.contract(address=receipt.contractAddress, abi=art["abi"])

    def send(self, fn: Any, sender: str, label: str | None = None) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(
            fn.transact({"from": sender, "gas": 3_000_000})
        )
        assert receipt.status == 1
        if label:
            GAS[label] = receipt.gasUsed
        return receipt

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.tester.time_travel(self.now() + seconds)
        self.tester.mine_blocks(1)


def revert_data(exc: BaseException) -> bytes:
    """The revert data of a failed call: web3's ``data`` or eth-tester's ``b'...'`` repr."""
    if isinstance(exc, ContractLogicError) and isinstance(exc.data, str):
        return bytes.fromhex(exc.data.removeprefix("0x"))
    if isinstance(exc, TransactionFailed):
        text = str(exc).removeprefix("execution reverted: ")
        value = ast.literal_eval(text)
        assert isinstance(value, bytes), text
        return value
    raise AssertionError(f"no revert data: {exc!r}")


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def expect_revert(error: str, fn: Any, sender: str, *, args: tuple[Any, ...] | None = None) -> None:
    """The transaction reverts with the custom error ``error`` (by selector, optionally by args)."""
    with pytest.raises((ContractLogicError, TransactionFailed)) as info:
        fn.transact({"from": sender})
    raw = revert_data(info.value)
    got = next((n for n, s in ERRORS.items() if s == raw[:4]), raw[:4].hex())
    assert raw[:4] == ERRORS[error], f"expected {error}, got {got}"
    if args is not None:
        from eth_abi import decode

        item = next(
            i
            for name in CONTRACT_NAMES
            for i in _artifact(name)["abi"]
            if i["type"] == "error" and i["name"] == error
        )
        got_args = decode([i["type"] for i in item["inputs"]], raw[4:])
        assert tuple(_norm(v) for v in got_args) == tuple(_norm(v) for v in args), error


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    chain = Chain()
    acc = chain.accounts
    governors = acc[0:3]
    names = {
        "reviewer": acc[3],
        "crypto": acc[4],
        "funder": acc[5],
        "unit": acc[6],
        "unit2": acc[7],
        "unit3": acc[9],
        "platform": acc[10],
    }
    outsider = acc[8]
    members = chain.deploy(
        "Members",
        acc[0],
        governors,
        ["EITB", "DRC", "Finance"],
        [sm2_public_key() for _ in governors],
        2,
    )
    library = chain.deploy("ProjectLibrary", acc[0], members.address)
    ledger = chain.deploy("CatalogLedger", acc[0], members.address, library.address)
    confirmations = chain.deploy(
        "Confirmations", acc[0], members.address, library.address, ledger.address, ZERO
    )
    expect_revert(
        "CatalogNotDeployer",
        ledger.functions.setConfirmations(confirmations.address),
        acc[1],
        args=(acc[1], acc[0]),
    )
    expect_revert(
        "CatalogConfirmationsMismatch", ledger.functions.setConfirmations(library.address), acc[0]
    )
    chain.send(ledger.functions.setConfirmations(confirmations.address), acc[0])
    expect_revert(
        "CatalogConfirmationsAlreadyWired",
        ledger.functions.setConfirmations(confirmations.address),
        acc[0],
    )
    # the library refuses to run ledger-dependent steps before wiring
    chain.send(library.functions.setCatalogLedger(ledger.address), acc[0], "setCatalogLedger")
    expect_revert(
        "ProjectLedgerAlreadyWired", library.functions.setCatalogLedger(ledger.address), acc[0]
    )

    roles = {
        "reviewer": "REVIEWER",
        "crypto": "CRYPTO",
        "funder": "FUNDER",
        "unit": "UNIT",
        "unit2": "UNIT",
        "unit3": "UNIT",
        "platform": "PLATFORM",
    }
    for who, r in roles.items():
        fn = members.functions.propose(ADMIT, names[who], who, [role(r)], sm2_public_key())
        pid = fn.call({"from": governors[0]})
        chain.send(fn, governors[0], "propose ADMIT")
        expect_revert(
            "MembersNotEnoughApprovals",
            members.functions.execute(pid),
            governors[1],
            args=(pid, 1, 2),
        )
        chain.send(members.functions.approve(pid), governors[1], "approve")
        chain.send(members.functions.execute(pid), governors[2], "execute ADMIT")
        assert members.functions.hasActiveRole(role(r), names[who]).call()
        assert not members.functions.hasActiveRole(role("GOVERNOR"), names[who]).call()
    # the ledger caches "active UNIT" per account, so Members must push changes to it first
    create = library.functions.createProject(code_of("BJ-EARLY"), names["unit"], "early")
    expect_revert("CatalogNotObserving", create, names["reviewer"], args=(members.address,))
    chain.send(members.functions.setObserver(ledger.address), acc[0], "setObserver")
    expect_revert(
        "MembersObserverAlreadySet", members.functions.setObserver(ledger.address), acc[0]
    )
    return {
        "chain": chain,
        "members": members,
        "library": library,
        "ledger": ledger,
        "confirmations": confirmations,
        "gov": governors,
        "outsider": outsider,
        **names,
    }


def test_governance_refusals(world: dict[str, Any]) -> None:
    members, gov, outsider = world["members"], world["gov"], world["outsider"]
    key = sm2_public_key()
    bad = key[:63] + bytes([key[63] ^ 1])
    expect_revert(
        "MembersKeyNotOnCurve",
        members.functions.propose(ADMIT, outsider, "X", [role("UNIT")], bad),
        gov[0],
    )
    expect_revert(
        "MembersInvalidKeyLength",
        members.functions.propose(ADMIT, outsider, "X", [role("UNIT")], key[:33]),
        gov[0],
    )
    expect_revert(
        "MembersUnauthorized",
        members.functions.propose(ADMIT, outsider, "X", [role("UNIT")], key),
        outsider,
        args=(outsider, role("GOVERNOR")),
    )
    expect_revert(
        "MembersUnauthorized",
        members.functions.propose(ADMIT, outsider, "X", [role("UNIT")], key),
        world["reviewer"],
    )
    expect_revert(
        "MembersAlreadyMember",
        members.functions.propose(ADMIT, world["unit"], "X", [role("UNIT")], key),
        gov[0],
    )
    expect_revert(
        "MembersUnknownRole",
        members.functions.propose(ADMIT, outsider, "X", [keccak(text="x")], key),
        gov[0],
    )
    expect_revert(
        "MembersNotActive", members.functions.propose(REVOKE, outsider, "", [], b""), gov[0]
    )
    for fn in ("grantRole", "revokeRole", "renounceRole"):
        expect_revert(
            "MembersGovernanceOnly", getattr(members.functions, fn)(role("UNIT"), outsider), gov[0]
        )


def test_key_rotation_and_revocation(world: dict[str, Any]) -> None:
    chain, members, gov, ledger = world["chain"], world["members"], world["gov"], world["ledger"]
    unit2 = world["unit2"]
    code = code_of(f"BJ-R-{secrets.token_hex(4)}")
    chain.send(world["library"].functions.createProject(code, unit2, "rotated"), world["reviewer"])
    chain.send(ledger.functions.anchor(code, DECLARED, 1, digest(), digest(), 2), unit2)
    assert (
        ledger.functions.activeUnitId(unit2).call()
        == members.functions.memberIdOf(unit2).call()
        > 0
    )
    old = members.functions.keyByIndex(unit2, 0).call()
    new_key = sm2_public_key()
    pid = members.functions.proposalCount().call() + 1
    chain.send(members.functions.propose(ROTATE_KEY, unit2, "", [], new_key), gov[0])
    chain.send(members.functions.approve(pid), gov[1])
    receipt = chain.send(members.functions.execute(pid), gov[1], "execute ROTATE_KEY")
    rotated_at = receipt.blockNumber
    assert members.functions.keyAt(unit2, rotated_at - 1).call() == [old[0], old[1]]
    assert members.functions.keyAt(unit2, rotated_at).call() == [new_key[:32], new_key[32:]]
    assert members.functions.keyCount(unit2).call() == 2
    # revoke it: key closed, roles gone, inactive
    chain.send(members.functions.propose(REVOKE, unit2, "", [], b""), gov[0])
    chain.send(members.functions.approve(pid + 1), gov[2])
    revoked_at = chain.send(
        members.functions.execute(pid + 1), gov[0], "execute REVOKE"
    ).blockNumber
    assert not members.functions.isActive(unit2).call()
    assert not members.functions.hasActiveRole(role("UNIT"), unit2).call()
    assert ledger.functions.activeUnitId(unit2).call() == 0  # pushed by Members on revocation
    expect_revert(
        "ProjectUnauthorized",
        ledger.functions.anchor(code, DECLARED, 2, digest(), digest(), 2),
        unit2,
        args=(unit2, role("UNIT")),
    )
    assert members.functions.keyAt(unit2, revoked_at - 1).call() == [new_key[:32], new_key[32:]]
    expect_revert(
        "MembersNoKeyAt",
        members.functions.keyAt(unit2, revoked_at),
        gov[0],
        args=(unit2, revoked_at),
    )
    # three governors, threshold two: one may go, the second may not
    chain.send(members.functions.propose(SET_ROLES, gov[2], "", [role("AUDITOR")], b""), gov[0])
    chain.send(members.functions.approve(pid + 2), gov[1])
    chain.send(members.functions.execute(pid + 2), gov[1], "execute SET_ROLES")
    assert members.functions.governorCount().call() == 2
    expect_revert(
        "MembersGovernorsBelowThreshold",
        members.functions.propose(REVOKE, gov[1], "", [], b""),
        gov[0],
        args=(1, 2),
    )


def test_project_lifecycle(world: dict[str, Any]) -> None:
    chain, lib, led = world["chain"], world["library"], world["ledger"]
    rev, cry, fun, unit, outsider = (
        world[k] for k in ("reviewer", "crypto", "funder", "unit", "outsider")
    )
    code = code_of(f"11010000{secrets.randbelow(10**10):010d}")
    f = lib.functions

    expect_revert(
        "ProjectUnauthorized",
        f.createProject(code, unit, "电子政务平台"),
        unit,
        args=(unit, role("REVIEWER")),
    )
    expect_revert("ProjectInvalidCode", f.createProject(b"\0" + code[:31], unit, "x"), rev)
    expect_revert("ProjectInvalidUnit", f.createProject(code, rev, "x"), rev)
    chain.send(f.createProject(code, unit, "电子政务平台"), rev, "createProject")
    assert f.stateOf(code).call() == RESERVE
    expect_revert("ProjectAlreadyExists", f.createProject(code, unit, "x"), rev)

    # art. 12: no review without a declared catalog
    expect_revert("CatalogDeclaredCatalogMissing", f.startReview(code), rev)
    d1, r1 = digest(), digest()
    anchor1 = led.functions.anchor(code, DECLARED, 1, d1, r1, 10)
    expect_revert(
        "ProjectUnauthorized", anchor1, world["gov"][0], args=(world["gov"][0], role("UNIT"))
    )
    expect_revert("ProjectNotUnit", anchor1, world["unit3"], args=(code, world["unit3"], unit))
    chain.send(
        led.functions.anchor(code, DECLARED, 1, d1, r1, 10), unit, "anchor declared v1 (first)"
    )
    d2, r2 = digest(), digest()
    second = chain.send(
        led.functions.anchor(code, DECLARED, 2, d2, r2, 12), unit, "anchor declared v2 (subsequent)"
    )
    assert second.gasUsed <= 60_000
    assert (
        led.functions.anchor(code, DECLARED, 2, d2, r2, 12).call({"from": unit}) is False
    )  # idempotent
    repeat = chain.send(
        led.functions.anchor(code, DECLARED, 1, d1, r1, 10), unit, "anchor repeat (idempotent)"
    )
    assert repeat.logs == []
    expect_revert(
        "CatalogVersionConflict", led.functions.anchor(code, DECLARED, 2, d1, r2, 12), unit
    )
    expect_revert(
        "CatalogVersionGap",
        led.functions.anchor(code, DECLARED, 4, d1, r1, 1),
        unit,
        args=(code, DECLARED, 3, 4),
    )
    expect_revert(
        "CatalogKindNotAllowed",
        led.functions.anchor(code, ACCEPTANCE, 1, d1, r1, 1),
        unit,
        args=(code, ACCEPTANCE, RESERVE),
    )
    assert led.functions.isAnchored(code, DECLARED, 2, d2, r2, 12).call()
    assert not led.functions.isAnchored(code, DECLARED, 2, d2, r2, 13).call()
    assert led.functions.latest(code, DECLARED).call()[:2] == [2, 12]

    chain.send(f.startReview(code), rev, "startReview")
    expect_revert(
        "ProjectInvalidTransition",
        f.startReview(code),
        rev,
        args=(code, UNDER_REVIEW, UNDER_REVIEW),
    )
    expect_revert("ProjectCryptoNotApproved", f.passReview(code, digest()), rev)
    expect_revert("ProjectUnauthorized", f.approveCrypto(code), rev, args=(rev, role("CRYPTO")))
    chain.send(f.approveCrypto(code), cry, "approveCrypto")
    chain.send(f.passReview(code, digest()), rev, "passReview")
    expect_revert("ProjectOpinionStillValid", f.extendReview(code, 30), rev)

    # art. 15: the opinion runs out after 365 days; one extension counted from its expiry
    chain.advance(400 * DAY)
    expect_revert("ProjectOpinionExpired", f.fund(code, 365), fun)
    expect_revert("ProjectExtensionTooLate", f.extendReview(code, 30), rev)
    expect_revert("ProjectInvalidExtension", f.extendReview(code, 184), rev, args=(184, 183))
    chain.send(f.extendReview(code, 183), rev, "extendReview")
    expect_revert("ProjectReviewAlreadyExtended", f.extendReview(code, 10), rev)
    expect_revert("ProjectUnauthorized", f.fund(code, 365), rev, args=(rev, role("FUNDER")))
    chain.send(f.fund(code, 365), fun, "fund")
    assert f.stateOf(code).call() == APPROVED

    expect_revert(
        "ProjectUnauthorized", f.startConstruction(code), outsider, args=(outsider, role("UNIT"))
    )
    expect_revert(
        "ProjectNotUnit",
        f.startConstruction(code),
        world["unit3"],
        args=(code, world["unit3"], unit),
    )
    start = chain.now() + 1
    chain.send(f.startConstruction(code), unit, "startConstruction")
    project = f.project(code).call()
    assert project[0] == UNDER_CONSTRUCTION

    chain.send(f.reportProgress(code, digest()), unit, "reportProgress")
    expect_revert("ProjectProgressAlreadyReported", f.reportProgress(code, digest()), unit)
    chain.advance(200 * DAY)  # window 1 ended without a report
    next_due, missed, overdue = f.progressStatus(code).call()
    assert (missed, overdue) == (1, True)
    assert start + 180 * DAY < next_due <= start + 271 * DAY + 60

    expect_revert(
        "ProjectChangeNeedsApproval",
        f.fileChange(code, 1501, digest()),
        unit,
        args=(code, 1501, 1500),
    )
    chain.send(f.fileChange(code, 1500, digest()), unit, "fileChange")
    chain.send(f.approveChange(code, 2500, digest()), rev, "approveChange")

    diff = digest()
    expect_revert("CatalogAcceptanceCatalogMissing", f.accept(code, 0, diff), unit)
    chain.send(
        led.functions.anchor(code, ACCEPTANCE, 1, digest(), digest(), 11),
        unit,
        "anchor acceptance v1 (first)",
    )
    da, ra = digest(), digest()
    chain.send(
        led.functions.anchor(code, ACCEPTANCE, 2, da, ra, 11),
        unit,
        "anchor acceptance v2 (subsequent)",
    )
    expect_revert("ProjectCommissionNotApplied", f.commission(code), rev)
    expect_revert("GateStepMissing", f.accept(code, 0, diff), unit, args=(code, 2, CLOUD, 0))
    confirm_all(world, code, 2, 11, da, ra)
    expect_revert("ProjectZeroDigest", f.accept(code, 0, bytes(32)), unit)
    expect_revert("ProjectInvalidRatio", f.accept(code, 10001, diff), unit)
    expect_revert(
        "ProjectChangeNotApproved", f.accept(code, 2501, diff), unit, args=(code, 2501, 2500)
    )
    chain.send(f.accept(code, 2500, diff), unit, "accept")
    info = f.project(code).call()
    assert (info[22], info[23], info[26]) == (2, 2500, diff)
    accepted_at = f.project(code).call()[14]
    assert f.warrantyEndsAt(code).call() == accepted_at + 730 * DAY
    chain.advance(100 * DAY)
    chain.send(f.applyCommission(code), unit, "applyCommission")
    chain.send(f.commission(code), rev, "commission")
    assert f.stateOf(code).call() == OPERATION

    expect_revert("ProjectSelfEvaluationTooEarly", f.submitSelfEvaluation(code, digest()), unit)
    chain.advance(366 * DAY)
    chain.send(f.submitSelfEvaluation(code, digest()), unit, "submitSelfEvaluation")
    chain.send(f.terminate(code, "results no longer used"), rev, "terminate")
    assert f.stateOf(code).call() == TERMINATED
    expect_revert(
        "ProjectInvalidTransition",
        f.terminate(code, "again"),
        rev,
        args=(code, TERMINATED, TERMINATED),
    )


def test_commission_too_late(world: dict[str, Any]) -> None:
    chain, lib, led = world["chain"], world["library"], world["ledger"]
    rev, cry, fun, unit = (world[k] for k in ("reviewer", "crypto", "funder", "unit"))
    code = code_of(f"BJ-{secrets.token_hex(8)}")
    f = lib.functions
    chain.send(f.createProject(code, unit, "late"), rev)
    chain.send(led.functions.anchor(code, DECLARED, 1, digest(), digest(), 1), unit)
    for fn, who in (
        (f.startReview(code), rev),
        (f.approveCrypto(code), cry),
        (f.passReview(code, digest()), rev),
        (f.fund(code, 30), fun),
        (f.startConstruction(code), unit),
    ):
        chain.send(fn, who)
    da, ra = digest(), digest()
    chain.send(led.functions.anchor(code, ACCEPTANCE, 1, da, ra, 1), unit)
    confirm_all(world, code, 1, 1, da, ra)
    chain.send(f.accept(code, 0, digest()), unit)
    chain.advance(184 * DAY)
    deadline = f.commissionDeadline(code).call()
    expect_revert("ProjectCommissionTooLate", f.applyCommission(code), unit)
    assert chain.now() > deadline


def test_anchor_batch(world: dict[str, Any]) -> None:
    chain, lib, led = world["chain"], world["library"], world["ledger"]
    rev, unit = world["reviewer"], world["unit"]
    codes = [code_of(f"BJ-B{i}-{secrets.token_hex(4)}") for i in range(5)]
    for code in codes:
        chain.send(lib.functions.createProject(code, unit, "batch"), rev)
    # five projects, version 1 each, in one transaction
    items = [(code, DECLARED, 1, digest(), digest(), 100) for code in codes]
    receipt = chain.send(led.functions.anchorBatch(items), unit)
    GAS["anchorBatch 5 projects, per catalog"] = receipt.gasUsed // 5
    assert len(receipt.logs) == 5
    # ten versions of one project in one transaction
    items = [(codes[0], DECLARED, v, digest(), digest(), 100) for v in range(2, 12)]
    receipt = chain.send(led.functions.anchorBatch(items), unit)
    GAS["anchorBatch 10 versions, per catalog"] = receipt.gasUsed // 10
    assert led.functions.latest(codes[0], DECLARED).call()[:2] == [11, 100]
    # atomic: one bad item (a gap) refuses the whole batch
    bad = [
        (codes[1], DECLARED, 2, digest(), digest(), 1),
        (codes[2], DECLARED, 3, digest(), digest(), 1),
    ]
    expect_revert(
        "CatalogVersionGap", led.functions.anchorBatch(bad), unit, args=(codes[2], DECLARED, 2, 3)
    )
    assert led.functions.latest(codes[1], DECLARED).call()[0] == 1
    expect_revert("CatalogEmptyBatch", led.functions.anchorBatch([]), unit)


def test_unit_role_change_reaches_the_ledger(world: dict[str, Any]) -> None:
    chain, members, lib, led, gov = (
        world[k] for k in ("chain", "members", "library", "ledger", "gov")
    )
    unit3 = world["unit3"]
    code = code_of(f"BJ-S-{secrets.token_hex(4)}")
    chain.send(lib.functions.createProject(code, unit3, "roles"), world["reviewer"])
    chain.send(led.functions.anchor(code, DECLARED, 1, digest(), digest(), 1), unit3)

    def set_roles(roles: list[bytes]) -> None:
        pid = members.functions.proposalCount().call() + 1
        chain.send(members.functions.propose(SET_ROLES, unit3, "", roles, b""), gov[0])
        chain.send(members.functions.approve(pid), gov[1])
        chain.send(members.functions.execute(pid), gov[0])

    set_roles([role("AUDITOR")])
    assert led.functions.activeUnitId(unit3).call() == 0
    expect_revert(
        "ProjectUnauthorized",
        led.functions.anchor(code, DECLARED, 2, digest(), digest(), 1),
        unit3,
        args=(unit3, role("UNIT")),
    )
    expect_revert("ProjectUnauthorized", lib.functions.fileChange(code, 1, digest()), unit3)
    set_roles([role("UNIT"), role("AUDITOR")])
    assert led.functions.activeUnitId(unit3).call() == members.functions.memberIdOf(unit3).call()
    chain.send(led.functions.anchor(code, DECLARED, 2, digest(), digest(), 1), unit3)
    # only Members and the library push into the ledger
    expect_revert(
        "CatalogOnlyMembers",
        led.functions.membershipChanged(unit3, 1, True, 32),
        unit3,
        args=(unit3,),
    )
    expect_revert(
        "CatalogOnlyLibrary",
        led.functions.syncProject(code, unit3, TERMINATED),
        unit3,
        args=(unit3,),
    )
