"""Topic names and subscription patterns, with NATS subject semantics in both modes.

A topic is `<service>.<event>` in lower snake_case tokens separated by dots
(`booking.confirmed`). A consumer subscribes to topics or to patterns where a
`*` token matches exactly one token and a final `>` matches one or more, as
NATS subjects do, so a consumer behaves the same on JetStream and on the
embedded outbox.
"""

from __future__ import annotations

import re

MAX_TOPIC_LENGTH = 128  # outbox_events.topic

_TOKEN = r"[a-z][a-z0-9_]*"
_TOPIC = re.compile(rf"^{_TOKEN}(\.{_TOKEN})*$")
_PATTERN = re.compile(rf"^({_TOKEN}|\*)(\.({_TOKEN}|\*))*(\.>)?$|^>$")


def is_topic(value: str) -> bool:
    return len(value) <= MAX_TOPIC_LENGTH and bool(_TOPIC.fullmatch(value))


def check_topic(value: str) -> str:
    if not is_topic(value):
        raise ValueError(
            f"invalid event topic {value!r}: lower snake_case tokens separated by dots, "
            f"at most {MAX_TOPIC_LENGTH} characters"
        )
    return value


def check_pattern(value: str) -> str:
    if len(value) > MAX_TOPIC_LENGTH or not _PATTERN.fullmatch(value):
        raise ValueError(f"invalid topic pattern {value!r}")
    return value


def matches(pattern: str, topic: str) -> bool:
    want = pattern.split(".")
    have = topic.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def subject(prefix: str, topic_or_pattern: str) -> str:
    """The NATS subject of a topic (or the filter of a pattern) under a deployment prefix."""
    return f"{prefix}.{topic_or_pattern}"


def durable_suffix(pattern: str) -> str:
    """A durable-name-safe spelling of a pattern; unambiguous because topics are lowercase."""
    return pattern.replace(".", "-").replace("*", "ANY").replace(">", "REST")
