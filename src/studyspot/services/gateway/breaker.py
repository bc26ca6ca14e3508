"""Circuit breaker per upstream instance: closed → open → half-open → closed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]
STATE_VALUE: dict[BreakerState, int] = {"closed": 0, "half_open": 1, "open": 2}


class CircuitBreaker:
    """Opens after `failures` consecutive failures; after `open_seconds` lets one probe through.

    The probe's outcome decides: success closes the breaker, failure opens it
    for another `open_seconds`. While the probe is out, other requests fail fast.
    """

    def __init__(
        self,
        failures: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        self.threshold = failures
        self.open_seconds = open_seconds
        self._clock = clock
        self._on_change = on_change
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        if self._state == "open" and self._clock() - self._opened_at >= self.open_seconds:
            return "half_open"
        return self._state

    def retry_after(self) -> float:
        """Seconds until a probe may be sent (0 when not open)."""
        if self._state != "open":
            return 0.0
        return max(0.0, self.open_seconds - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """May a request go to this instance now? Claims the probe when half-open."""
        state = self.state
        if state == "closed":
            return True
        if state == "open" or self._probe_out:
            return False
        self._probe_out = True
        self._set("half_open")
        return True

    def available(self) -> bool:
        """Like `allow` without claiming anything: for choosing among instances."""
        state = self.state
        return state == "closed" or (state == "half_open" and not self._probe_out)

    def record_success(self) -> None:
        self._failures = 0
        self._probe_out = False
        if self._state != "closed":
            self._set("closed")

    def record_failure(self) -> None:
        self._failures += 1
        was_probe = self._probe_out
        self._probe_out = False
        if was_probe or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self._set("open")

    def release(self) -> None:
        """A request that was allowed ended without a verdict (e.g. the client went away)."""
        self._probe_out = False

    def _set(self, state: BreakerState) -> None:
        changed = state != self._state
        self._state = state
        if changed and self._on_change is not None:
            self._on_change(state)
