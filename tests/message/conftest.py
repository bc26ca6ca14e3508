"""Fixtures the message service's tests share."""

from tests.fixtures.messages import msg91

__all__ = ["msg91"]
