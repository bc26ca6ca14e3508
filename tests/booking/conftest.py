"""Fixtures of the booking tests: the whole system as processes, for the gateway race proof."""

from tests.fixtures.system import system, system_processes  # noqa: F401  (fixtures)
