"""Fixtures the message service's tests share."""

from tests.fixtures.messages import msg91, phones

__all__ = ["msg91", "phones"]
