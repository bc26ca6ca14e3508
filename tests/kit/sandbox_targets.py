"""Targets for tests/kit/test_sandbox.py: parsers gone wrong, run in a sandbox child."""

from __future__ import annotations


def echo(argument: str, data: bytes) -> bytes:
    return argument.encode() + b"|" + data


def spin(argument: str, data: bytes) -> bytes:
    """A parse that never ends (the two-billion-row walk, in its purest form)."""
    count = 0
    while True:
        count += 1


def hog(argument: str, data: bytes) -> bytes:
    """A parse that inflates everything into memory."""
    return b"x" * (4 * 1024**3)


def flood(argument: str, data: bytes) -> bytes:
    """An answer far larger than anything a caller asked for."""
    return b"y" * (8 * 1024 * 1024)
