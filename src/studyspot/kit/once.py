"""`OncePerWindow`: let one event per key through per fixed time window, drop the rest.

For records an attacker can multiply at will, such as the audit row of a refused
webhook: the first of each source in each minute is written, the others are only
counted (in metrics), so a flood of forgeries cannot grow the audit log faster
than one row per source per minute.

It lives in process memory, one per application instance: with N instances a
source gets at most N rows a minute, still bounded. Memory is bounded too: past
`max_keys` keys in one window, new keys are not let through (they are counted,
not written) until the next window starts and the table is cleared.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class OncePerWindow:
    def __init__(
        self,
        window_seconds: float = 60.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window_seconds = window_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._window = -1
        self._seen: set[str] = set()

    def first(self, key: str) -> bool:
        """True for the first `key` of the current window, False for any repeat."""
        window = int(self.clock() // self.window_seconds)
        if window != self._window:
            self._window = window
            self._seen.clear()
        if key in self._seen or len(self._seen) >= self.max_keys:
            return False
        self._seen.add(key)
        return True
