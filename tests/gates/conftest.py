"""The gate suites run in the same deployed world as the behaviour suite (both backends)."""

from tests.chain.conftest import anvil_world, tester_world, world  # noqa: F401 (fixtures)
