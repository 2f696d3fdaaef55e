"""Every rule from both sides: the refusals no other test reached, the wrong states, the exact seconds.

(a) Each custom error of ``contracts/*.sol`` that no test triggered before (found by grepping
    ``tests/`` for every ``error Name(``): triggered here and asserted by its decoded name and
    arguments, beside the allowed path and the state it leaves. Errors of a deployment in a bad
    configuration (genesis, wiring, verifier) use fresh contracts on the same chain.
(b) Wrong states: progress before construction and after acceptance, extension outside review
    and without an opinion, self-evaluation before operation, change filing and approval outside
    APPROVED / UNDER_CONSTRUCTION, funding once the extended opinion has run out too.
(c) Time limits at the exact second: the transaction is mined at the boundary (allowed) and one
    second past it (refused, with the error's ``now`` = that second); opening bounds one second
    before as well. The bounds are those of ``ProjectRules``: every ``now <= deadline`` is
    inclusive, the self-evaluation window ``[operationAt + 365 d, operationAt + 456 d]`` too.

One world per test process on eth-tester (chain_client's typed calls and decoded errors, the
steps of tests/chain/flows.py): the members, one project taken through every step with a
snapshot after each, and a bare deployment (Members + ProjectLibrary + CatalogLedger +
Confirmations, nothing wired). Each test starts from a snapshot, so tests are independent and
xdist-safe. Accepting goes with change ratio 0 (no change: no filing or approval is needed), and
no declared catalog is anchored after passReview.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract.contract import ContractConstructor, ContractFunction

import sm_crypto
from chain_client import errors
from chain_client.bootstrap import DEV_MEMBERS
from chain_client.chain import Chain
from chain_client.deploy import Deployment, deploy_ledger
from chain_client.ledger import Ledger, TxResult
from chain_client.types import ProposalKind, Role, State, encode_code
from tests.chain.conftest import World
from tests.chain.flows import STEPS, confirm_all, digest, run_step

DAY = 86_400
OPINION_VALIDITY = 365 * DAY
MAX_EXTENSION_DAYS = 183
COMMISSION_WINDOW = 183 * DAY
SELF_EVALUATION_OPENS = 365 * DAY
SELF_EVALUATION_CLOSES = 456 * DAY
QUARTER = 90 * DAY
ZERO_ADDRESS = "0x" + "00" * 20
FUND = 10_000 * 10**18
#: the members this module needs (a subset of the dev members: fewer admissions, a faster world)
NAMES = ("eitb", "drc", "finance", "crypto", "unit1", "platform")
GOVERNORS = ("eitb", "drc", "finance")
ADMIT, SET_ROLES, ROTATE_KEY, REVOKE = (int(k) for k in ProposalKind)
SEND_GAS = 8_000_000


class _DryRunChain(Chain):
    """eth-tester's ``estimate_gas`` bisects (some fifteen EVM runs per transaction); this chain
    dry-runs each transaction once with ``eth_call`` on the pending block (the state and the
    timestamp the transaction will be mined with, so a refusal surfaces as the same typed error
    before anything is sent) and sends it with a fixed gas limit."""

    def sign(
        self,
        signer: LocalAccount,
        fn: ContractFunction | ContractConstructor,
        *,
        gas: int | None = None,
    ) -> tuple[bytes, str]:
        if gas is None:
            sender = signer.address
            if isinstance(fn, ContractConstructor):
                tx: Any = {"from": sender, "data": fn.data_in_transaction}
                self.rpc(lambda: self.w3.eth.call(tx, "pending"))
            else:
                self.rpc(lambda: fn.call({"from": sender}, block_identifier="pending"))
            gas = SEND_GAS
        return super().sign(signer, fn, gas=gas)


@dataclass
class Bare:
    """A deployment with nothing wired: Members (one governor, threshold 1) with one member
    ``actor`` holding REVIEWER, FUNDER, CRYPTO, UNIT and PLATFORM, and the three other contracts
    deployed but neither ``setCatalogLedger``, ``setConfirmations`` nor ``setObserver`` called."""

    deployer: LocalAccount
    actor: LocalAccount
    world: World

    @property
    def members(self) -> Any:
        return self.world.ledger.members

    @property
    def library(self) -> Any:
        return self.world.ledger.library

    @property
    def catalogs(self) -> Any:
        return self.world.ledger.catalogs

    @property
    def confirmations(self) -> Any:
        return self.world.ledger.confirmations


@dataclass
class Env:
    world: World
    bare: Bare
    snapshots: dict[str, object]
    #: the project taken through STEPS, one snapshot after each step
    code: str

    @property
    def chain(self) -> Chain:
        return self.world.chain

    @property
    def ledger(self) -> Ledger:
        return self.world.ledger

    def __getitem__(self, name: str) -> LocalAccount:
        return self.world[name]

    def at_step(self, step: str) -> str:
        """Back to the moment right after ``step`` of the staircase project; returns its code."""
        self.chain.revert_to(self.snapshots[step])
        return self.code

    def at_time(self, timestamp: int) -> None:
        """The next transaction (and the dry run of a refused one) is mined at ``timestamp``."""
        self.chain.set_next_timestamp(timestamp)

    def send(self, signer: LocalAccount, fn: ContractFunction) -> Any:
        return self.chain.transact(signer, fn)

    def mined_at(self, result: TxResult) -> int:
        return self.chain.timestamp(result.block_number)

    def project(self, code: str) -> dict[str, Any]:
        return self.ledger.project(code)


def refused(error: str, call: Callable[[], object], **expected: Any) -> errors.ContractError:
    """``call()`` reverts with the custom error ``error`` (decoded by name) and these arguments."""
    with pytest.raises(errors.ContractError) as info:
        call()
    got = info.value
    assert type(got).__name__ == error, f"expected {error}, got {got}"
    for name, value in expected.items():
        assert got.args_dict[name] == value, f"{error}.{name}: {got.args_dict[name]!r} != {value!r}"
    return got


def _govern(ledger: Ledger, w: World, kind: int, account: str, **payload: Any) -> None:
    pid, _ = ledger.propose(w["eitb"], ProposalKind(kind), account, **payload)
    ledger.approve(w["drc"], pid)
    ledger.execute(w["eitb"], pid)


def _deploy_bare(chain: Chain) -> Bare:
    deployer, actor = Chain.new_account(), Chain.new_account()
    for acct in (deployer, actor):
        chain.fund(acct.address, FUND)
    key_d, key_a = sm_crypto.PrivateKey.generate(), sm_crypto.PrivateKey.generate()
    start = chain.block_number()
    members = chain.deploy(
        deployer, "Members", [deployer.address], ["bare governor"], [key_d.public_key.xy], 1
    )
    roles = [Role.REVIEWER, Role.FUNDER, Role.CRYPTO, Role.UNIT, Role.PLATFORM]
    chain.transact(
        deployer,
        members.functions.propose(
            ADMIT, actor.address, "bare actor", [r.id for r in roles], key_a.public_key.xy
        ),
    )
    chain.transact(deployer, members.functions.execute(1))
    library = chain.deploy(deployer, "ProjectLibrary", members.address)
    catalogs = chain.deploy(deployer, "CatalogLedger", members.address, library.address)
    confirmations = chain.deploy(
        deployer,
        "Confirmations",
        members.address,
        library.address,
        catalogs.address,
        ZERO_ADDRESS,
    )
    deployment = Deployment(
        chain_id=chain.chain_id,
        addresses={
            "Members": members.address,
            "ProjectLibrary": library.address,
            "CatalogLedger": catalogs.address,
            "Confirmations": confirmations.address,
        },
        start_block=start,
        threshold=1,
        governors=[deployer.address],
    )
    # one account plays every part in tests/chain/flows.py's steps
    parts = {name: actor for name in ("eitb", "drc", "finance", "crypto", "unit1", "platform")}
    world = World("bare", chain, Ledger(chain, deployment), parts, {"unit1": key_a}, deployer)
    return Bare(deployer, actor, world)


@pytest.fixture(scope="module")
def env() -> Env:
    chain = _DryRunChain.in_process()
    accounts = {name: Chain.new_account() for name in NAMES}
    keys = {name: sm_crypto.PrivateKey.generate() for name in NAMES}
    outsider = Chain.new_account()
    for acct in [*accounts.values(), outsider]:
        chain.fund(acct.address, FUND)
    genesis = [(accounts[g].address, DEV_MEMBERS[g][0], keys[g].public_key.xy) for g in GOVERNORS]
    ledger = Ledger(chain, deploy_ledger(chain, accounts["eitb"], genesis, 2))
    world = World("tester", chain, ledger, accounts, keys, outsider)
    for name in NAMES:
        org, roles = DEV_MEMBERS[name]
        address = accounts[name].address
        if name not in GOVERNORS:
            _govern(
                ledger,
                world,
                ADMIT,
                address,
                name=org,
                roles=roles,
                sm2_key=keys[name].public_key.xy,
            )
        elif set(roles) != {Role.GOVERNOR}:
            _govern(ledger, world, SET_ROLES, address, roles=roles)
    bare = _deploy_bare(chain)
    snapshots = {"base": chain.snapshot()}
    code = world.new_code()
    for step in STEPS:
        run_step(world, code, step)
        snapshots[step] = chain.snapshot()
    return Env(world, bare, snapshots, code)


@pytest.fixture(autouse=True)
def _from_base(env: Env) -> Iterator[None]:
    env.chain.revert_to(env.snapshots["base"])
    yield


def _raw(code: str) -> bytes:
    return encode_code(code)


# ================================================================================================
# (a) errors no other test triggered
# ================================================================================================

# -- ProjectLibrary ------------------------------------------------------------------------------


def test_crypto_sign_off_only_once(env: Env) -> None:
    code = env.at_step("start_review")
    result = env.ledger.approve_crypto(env["crypto"], code)
    approved_at = env.mined_at(result)
    assert env.project(code)["cryptoApprovedAt"] == approved_at
    refused(
        "ProjectCryptoAlreadyApproved",
        lambda: env.ledger.approve_crypto(env["crypto"], code),
        code=_raw(code),
        approvedAt=approved_at,
    )
    # still refused once the review has passed (same state), and the time is not moved
    env.ledger.pass_review(env["eitb"], code, digest())
    refused("ProjectCryptoAlreadyApproved", lambda: env.ledger.approve_crypto(env["crypto"], code))
    assert env.project(code)["cryptoApprovedAt"] == approved_at


def test_review_passes_only_once(env: Env) -> None:
    code = env.at_step("approve_crypto")
    opinion = digest()
    passed_at = env.mined_at(env.ledger.pass_review(env["eitb"], code, opinion))
    info = env.project(code)
    assert (info["opinionPassedAt"], info["opinionExpiresAt"], info["opinionDigest"]) == (
        passed_at,
        passed_at + OPINION_VALIDITY,
        opinion,
    )
    refused(
        "ProjectReviewAlreadyPassed",
        lambda: env.ledger.pass_review(env["eitb"], code, digest()),
        code=_raw(code),
        passedAt=passed_at,
    )
    # a second opinion may not restart the clock after the first ran out either
    env.at_time(passed_at + OPINION_VALIDITY + 1)
    refused(
        "ProjectReviewAlreadyPassed", lambda: env.ledger.pass_review(env["eitb"], code, digest())
    )
    assert env.project(code)["opinionDigest"] == opinion


def test_terminate_needs_a_reason(env: Env) -> None:
    code = env.at_step("fund")
    refused("ProjectEmptyReason", lambda: env.ledger.terminate(env["eitb"], code, ""))
    assert env.ledger.state(code) is State.APPROVED
    result = env.ledger.terminate(env["eitb"], code, "停止实施")
    assert result.event("ProjectTerminated").args["reason"] == "停止实施"
    info = env.project(code)
    assert info["state"] is State.TERMINATED and info["terminatedAt"] == env.mined_at(result)


def test_create_needs_a_name(env: Env) -> None:
    code = env.world.new_code()
    unit = env["unit1"].address
    refused("ProjectEmptyName", lambda: env.ledger.create_project(env["eitb"], code, unit, ""))
    assert not env.ledger.exists(code)
    env.ledger.create_project(env["eitb"], code, unit, "政务云")
    info = env.project(code)
    assert (info["state"], info["unit"], info["name"]) == (State.RESERVE, unit, "政务云")


def test_library_wiring_refusals(env: Env) -> None:
    """setCatalogLedger: deployer only, a ledger bound to this library and these Members, once;
    createProject refuses until it is done."""
    bare, chain = env.bare, env.chain
    lib, actor, deployer = bare.library, bare.actor, bare.deployer
    create = bare.library.functions.createProject(_raw("BJ-WIRE-1"), actor.address, "接线")
    refused("ProjectLedgerNotWired", lambda: chain.transact(actor, create))

    wire = lib.functions.setCatalogLedger
    refused(
        "ProjectNotDeployer",
        lambda: chain.transact(actor, wire(bare.catalogs.address)),
        account=actor.address,
        deployer=deployer.address,
    )
    eoa = Chain.new_account().address
    refused("ProjectLedgerMismatch", lambda: chain.transact(deployer, wire(eoa)), ledger=eoa)
    # a ledger of another library (the main world's), and one of other Members
    other_library = chain.deploy(
        deployer, "CatalogLedger", bare.members.address, env.ledger.library.address
    )
    other_members = chain.deploy(deployer, "CatalogLedger", env.ledger.members.address, lib.address)
    for wrong in (other_library.address, other_members.address):
        refused(
            "ProjectLedgerMismatch", lambda w=wrong: chain.transact(deployer, wire(w)), ledger=wrong
        )
    assert lib.functions.catalogLedger().call() == ZERO_ADDRESS

    result = chain.transact(deployer, wire(bare.catalogs.address))
    assert result["status"] == 1
    assert lib.functions.catalogLedger().call() == bare.catalogs.address
    refused(
        "ProjectLedgerAlreadyWired",
        lambda: chain.transact(deployer, wire(bare.catalogs.address)),
        ledger=bare.catalogs.address,
    )
    # wired, but Members does not observe the ledger yet: still refused (by the ledger)
    refused("CatalogNotObserving", lambda: chain.transact(actor, create))
    chain.transact(deployer, bare.members.functions.setObserver(bare.catalogs.address))
    chain.transact(actor, create)
    assert lib.functions.stateOf(_raw("BJ-WIRE-1")).call() == State.RESERVE


def test_observer_wiring_refusals(env: Env) -> None:
    """setObserver: the Members deployer only, a contract, once."""
    bare, chain = env.bare, env.chain
    set_observer = bare.members.functions.setObserver
    refused(
        "MembersNotDeployer",
        lambda: chain.transact(bare.actor, set_observer(bare.catalogs.address)),
        account=bare.actor.address,
        deployer=bare.deployer.address,
    )
    # on the wired world too: the deployer check comes before the one-time check
    main = env.ledger.members.functions.setObserver(env.ledger.catalogs.address)
    refused(
        "MembersNotDeployer",
        lambda: chain.transact(env["drc"], main),
        account=env["drc"].address,
        deployer=env["eitb"].address,
    )
    eoa = Chain.new_account().address
    for wrong in (eoa, ZERO_ADDRESS):
        refused(
            "MembersInvalidObserver",
            lambda w=wrong: chain.transact(bare.deployer, set_observer(w)),
            observer=wrong,
        )
    assert bare.members.functions.observer().call() == ZERO_ADDRESS
    chain.transact(bare.deployer, set_observer(bare.catalogs.address))
    assert bare.members.functions.observer().call() == bare.catalogs.address
    refused(
        "MembersObserverAlreadySet",
        lambda: chain.transact(bare.deployer, set_observer(bare.catalogs.address)),
    )


def test_acceptance_needs_confirmations_wired(env: Env) -> None:
    """A library and ledger wired without Confirmations: everything up to acceptance works,
    acceptance (the gate asks Confirmations) is refused until setConfirmations."""
    bare, chain = env.bare, env.chain
    chain.transact(bare.deployer, bare.library.functions.setCatalogLedger(bare.catalogs.address))
    chain.transact(bare.deployer, bare.members.functions.setObserver(bare.catalogs.address))
    w = bare.world
    code = w.new_code()
    for step in STEPS[: STEPS.index("anchor_acceptance") + 1]:
        run_step(w, code, step)
    assert bare.catalogs.functions.acceptanceReady(_raw(code)).call() is False
    refused(
        "CatalogConfirmationsNotWired",
        lambda: w.ledger.accept(bare.actor, code, 0, digest()),
    )
    refused(
        "CatalogConfirmationsNotWired",
        lambda: chain.call(bare.catalogs.functions.requireAcceptanceReady(_raw(code))),
    )
    refused(
        "CatalogConfirmationsNotWired",
        lambda: chain.call(bare.catalogs.functions.requireCommissionReady(_raw(code), 1)),
    )
    assert w.ledger.project(code)["acceptedAt"] == 0
    chain.transact(
        bare.deployer, bare.catalogs.functions.setConfirmations(bare.confirmations.address)
    )
    confirm_all(w, code)
    result = w.ledger.accept(bare.actor, code, 0, digest())
    info = w.ledger.project(code)
    assert info["acceptedAt"] == chain.timestamp(result.block_number)
    assert info["acceptedCatalogVersion"] == 1


def test_confirmations_verifier_must_be_a_contract(env: Env) -> None:
    bare, chain = env.bare, env.chain
    args = (bare.members.address, bare.library.address, bare.catalogs.address)
    eoa = Chain.new_account().address
    refused(
        "ConfirmationInvalidVerifier",
        lambda: chain.deploy(bare.deployer, "Confirmations", *args, eoa),
        verifier=eoa,
    )
    # the zero address: off-chain mode; a contract: taken as the verifier (only code is checked)
    offchain = chain.deploy(bare.deployer, "Confirmations", *args, ZERO_ADDRESS)
    assert offchain.functions.verifier().call() == ZERO_ADDRESS
    some_contract = bare.members.address
    onchain = chain.deploy(bare.deployer, "Confirmations", *args, some_contract)
    assert onchain.functions.verifier().call() == some_contract


@pytest.mark.parametrize(
    "case",
    ["ledger=Confirmations", "ledger=Members", "confirmations=Members", "observer=ProjectLibrary"],
)
def test_wiring_refuses_a_wrong_contract_by_name(env: Env, case: str) -> None:
    """The one-time wiring setters refuse a sibling contract with their named error, whether it
    has the views they ask (Confirmations answers projectLibrary() and members() with the
    library's pair; ProjectLibrary answers members() with these Members) or lacks them (Members
    has no projectLibrary() or catalogLedger()): only the catalog ledger answers activeUnitId,
    the membership cache, so only it is taken as the library's ledger or Members' observer."""
    bare, chain = env.bare, env.chain
    target, wrong = case.split("=")
    address = {
        "Confirmations": bare.confirmations.address,
        "Members": bare.members.address,
        "ProjectLibrary": bare.library.address,
    }[wrong]
    fn, error, arg = {
        "ledger": (bare.library.functions.setCatalogLedger, "ProjectLedgerMismatch", "ledger"),
        "confirmations": (
            bare.catalogs.functions.setConfirmations,
            "CatalogConfirmationsMismatch",
            "confirmations",
        ),
        "observer": (bare.members.functions.setObserver, "MembersInvalidObserver", "observer"),
    }[target]
    refused(error, lambda: chain.transact(bare.deployer, fn(address)), **{arg: address})


# -- Members: genesis ----------------------------------------------------------------------------


def test_members_genesis_refusals(env: Env) -> None:
    chain, deployer = env.chain, env["eitb"]
    a, b = Chain.new_account().address, Chain.new_account().address
    k1, k2 = (sm_crypto.PrivateKey.generate().public_key.xy for _ in range(2))

    def deploy(governors: list[str], names: list[str], keys: list[bytes], threshold: int) -> Any:
        return chain.deploy(deployer, "Members", governors, names, keys, threshold)

    for governors, names, keys in (
        ([a, b], ["A"], [k1, k2]),
        ([a, b], ["A", "B"], [k1]),
        ([], [], []),
    ):
        refused(
            "MembersInvalidGenesis",
            lambda g=governors, n=names, k=keys: deploy(g, n, k, 1),
            governors=len(governors),
            names=len(names),
            keys=len(keys),
        )
    for threshold in (0, 3):
        refused(
            "MembersInvalidThreshold",
            lambda t=threshold: deploy([a, b], ["A", "B"], [k1, k2], t),
            threshold=threshold,
            governors=2,
        )
    refused("MembersZeroAccount", lambda: deploy([a, ZERO_ADDRESS], ["A", "B"], [k1, k2], 1))
    refused("MembersEmptyName", lambda: deploy([a, b], ["A", ""], [k1, k2], 1))
    refused("MembersAlreadyMember", lambda: deploy([a, a], ["A", "B"], [k1, k2], 1), account=a)
    refused("MembersInvalidKeyLength", lambda: deploy([a, b], ["A", "B"], [k1, k2[:63]], 1))
    # the allowed side: both governors admitted, active, with GOVERNOR and their keys
    members = deploy([a, b], ["A", "B"], [k1, k2], 2)
    f = members.functions
    assert (f.threshold().call(), f.governorCount().call(), f.memberCount().call()) == (2, 2, 2)
    assert f.hasActiveRole(Role.GOVERNOR.id, b).call()
    assert bytes(f.keyByIndex(b, 0).call()[0]) + bytes(f.keyByIndex(b, 0).call()[1]) == k2


# -- Members: governance payloads ------------------------------------------------------------------


def _propose(env: Env, kind: int, account: str, name: str, roles: list[bytes], key: bytes) -> Any:
    fn = env.ledger.members.functions.propose(kind, account, name, roles, key)
    return env.send(env["eitb"], fn)


def _new_key() -> bytes:
    return sm_crypto.PrivateKey.generate().public_key.xy


def test_rotation_to_the_current_key_refused(env: Env) -> None:
    unit = env["unit1"].address
    current = env.ledger.key_at(unit, env.chain.block_number())
    refused(
        "MembersKeyUnchanged",
        lambda: env.ledger.propose(env["eitb"], ProposalKind.ROTATE_KEY, unit, sm2_key=current),
        account=unit,
    )
    # checked again at execute: two rotations to the same new key, the second is then unchanged
    new = _new_key()
    first, _ = env.ledger.propose(env["eitb"], ProposalKind.ROTATE_KEY, unit, sm2_key=new)
    second, _ = env.ledger.propose(env["eitb"], ProposalKind.ROTATE_KEY, unit, sm2_key=new)
    for pid in (first, second):
        env.ledger.approve(env["drc"], pid)
    env.ledger.execute(env["eitb"], first)
    keys = env.ledger.keys(unit)
    assert len(keys) == 2 and bytes(keys[1]["x"]) + bytes(keys[1]["y"]) == new
    assert keys[0]["validUntilBlock"] == keys[1]["validFromBlock"] > 0
    refused("MembersKeyUnchanged", lambda: env.ledger.execute(env["eitb"], second), account=unit)
    assert env.ledger.proposal(second)["executed"] is False


@pytest.mark.parametrize(
    ("kind", "name", "roles", "key"),
    [
        (SET_ROLES, "名称", [Role.UNIT.id], b""),
        (SET_ROLES, "", [Role.UNIT.id], "key"),
        (ROTATE_KEY, "名称", [], "key"),
        (ROTATE_KEY, "", [Role.UNIT.id], "key"),
        (REVOKE, "名称", [], b""),
        (REVOKE, "", [Role.UNIT.id], b""),
        (REVOKE, "", [], "key"),
    ],
    ids=[
        "set_roles+name",
        "set_roles+key",
        "rotate+name",
        "rotate+roles",
        "revoke+name",
        "revoke+roles",
        "revoke+key",
    ],
)
def test_unused_payload_fields_refused(
    env: Env, kind: int, name: str, roles: list[bytes], key: bytes | str
) -> None:
    unit = env["unit1"].address
    sm2_key = _new_key() if key == "key" else b""
    refused(
        "MembersUnexpectedPayload",
        lambda: _propose(env, kind, unit, name, roles, sm2_key),
        kind=ProposalKind(kind),
    )
    # the same kind with only its own fields is proposed
    own = {
        SET_ROLES: ("", [Role.UNIT.id, Role.AUDITOR.id], b""),
        ROTATE_KEY: ("", [], _new_key()),
        REVOKE: ("", [], b""),
    }[kind]
    count = env.ledger.members.functions.proposalCount().call()
    _propose(env, kind, unit, *own)
    proposal = env.ledger.proposal(count + 1)
    assert (proposal["kind"], proposal["account"], proposal["executed"]) == (kind, unit, False)


def test_roles_must_be_non_empty_and_distinct(env: Env) -> None:
    newcomer, unit = Chain.new_account().address, env["unit1"].address
    key = _new_key()
    refused("MembersNoRoles", lambda: _propose(env, ADMIT, newcomer, "新单位", [], key))
    refused("MembersNoRoles", lambda: _propose(env, SET_ROLES, unit, "", [], b""))
    dup = [Role.UNIT.id, Role.AUDITOR.id, Role.UNIT.id]
    refused(
        "MembersDuplicateRole",
        lambda: _propose(env, ADMIT, newcomer, "新单位", dup, key),
        role=Role.UNIT.id,
    )
    refused(
        "MembersDuplicateRole",
        lambda: _propose(env, SET_ROLES, unit, "", dup, b""),
        role=Role.UNIT.id,
    )
    # distinct roles: admitted with exactly those
    _govern(
        env.ledger,
        env.world,
        ADMIT,
        newcomer,
        name="新单位",
        roles=(Role.UNIT, Role.AUDITOR),
        sm2_key=key,
    )
    info = env.ledger.member(newcomer)
    assert info["active"] and info["roleMask"] == 32 | 128


def test_admission_needs_an_account_and_a_name(env: Env) -> None:
    key = _new_key()
    refused(
        "MembersZeroAccount",
        lambda: _propose(env, ADMIT, ZERO_ADDRESS, "单位", [Role.UNIT.id], key),
    )
    newcomer = Chain.new_account().address
    refused("MembersEmptyName", lambda: _propose(env, ADMIT, newcomer, "", [Role.UNIT.id], key))
    _govern(env.ledger, env.world, ADMIT, newcomer, name="单位", roles=(Role.UNIT,), sm2_key=key)
    info = env.ledger.member(newcomer)
    assert (info["active"], info["name"], info["roleMask"]) == (True, "单位", 32)


def test_unknown_proposal_ids_refused(env: Env) -> None:
    f = env.ledger.members.functions
    count = f.proposalCount().call()
    assert count > 0
    for pid in (0, count + 1):
        refused("MembersUnknownProposal", lambda p=pid: env.send(env["drc"], f.approve(p)), id=pid)
        refused("MembersUnknownProposal", lambda p=pid: env.send(env["drc"], f.execute(p)), id=pid)
        refused("MembersUnknownProposal", lambda p=pid: env.ledger.proposal(p), id=pid)
        refused("MembersUnknownProposal", lambda p=pid: env.ledger.approval_count(p), id=pid)
    # the newest id exists: approving it works (and counts)
    newcomer = Chain.new_account().address
    pid, _ = env.ledger.propose(
        env["eitb"],
        ProposalKind.ADMIT,
        newcomer,
        name="单位",
        roles=(Role.UNIT,),
        sm2_key=_new_key(),
    )
    assert pid == count + 1
    env.ledger.approve(env["drc"], pid)
    assert env.ledger.approval_count(pid) == 2


def test_key_index_out_of_range(env: Env) -> None:
    f = env.ledger.members.functions
    unit, outsider = env["unit1"].address, env.world.outsider.address
    key = env.ledger.key_at(unit, env.chain.block_number())
    first = env.chain.call(f.keyByIndex(unit, 0))
    assert bytes(first[0]) + bytes(first[1]) == key and first[3] == 0  # valid until: open
    refused(
        "MembersKeyIndexOutOfRange",
        lambda: env.chain.call(f.keyByIndex(unit, 1)),
        account=unit,
        index=1,
        count=1,
    )
    refused(
        "MembersKeyIndexOutOfRange",
        lambda: env.chain.call(f.keyByIndex(outsider, 0)),
        account=outsider,
        index=0,
        count=0,
    )


# ================================================================================================
# (b) wrong states
# ================================================================================================


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("anchor_declared", State.RESERVE),
        ("pass_review", State.UNDER_REVIEW),
        ("fund", State.APPROVED),
        ("commission", State.OPERATION),
    ],
)
def test_progress_report_refused_outside_construction(env: Env, step: str, state: State) -> None:
    code = env.at_step(step)
    refused(
        "ProjectInvalidState",
        lambda: env.ledger.report_progress(env["unit1"], code, digest()),
        code=_raw(code),
        current=state,
    )
    assert env.project(code)["progressReports"] == 0


def test_progress_report_during_construction_until_acceptance(env: Env) -> None:
    code = env.at_step("start_construction")
    result = env.ledger.report_progress(env["unit1"], code, digest())
    info = env.project(code)
    assert (info["progressReports"], info["lastReportWindow"]) == (1, 1)
    assert info["lastProgressAt"] == env.mined_at(result)
    # after acceptance (still UNDER_CONSTRUCTION): reports have stopped
    code = env.at_step("accept")
    accepted_at = env.project(code)["acceptedAt"]
    env.at_time(accepted_at + QUARTER)  # a new window, so only acceptance can refuse it
    refused(
        "ProjectAlreadyAccepted",
        lambda: env.ledger.report_progress(env["unit1"], code, digest()),
        code=_raw(code),
        acceptedAt=accepted_at,
    )
    assert env.project(code)["progressReports"] == 0


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("anchor_declared", State.RESERVE),
        ("fund", State.APPROVED),
        ("start_construction", State.UNDER_CONSTRUCTION),
        ("commission", State.OPERATION),
        ("terminated", State.TERMINATED),
    ],
)
def test_extend_review_refused_outside_under_review(env: Env, step: str, state: State) -> None:
    if step == "terminated":
        code = env.at_step("pass_review")
        env.ledger.terminate(env["eitb"], code, "停止实施")
    else:
        code = env.at_step(step)
    expires = env.project(code)["opinionExpiresAt"]
    if expires:  # past the opinion, where an extension in UNDER_REVIEW would be allowed
        env.at_time(expires + 1)
    refused(
        "ProjectInvalidState",
        lambda: env.ledger.extend_review(env["eitb"], code, 30),
        code=_raw(code),
        current=state,
    )
    assert env.project(code)["extended"] is False


@pytest.mark.parametrize("step", ["start_review", "approve_crypto"])
def test_extend_review_refused_without_a_passed_opinion(env: Env, step: str) -> None:
    code = env.at_step(step)
    env.at_time(env.chain.timestamp() + OPINION_VALIDITY + DAY)
    refused(
        "ProjectReviewNotPassed",
        lambda: env.ledger.extend_review(env["eitb"], code, 30),
        code=_raw(code),
    )
    info = env.project(code)
    assert (info["extended"], info["opinionExpiresAt"]) == (False, 0)


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("fund", State.APPROVED),
        ("accept", State.UNDER_CONSTRUCTION),
        ("apply_commission", State.UNDER_CONSTRUCTION),
    ],
)
def test_self_evaluation_refused_before_operation(env: Env, step: str, state: State) -> None:
    code = env.at_step(step)
    # a year and a month later: inside the window it would have, were the project in operation
    env.at_time(env.chain.timestamp() + SELF_EVALUATION_OPENS + 30 * DAY)
    refused(
        "ProjectInvalidState",
        lambda: env.ledger.submit_self_evaluation(env["unit1"], code, digest()),
        code=_raw(code),
        current=state,
    )
    assert env.project(code)["selfEvaluatedAt"] == 0


def test_self_evaluation_refused_after_termination(env: Env) -> None:
    code = env.at_step("commission")
    operation_at = env.project(code)["operationAt"]
    env.ledger.terminate(env["eitb"], code, "成果不再使用")
    env.at_time(operation_at + SELF_EVALUATION_OPENS)
    refused(
        "ProjectInvalidState",
        lambda: env.ledger.submit_self_evaluation(env["unit1"], code, digest()),
        current=State.TERMINATED,
    )


def _terminated_after(env: Env, step: str) -> str:
    code = env.at_step(step)
    env.ledger.terminate(env["eitb"], code, "停止实施")
    return code


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("anchor_declared", State.RESERVE),
        ("pass_review", State.UNDER_REVIEW),
        ("commission", State.OPERATION),
        ("terminated", State.TERMINATED),
    ],
)
def test_change_filing_and_approval_refused_in_wrong_state(
    env: Env, step: str, state: State
) -> None:
    code = _terminated_after(env, "fund") if step == "terminated" else env.at_step(step)
    for call in (
        lambda: env.ledger.file_change(env["unit1"], code, 1000, digest()),
        lambda: env.ledger.approve_change(env["eitb"], code, 2500, digest()),
    ):
        refused("ProjectInvalidState", call, code=_raw(code), current=state)
    info = env.project(code)
    assert (info["lastFiledChangeBp"], info["lastApprovedChangeBp"]) == (0, 0)


@pytest.mark.parametrize("step", ["fund", "start_construction"])
def test_change_filing_and_approval_allowed_when_approved_or_building(env: Env, step: str) -> None:
    code = env.at_step(step)
    filed = env.ledger.file_change(env["unit1"], code, 1500, digest())
    approved = env.ledger.approve_change(env["eitb"], code, 2500, digest())
    assert filed.event("ChangeFiled").args["ratioBp"] == 1500
    assert approved.event("ChangeApproved").args["ratioBp"] == 2500
    info = env.project(code)
    assert (info["lastFiledChangeBp"], info["lastApprovedChangeBp"]) == (1500, 2500)


def test_unknown_project_change_refused(env: Env) -> None:
    refused(
        "ProjectUnknown",
        lambda: env.ledger.approve_change(env["eitb"], "BJ-NO-SUCH", 100, digest()),
        code=_raw("BJ-NO-SUCH"),
    )


# ================================================================================================
# (c) time limits at the exact second
# ================================================================================================


def test_opinion_valid_through_its_last_second(env: Env) -> None:
    """Funding needs ``now <= passedAt + 365 d``; an extension needs ``now > expiry``."""
    code = env.at_step("pass_review")
    info = env.project(code)
    expires = info["opinionPassedAt"] + OPINION_VALIDITY
    assert info["opinionExpiresAt"] == expires
    base = env.chain.snapshot()

    env.at_time(expires)
    refused(
        "ProjectOpinionStillValid",
        lambda: env.ledger.extend_review(env["eitb"], code, 30),
        code=_raw(code),
        expiresAt=expires,
        now=expires,
    )
    result = env.ledger.fund(env["drc"], code, 365)
    assert env.mined_at(result) == expires
    info = env.project(code)
    assert (info["state"], info["fundedAt"]) == (State.APPROVED, expires)

    env.chain.revert_to(base)
    env.at_time(expires + 1)
    refused(
        "ProjectOpinionExpired",
        lambda: env.ledger.fund(env["drc"], code, 365),
        code=_raw(code),
        expiresAt=expires,
        now=expires + 1,
    )
    assert env.ledger.state(code) is State.UNDER_REVIEW
    result = env.ledger.extend_review(env["eitb"], code, 30)
    assert env.mined_at(result) == expires + 1
    info = env.project(code)
    assert (info["extended"], info["opinionExpiresAt"]) == (True, expires + 30 * DAY)


def test_extended_opinion_valid_through_its_last_second_then_funding_refused(env: Env) -> None:
    code = env.at_step("pass_review")
    expires = env.project(code)["opinionExpiresAt"]
    env.at_time(expires + 1)
    env.ledger.extend_review(env["eitb"], code, MAX_EXTENSION_DAYS)
    extended = expires + MAX_EXTENSION_DAYS * DAY
    assert env.project(code)["opinionExpiresAt"] == extended
    base = env.chain.snapshot()

    env.at_time(extended)
    assert env.mined_at(env.ledger.fund(env["drc"], code, 365)) == extended
    assert env.ledger.state(code) is State.APPROVED

    env.chain.revert_to(base)
    env.at_time(extended + 1)
    refused(
        "ProjectOpinionExpired",
        lambda: env.ledger.fund(env["drc"], code, 365),
        code=_raw(code),
        expiresAt=extended,
        now=extended + 1,
    )
    # and no second extension: the project can no longer be funded on this opinion
    refused(
        "ProjectReviewAlreadyExtended",
        lambda: env.ledger.extend_review(env["eitb"], code, 1),
        code=_raw(code),
    )
    info = env.project(code)
    assert (info["state"], info["fundedAt"]) == (State.UNDER_REVIEW, 0)


@pytest.mark.parametrize("days", [1, MAX_EXTENSION_DAYS])
def test_extension_must_end_after_now(env: Env, days: int) -> None:
    """The extended expiry ``expiry + days`` must be later than now: at ``expiry + days - 1`` the
    extension is granted, at ``expiry + days`` it is too late."""
    code = env.at_step("pass_review")
    expires = env.project(code)["opinionExpiresAt"]
    end = expires + days * DAY
    base = env.chain.snapshot()

    env.at_time(end - 1)
    assert env.mined_at(env.ledger.extend_review(env["eitb"], code, days)) == end - 1
    assert env.project(code)["opinionExpiresAt"] == end
    env.at_time(end)
    assert env.mined_at(env.ledger.fund(env["drc"], code, 365)) == end

    env.chain.revert_to(base)
    env.at_time(end)
    refused(
        "ProjectExtensionTooLate",
        lambda: env.ledger.extend_review(env["eitb"], code, days),
        code=_raw(code),
        expiresAt=end,
        now=end,
    )
    assert env.project(code)["extended"] is False


def test_commission_application_through_the_183rd_day(env: Env) -> None:
    code = env.at_step("accept")
    accepted_at = env.project(code)["acceptedAt"]
    deadline = accepted_at + COMMISSION_WINDOW
    assert env.ledger.view("ProjectLibrary", "commissionDeadline", _raw(code)) == deadline
    base = env.chain.snapshot()

    env.at_time(deadline)
    result = env.ledger.apply_commission(env["unit1"], code)
    assert env.mined_at(result) == deadline
    assert env.project(code)["commissionAppliedAt"] == deadline
    env.ledger.commission(env["eitb"], code)
    assert env.ledger.state(code) is State.OPERATION

    env.chain.revert_to(base)
    env.at_time(deadline + 1)
    refused(
        "ProjectCommissionTooLate",
        lambda: env.ledger.apply_commission(env["unit1"], code),
        code=_raw(code),
        deadline=deadline,
        now=deadline + 1,
    )
    assert env.project(code)["commissionAppliedAt"] == 0
    refused("ProjectCommissionNotApplied", lambda: env.ledger.commission(env["eitb"], code))


def test_self_evaluation_window_inclusive_bounds(env: Env) -> None:
    code = env.at_step("commission")
    operation_at = env.project(code)["operationAt"]
    opens, closes = operation_at + SELF_EVALUATION_OPENS, operation_at + SELF_EVALUATION_CLOSES
    window = env.ledger.view("ProjectLibrary", "selfEvaluationWindow", _raw(code))
    assert (window["opensAt"], window["closesAt"]) == (opens, closes)
    base = env.chain.snapshot()

    def submit() -> TxResult:
        return env.ledger.submit_self_evaluation(env["unit1"], code, digest())

    env.at_time(opens - 1)
    refused("ProjectSelfEvaluationTooEarly", submit, code=_raw(code), opensAt=opens, now=opens - 1)
    env.at_time(opens)
    assert env.mined_at(submit()) == opens
    assert env.project(code)["selfEvaluatedAt"] == opens

    env.chain.revert_to(base)
    env.at_time(closes)
    assert env.mined_at(submit()) == closes
    assert env.project(code)["selfEvaluatedAt"] == closes

    env.chain.revert_to(base)
    env.at_time(closes + 1)
    refused(
        "ProjectSelfEvaluationTooLate", submit, code=_raw(code), closesAt=closes, now=closes + 1
    )
    assert env.project(code)["selfEvaluatedAt"] == 0


def test_progress_window_turns_at_exactly_90_days(env: Env) -> None:
    """Windows are ``[start + k * 90 d, start + (k + 1) * 90 d)``: the last second of window 0
    still has its report, the first second of window 1 takes a new one."""
    code = env.at_step("start_construction")
    start = env.project(code)["constructionStartedAt"]
    env.ledger.report_progress(env["unit1"], code, digest())
    env.at_time(start + QUARTER - 1)
    refused(
        "ProjectProgressAlreadyReported",
        lambda: env.ledger.report_progress(env["unit1"], code, digest()),
        code=_raw(code),
        window=0,
        nextWindowAt=start + QUARTER,
    )
    env.at_time(start + QUARTER)
    result = env.ledger.report_progress(env["unit1"], code, digest())
    assert result.event("ProgressReported").args["window"] == 1
    info = env.project(code)
    assert (info["progressReports"], info["lastReportWindow"]) == (2, 2)
