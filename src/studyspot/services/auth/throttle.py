"""Login throttling per account and per client address, shared by every auth instance.

Failures are rows in the core database, counted inside a sliding window. An
account key names what was typed (user type, tenant, login name), not a user
id, so unknown accounts are throttled exactly like real ones and the answer
tells nothing about which exist.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.settings import Settings
from studyspot.services.auth.errors import LoginThrottled
from studyspot.services.auth.repository import LoginFailureRepository

ACCOUNT, IP = "account", "ip"


@dataclass(frozen=True)
class LoginKeys:
    account: str
    ip: str | None


def login_keys(user_type: str, tenant_slug: str | None, login: str, ip: str | None) -> LoginKeys:
    typed = f"{user_type}\x1f{tenant_slug or ''}\x1f{login.lower()}"
    return LoginKeys(hashlib.sha256(typed.encode()).hexdigest(), ip)


class Throttle:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.failures = LoginFailureRepository(session)
        self.window = timedelta(seconds=settings.login_failure_window_seconds)
        self.limits = {
            ACCOUNT: settings.login_max_failures_per_account,
            IP: settings.login_max_failures_per_ip,
        }

    def _scopes(self, keys: LoginKeys) -> list[tuple[str, str]]:
        scopes = [(ACCOUNT, keys.account)]
        if keys.ip:
            scopes.append((IP, keys.ip))
        return scopes

    async def refusal(self, keys: LoginKeys, now: datetime) -> LoginThrottled | None:
        """The 429 to answer when the account or the address used up its failures."""
        for scope, key in self._scopes(keys):
            count, oldest = await self.failures.window(scope, key, now - self.window)
            limit = self.limits[scope]
            if count >= limit and oldest is not None:
                retry_after = math.ceil((oldest + self.window - now).total_seconds())
                return LoginThrottled(max(retry_after, 1), limit)
        return None

    async def failed(self, keys: LoginKeys, now: datetime) -> None:
        # Pruned as failures arrive, so a spray of made-up logins cannot grow the table for ever.
        await self.failures.forget_before(now - self.window)
        for scope, key in self._scopes(keys):
            await self.failures.record(scope, key, now)

    async def succeeded(self, keys: LoginKeys) -> None:
        # The address keeps its count: one good login must not reset a spray over many accounts.
        await self.failures.clear(ACCOUNT, keys.account)
