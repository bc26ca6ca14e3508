"""Public routes: `/api/auth/*` (sessions, passwords), `/api/users/me*`, `/api/v1/auth/*`."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from studyspot.kit.auth import CurrentPrincipal
from studyspot.kit.errors import problem_responses
from studyspot.kit.permissions import UserType
from studyspot.kit.state import kit_state
from studyspot.services.auth import logins, password_resets, profiles, sessions, signup
from studyspot.services.auth.dependencies import (
    AuthConfig,
    AuthSession,
    ClientIp,
    LinkBoxDep,
    Now,
    PlatformPrincipal,
    SettingsDep,
    UpstreamDep,
)
from studyspot.services.auth.schemas import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    Me,
    MeUpdate,
    PlatformLoginRequest,
    PlatformMe,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    ResetPasswordRequest,
    TokenResponse,
)
from studyspot.services.auth.transactions import auth_unit_of_work

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])
users_router = APIRouter(prefix="/api/users", tags=["users"])
platform_router = APIRouter(prefix="/api/v1/auth", tags=["platform auth"])


@auth_router.post(
    "/register",
    status_code=201,
    response_model=RegisterResponse,
    responses=problem_responses(409, 503),
    summary="Sign a library owner up: a new tenant on the trial plan, and a session",
)
async def register(
    body: RegisterRequest,
    settings: SettingsDep,
    session: AuthSession,
    upstream: UpstreamDep,
    ip: ClientIp,
) -> RegisterResponse:
    return await signup.register(session, settings, upstream.tenant, body, ip=ip)


@auth_router.post(
    "/login",
    response_model=TokenResponse,
    responses=problem_responses(401, 403, 429, 503),
    summary="Log in a library owner, staff member or student",
)
async def login(
    body: LoginRequest,
    settings: SettingsDep,
    config: AuthConfig,
    session: AuthSession,
    upstream: UpstreamDep,
    ip: ClientIp,
    now: Now,
) -> TokenResponse:
    tenant_id = await logins.resolve_tenant(upstream.tenant, body.tenant_slug)
    return await logins.login(session, settings, config, body, tenant_id=tenant_id, ip=ip, now=now)


@auth_router.post(
    "/refresh",
    response_model=TokenResponse,
    responses=problem_responses(401),
    summary="Exchange a refresh token for new tokens (each refresh token works once)",
)
async def refresh(
    body: RefreshRequest, settings: SettingsDep, session: AuthSession, ip: ClientIp
) -> TokenResponse:
    return await sessions.refresh(session, settings, body.refresh_token, ip=ip)


@auth_router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    summary="End the session the refresh token belongs to",
)
async def logout(body: LogoutRequest, session: AuthSession, ip: ClientIp) -> Response:
    await sessions.logout(session, body.refresh_token, ip=ip)
    return Response(status_code=204)


@auth_router.post(
    "/logout-all",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401),
    summary="End every session of the caller, this one included; its access tokens stop working",
)
async def logout_all(
    principal: CurrentPrincipal, session: AuthSession, ip: ClientIp, now: Now
) -> Response:
    await sessions.logout_everywhere(session, principal, ip=ip, now=now)
    return Response(status_code=204)


@auth_router.post(
    "/forgot-password",
    status_code=202,
    response_class=Response,
    responses=problem_responses(503),
    summary="Send a password reset link, if the account exists (the answer is the same if not)",
)
async def forgot_password(
    body: ForgotPasswordRequest,
    settings: SettingsDep,
    config: AuthConfig,
    session: AuthSession,
    upstream: UpstreamDep,
    ip: ClientIp,
    now: Now,
    box: LinkBoxDep,
) -> Response:
    tenant_id = await logins.resolve_tenant(upstream.tenant, body.tenant_slug)
    await password_resets.forgot_password(
        session, settings, config, body, tenant_id=tenant_id, ip=ip, now=now, box=box
    )
    return Response(status_code=202)


@auth_router.post(
    "/reset-password",
    status_code=204,
    response_class=Response,
    summary="Choose a password with a reset or invite link; every session ends",
)
async def reset_password(
    body: ResetPasswordRequest,
    settings: SettingsDep,
    session: AuthSession,
    ip: ClientIp,
    now: Now,
) -> Response:
    await password_resets.reset_password(session, settings, body, ip=ip, now=now)
    return Response(status_code=204)


@users_router.get(
    "/me",
    response_model=Me,
    responses=problem_responses(404, 503),
    summary="The caller's profile, from the table its token names",
)
async def read_me(
    request: Request, principal: CurrentPrincipal, upstream: UpstreamDep
) -> profiles.MeAnswer | Response:
    core = kit_state(request.app).core
    if principal.user_type == UserType.library_owner.value:
        # The documented shape is OwnerMe (tests/auth compare it with the model's answer).
        answer = await profiles.owner_me(core.reader, principal)
        return Response(
            orjson.dumps(answer, default=str, option=orjson.OPT_UTC_Z),
            media_type="application/json",
        )
    # A unit of work only where one is used: the owner's answer is one driver read.
    async with auth_unit_of_work(core) as session:
        return await profiles.read_me(session, principal, upstream)


@users_router.patch(
    "/me",
    response_model=Me,
    responses=problem_responses(403, 404, 409, 429, 503),
    summary="Change the caller's name or phone (the phone needs the current password)",
)
async def update_me(
    body: MeUpdate,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    config: AuthConfig,
    session: AuthSession,
    upstream: UpstreamDep,
    ip: ClientIp,
    now: Now,
) -> profiles.MeAnswer:
    return await profiles.update_me(
        session, settings, config, principal, upstream, body, ip=ip, now=now
    )


@users_router.post(
    "/me/password",
    response_model=TokenResponse,
    responses=problem_responses(403, 429),
    summary="Change the caller's password: other sessions end, this one gets new tokens",
)
async def change_password(
    body: ChangePasswordRequest,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    config: AuthConfig,
    session: AuthSession,
    ip: ClientIp,
    now: Now,
) -> TokenResponse:
    return await password_resets.change_password(
        session, settings, config, principal, body, ip=ip, now=now
    )


@platform_router.post(
    "/login",
    response_model=TokenResponse,
    responses=problem_responses(401, 403, 429),
    summary="Log in a platform admin or platform staff member",
)
async def platform_login(
    body: PlatformLoginRequest,
    settings: SettingsDep,
    config: AuthConfig,
    session: AuthSession,
    ip: ClientIp,
    now: Now,
) -> TokenResponse:
    return await logins.platform_login(session, settings, config, body, ip=ip, now=now)


@platform_router.get(
    "/me",
    response_model=PlatformMe,
    summary="The calling platform user's profile",
)
async def platform_me(
    principal: PlatformPrincipal, session: AuthSession, upstream: UpstreamDep
) -> profiles.MeAnswer:
    return await profiles.read_me(session, principal, upstream)
