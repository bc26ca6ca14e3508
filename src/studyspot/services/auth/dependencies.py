"""Typed dependencies of the auth routes: the unit of work, the caller's address, upstreams."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import CurrentPrincipal, Principal
from studyspot.kit.context import CLIENT_IP_HEADER
from studyspot.kit.settings import Settings
from studyspot.kit.state import kit_state
from studyspot.services.auth.client import LinkBox
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.errors import PlatformOnly
from studyspot.services.auth.transactions import auth_unit_of_work
from studyspot.services.auth.upstream import Upstream


async def auth_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with auth_unit_of_work(kit_state(request.app).core) as session:
        yield session


# The core database, committed at the end of the request, and also when it ends in a Refusal.
AuthSession = Annotated[AsyncSession, Depends(auth_session, scope="function")]


async def app_settings(request: Request) -> Settings:
    return kit_state(request.app).settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def auth_settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.auth_settings
    return settings


AuthConfig = Annotated[AuthSettings, Depends(auth_settings)]


async def now(request: Request) -> datetime:
    """This request's moment on the auth clock (tests move it instead of sleeping)."""
    clock: Callable[[], datetime] = request.app.state.auth_clock
    return clock()


Now = Annotated[datetime, Depends(now)]


async def link_box(request: Request) -> LinkBox:
    box: LinkBox = request.app.state.auth_link_box
    return box


# Seals reset and invite link secrets for the message service (AUTH_LINK_ENCRYPTION_KEY).
LinkBoxDep = Annotated[LinkBox, Depends(link_box)]


async def upstream(request: Request) -> Upstream:
    found: Upstream = request.app.state.auth_upstream
    return found


UpstreamDep = Annotated[Upstream, Depends(upstream)]


async def client_ip(request: Request, config: AuthConfig) -> str | None:
    """The client's address: the peer, or behind the gateway the address the gateway resolved.

    Behind the gateway the peer is the gateway itself, and X-Forwarded-For holds
    whatever a client chose to put there plus a hop count this service would have
    to agree on with every proxy in front of the gateway. So only the gateway's
    own header counts: it resolves the address once (GATEWAY_TRUSTED_PROXY_HOPS)
    and replaces any value a client sent. Without it (a call that did not come
    through the gateway) the peer is all we know.
    """
    peer = request.client.host if request.client else None
    if not config.behind_gateway:
        return peer
    told = request.headers.getlist(CLIENT_IP_HEADER)
    if len(told) != 1:
        return peer
    try:
        return str(ipaddress.ip_address(told[0].strip()))
    except ValueError:
        return peer


ClientIp = Annotated[str | None, Depends(client_ip)]


async def platform_principal(principal: CurrentPrincipal) -> Principal:
    if not principal.is_platform:
        raise PlatformOnly()
    return principal


PlatformPrincipal = Annotated[Principal, Depends(platform_principal)]
