"""Login throttling per account and per client address, shared by every auth instance.

Two walls, both in the core database so every auth instance sees the same counts:

- per account (what was typed: user type, tenant, login name; not a user id, so
  unknown accounts are throttled exactly like real ones and the answer tells
  nothing about which exist): progressive. After LOGIN_MAX_FAILURES_PER_ACCOUNT
  failures the login is locked for AUTH_LOGIN_LOCK_SECONDS; each failure after a
  lock has ended doubles the next lock, up to AUTH_LOGIN_MAX_LOCK_SECONDS. A
  stranger who knows an e-mail can keep it locked only a step at a time, and the
  right password works as soon as the current step has passed. Attempts refused
  while locked change nothing. The count starts again after
  LOGIN_FAILURE_WINDOW_SECONDS without failures once any lock has ended.
- per client address (the one the gateway resolved): a sliding window of
  LOGIN_MAX_FAILURES_PER_IP failures, against one address spraying many accounts.

The account count is taken before the password is checked and under the row
lock of its key (`LoginLockRepository.locked`): concurrent attempts on one
account queue behind each other, each sees the count the one before it left,
and none is checked once the lock is set. A correct password clears it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.settings import Settings
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.errors import LoginThrottled
from studyspot.services.auth.repository import LoginFailureRepository, LoginLockRepository

IP = "ip"


@dataclass(frozen=True)
class LoginKeys:
    account: str
    ip: str | None


def login_keys(user_type: str, tenant_slug: str | None, login: str, ip: str | None) -> LoginKeys:
    typed = f"{user_type}\x1f{tenant_slug or ''}\x1f{login.lower()}"
    return LoginKeys(hashlib.sha256(typed.encode()).hexdigest(), ip)


@dataclass(frozen=True)
class LockSteps:
    """How long an account stays locked after its n-th failure."""

    threshold: int
    first: timedelta
    longest: timedelta

    def after(self, failures: int) -> timedelta | None:
        """The lock that the `failures`-th failure starts (None: not locked yet)."""
        if failures < self.threshold:
            return None
        # Capped before the power so that a huge count cannot overflow the float.
        doublings = min(failures - self.threshold, 32)
        step: timedelta = self.first * (1 << doublings)
        return min(step, self.longest)


def _retry_after(until: datetime, now: datetime) -> int:
    return max(math.ceil((until - now).total_seconds()), 1)


class Throttle:
    def __init__(self, session: AsyncSession, settings: Settings, config: AuthSettings) -> None:
        self.failures = LoginFailureRepository(session)
        self.locks = LoginLockRepository(session)
        self.window = timedelta(seconds=settings.login_failure_window_seconds)
        self.ip_limit = settings.login_max_failures_per_ip
        self.steps = LockSteps(
            settings.login_max_failures_per_account,
            timedelta(seconds=config.login_lock_seconds),
            timedelta(seconds=max(config.login_max_lock_seconds, config.login_lock_seconds)),
        )

    async def attempt(self, keys: LoginKeys, now: datetime) -> LoginThrottled | None:
        """Admit one attempt (counted as a failure until `succeeded`), or the 429 to answer."""
        if keys.ip:
            count, oldest = await self.failures.window(IP, keys.ip, now - self.window)
            if count >= self.ip_limit and oldest is not None:
                return LoginThrottled(_retry_after(oldest + self.window, now), self.ip_limit)
        lock = await self.locks.locked(keys.account, now)
        if lock.locked_until is not None and lock.locked_until > now:
            return LoginThrottled(_retry_after(lock.locked_until, now), self.steps.threshold)
        if lock.expires_at <= now:
            lock.failures = 0
        lock.failures += 1
        # Locked already, should this attempt fail: a concurrent one waiting for our row
        # lock must find it locked, and a success deletes the row anyway.
        step = self.steps.after(lock.failures)
        if step is not None:
            lock.locked_until = now + step
        lock.expires_at = max(now, lock.locked_until or now) + self.window
        await self.locks.session.flush()
        return None

    async def failed(self, keys: LoginKeys, now: datetime) -> None:
        # The account's failure was counted by `attempt`; the address's is counted here.
        if keys.ip:
            await self.failures.record(IP, keys.ip, now)

    async def succeeded(self, keys: LoginKeys) -> None:
        # The address keeps its count: one good login must not reset a spray over many accounts.
        await self.locks.clear(keys.account)
