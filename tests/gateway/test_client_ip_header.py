"""The gateway owns X-StudySpot-Client-IP: it replaces what a client sent with the address
it resolved, the one auth throttles logins by."""

from __future__ import annotations

import httpx

from tests.gateway.conftest import MakeFake, MakeGateway

FORGED = {"X-StudySpot-Client-IP": "6.6.6.6"}


async def test_a_client_cannot_choose_the_address_auth_throttles_it_by(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    auth = await fake("auth")
    gw = await gateway({"auth": [auth.url]})
    async with httpx.AsyncClient(base_url=gw.spec.url, timeout=30) as http:
        seen = (await http.get("/api/users/me", headers=FORGED)).json()["headers"]
    assert seen["x-studyspot-client-ip"] == "127.0.0.1"  # the peer, not the client's claim


async def test_behind_one_trusted_proxy_the_header_carries_the_address_that_proxy_saw(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    auth = await fake("auth")
    gw = await gateway({"auth": [auth.url]}, GATEWAY_TRUSTED_PROXY_HOPS="1")
    async with httpx.AsyncClient(base_url=gw.spec.url, timeout=30) as http:
        # The client's own entries come first; the proxy appends the address it saw.
        seen = (
            await http.get(
                "/api/users/me", headers={**FORGED, "X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
            )
        ).json()["headers"]
    assert seen["x-studyspot-client-ip"] == "203.0.113.5"


async def test_a_client_cannot_choose_the_budget_services_wait_within(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    # The gateway's own upstream timeout, not a client's figure (an hour, or nothing).
    auth = await fake("auth")
    gw = await gateway({"auth": [auth.url]}, GATEWAY_UPSTREAM_TIMEOUT_SECONDS="12")
    async with httpx.AsyncClient(base_url=gw.spec.url, timeout=30) as http:
        seen = (await http.get("/api/users/me", headers={"X-Request-Budget-Ms": "3600000"})).json()[
            "headers"
        ]
    assert seen["x-request-budget-ms"] == "12000"
