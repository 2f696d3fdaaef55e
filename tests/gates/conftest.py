"""The gate suites run in the same deployed world as the behaviour suite: on eth-tester, on anvil,
and on anvil with on-chain SM2 verification of every 确权 (issue 8)."""

from collections.abc import Iterator

import pytest

from tests.chain.conftest import (  # noqa: F401
    World,
    anvil_onchain_world,
    anvil_world,
    reverting_world,
    tester_world,
)


@pytest.fixture(
    params=[
        "tester",
        pytest.param("anvil", marks=pytest.mark.anvil),
        pytest.param("anvil_onchain", marks=pytest.mark.anvil),
    ]
)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)
