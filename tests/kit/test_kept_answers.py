"""kit/kept_answers.py: a kept answer is used only while its ETag is still the owner's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from studyspot.kit.kept_answers import KeptAnswers


async def test_a_kept_answer_serves_only_while_its_etag_holds() -> None:
    kept: KeptAnswers[str, list[int]] = KeptAnswers(2)
    reads: list[str] = []

    def etag(now: str) -> Callable[[], Awaitable[str]]:
        async def read() -> str:
            reads.append(now)
            return now

        return read

    # Nothing kept: no read of the counter at all.
    assert await kept.if_current("a", etag('"1"')) is None
    assert reads == []
    kept.keep("a", '"1"', [1, 2])
    assert await kept.if_current("a", etag('"1"')) == [1, 2]
    assert await kept.if_current("a", etag('"2"')) is None  # the owner's counter moved
    assert kept.get("a") == ('"1"', [1, 2])  # still there, to ask with If-None-Match
    kept.forget("a")
    assert kept.get("a") is None
    # An answer that came without an ETag cannot be checked later: it is not kept.
    kept.keep("b", None, [3])
    assert kept.get("b") is None
    # At its size, the least recently used answer goes, not all of them.
    kept.keep("c", '"c"', [4])
    kept.keep("d", '"d"', [5])
    assert kept.get("c") is not None
    kept.keep("e", '"e"', [6])
    assert kept.get("d") is None and kept.get("c") is not None and kept.get("e") is not None
