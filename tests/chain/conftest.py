"""The behaviour suite's world: the ledger deployed with every member, on eth-tester and on anvil.

Each backend's world is built once per test process; every test runs inside a snapshot that is
reverted afterwards, so tests are independent and the suite stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from eth_account.signers.local import LocalAccount

import sm_crypto
from chain_client.bootstrap import DEV_MEMBERS, setup_ledger
from chain_client.chain import Chain
from chain_client.ledger import Ledger

FUND = 10_000 * 10**18
DAY = 86_400


@dataclass
class World:
    backend: str
    chain: Chain
    ledger: Ledger
    accounts: dict[str, LocalAccount]
    sm2: dict[str, sm_crypto.PrivateKey]
    outsider: LocalAccount
    _counter: list[int] = field(default_factory=lambda: [0])

    def __getitem__(self, name: str) -> LocalAccount:
        return self.accounts[name]

    def advance_days(self, days: float) -> int:
        return self.chain.advance_time(int(days * DAY))

    def now(self) -> int:
        return self.chain.timestamp()

    def new_code(self) -> str:
        self._counter[0] += 1
        return f"BJ-T-{self.backend[:1].upper()}{self._counter[0]:04d}"


def deploy_members(
    chain: Chain, *, onchain_sm2: bool = False
) -> tuple[Ledger, dict[str, LocalAccount], dict[str, sm_crypto.PrivateKey], LocalAccount]:
    """Fresh keys for every dev member and an outsider, funded; the ledger deployed and every
    member admitted through governance. Returns (ledger, accounts, SM2 keys, outsider)."""
    accounts = {name: Chain.new_account() for name in DEV_MEMBERS}
    keys = {name: sm_crypto.PrivateKey.generate() for name in DEV_MEMBERS}
    outsider = Chain.new_account()
    for acct in [*accounts.values(), outsider]:
        chain.fund(acct.address, FUND)
    deployment = setup_ledger(
        chain,
        {n: a.address for n, a in accounts.items()},
        {n: k.public_key.xy for n, k in keys.items()},
        accounts.__getitem__,
        onchain_sm2=onchain_sm2,
    )
    return Ledger(chain, deployment), accounts, keys, outsider


def _build(chain: Chain, *, onchain_sm2: bool = False) -> World:
    ledger, accounts, keys, outsider = deploy_members(chain, onchain_sm2=onchain_sm2)
    return World(
        chain.is_tester and "tester" or "anvil",
        chain,
        ledger,
        accounts,
        keys,
        outsider,
    )


@pytest.fixture(scope="session")
def tester_world() -> World:
    return _build(Chain.in_process())


@pytest.fixture(scope="session")
def anvil_world(anvil_url: str) -> World:
    return _build(Chain.connect(anvil_url))


@pytest.fixture(scope="session")
def anvil_onchain_world(anvil_url: str) -> World:
    """The world with the SM2 verifier deployed: every 确权 is verified by the contract."""
    return _build(Chain.connect(anvil_url), onchain_sm2=True)


@pytest.fixture(params=["tester", pytest.param("anvil", marks=pytest.mark.anvil)])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The world on each backend, reverted to its pristine state after the test."""
    yield from reverting_world(request)


def reverting_world(request: pytest.FixtureRequest) -> Iterator[World]:
    """Yield the ``<param>_world`` fixture's world, reverted to its snapshot afterwards."""
    w: World = request.getfixturevalue(f"{request.param}_world")
    snapshot = w.chain.snapshot()
    try:
        yield w
    finally:
        w.chain.revert_to(snapshot)
