"""What the kit keeps per application: settings, databases, metrics, health checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import FastAPI

from studyspot.kit.db import Database, TenantDatabases
from studyspot.kit.identity_changes import IdentityChanges
from studyspot.kit.metrics import ServiceMetrics
from studyspot.kit.service_tokens import VerifiedServiceTokens
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import VerifiedTokens

# A health check returns its latency in milliseconds or raises.
HealthCheck = Callable[[], Awaitable[float]]


@dataclass
class KitState:
    service: str
    settings: Settings
    core: Database
    tenants: TenantDatabases
    metrics: ServiceMetrics
    checks: dict[str, HealthCheck] = field(default_factory=dict)
    # Until the application starts listening, nothing is cached (kit/auth.py).
    identity_changes: IdentityChanges = field(
        default_factory=lambda: IdentityChanges(lambda _user: None, lambda: None)
    )
    tokens: VerifiedTokens = field(init=False)
    service_tokens: VerifiedServiceTokens = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = VerifiedTokens(self.settings)
        self.service_tokens = VerifiedServiceTokens(self.settings)


def kit_state(app: FastAPI) -> KitState:
    state: KitState = app.state.kit
    return state
