"""Typed dependencies of the auth routes: the unit of work, the caller's address, upstreams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import CurrentPrincipal, Principal
from studyspot.kit.settings import Settings
from studyspot.kit.state import kit_state
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.errors import PlatformOnly
from studyspot.services.auth.transactions import auth_unit_of_work
from studyspot.services.auth.upstream import Upstream


async def auth_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with auth_unit_of_work(kit_state(request.app).core) as session:
        yield session


# The core database, committed at the end of the request, and also when it ends in a Refusal.
AuthSession = Annotated[AsyncSession, Depends(auth_session, scope="function")]


def app_settings(request: Request) -> Settings:
    return kit_state(request.app).settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def auth_settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.auth_settings
    return settings


AuthConfig = Annotated[AuthSettings, Depends(auth_settings)]


def upstream(request: Request) -> Upstream:
    found: Upstream = request.app.state.auth_upstream
    return found


UpstreamDep = Annotated[Upstream, Depends(upstream)]


def client_ip(request: Request, config: AuthConfig) -> str | None:
    """The client's address: the peer, or what the trusted proxies in front of us saw.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is that many entries from the right; entries
    further left are whatever the client chose to send and prove nothing.
    """
    peer = request.client.host if request.client else None
    hops = config.trusted_proxy_hops
    if hops == 0:
        return peer
    chain = [
        part.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    if len(chain) < hops:
        return peer
    return chain[-hops][:64]


ClientIp = Annotated[str | None, Depends(client_ip)]


async def platform_principal(principal: CurrentPrincipal) -> Principal:
    if not principal.is_platform:
        raise PlatformOnly()
    return principal


PlatformPrincipal = Annotated[Principal, Depends(platform_principal)]
