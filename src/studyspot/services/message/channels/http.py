"""One pooled aiohttp session per provider, opened on first use (ARCHITECTURE §2: the
upstream client decides the speed; keep one per upstream)."""

from __future__ import annotations

import aiohttp

from studyspot.services.message.channels.base import ChannelProvider, SendFailed
from studyspot.services.message.config import MessageSettings


class HttpProvider(ChannelProvider):
    """A provider reached over HTTP, configured by the message settings it is built from."""

    timeout_seconds: float = 15.0

    def __init__(self, config: MessageSettings) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def failure_of(status: int, code: str) -> SendFailed:
    """4xx other than 408/429: the provider refused this message for good."""
    permanent = 400 <= status < 500 and status not in (408, 429)
    return SendFailed(code, permanent=permanent)
