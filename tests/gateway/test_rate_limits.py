"""Rate limits at the gateway, with real Redis at 127.0.0.1:6379 shared by gateway processes.

Tokens here are minted with the development signing key (what the test processes
verify with): the gateway only verifies a signature to key limits by user (it
looks nothing up), and the upstream is a fake.
"""

from __future__ import annotations

import uuid

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studyspot.kit.keys import private_pem
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import issue_access_token
from tests.gateway.conftest import MakeFake, MakeGateway

REDIS = "redis://127.0.0.1:6379/0"


def _token(signing_key: str | None = None) -> str:
    """A token of the test key, or signed with `signing_key` (PEM) instead: a forgery."""
    settings = Settings(environment="test")
    if signing_key:
        settings = settings.model_copy(update={"jwt_private_key": signing_key})
    token, _ = issue_access_token(
        settings,
        user_id=uuid.uuid4(),
        email="owner@example.com",
        user_type="library_owner",
        user_table="library_owners",
        tenant_id=uuid.uuid4(),
        roles=["owner"],
        permissions=["students:read"],
    )
    return token


async def test_429_with_headers_after_the_limit(
    fake: MakeFake, gateway: MakeGateway, redis_prefix: str
) -> None:
    student = await fake("student")
    gw = await gateway(
        {"student": [student.url]},
        REDIS_URL=REDIS,
        GATEWAY_RATE_LIMIT_REDIS_PREFIX=redis_prefix,
        GATEWAY_RATE_LIMIT_PER_MINUTE="5",
    )
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        answers = [await http.get("/api/v1/students") for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r.headers["ratelimit-remaining"] for r in answers[:5]] == ["4", "3", "2", "1", "0"]
    refused = answers[5]
    assert refused.headers["ratelimit-limit"] == "5"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 12  # one request per 12 s refills
    assert 0 < int(refused.headers["ratelimit-reset"]) <= 60
    assert refused.json()["code"] == "rate_limited"
    assert len(student.receipts) == 5


async def test_two_gateways_on_one_redis_share_the_limit(
    fake: MakeFake, gateway: MakeGateway, redis_prefix: str
) -> None:
    student = await fake("student")
    env = {
        "REDIS_URL": REDIS,
        "GATEWAY_RATE_LIMIT_REDIS_PREFIX": redis_prefix,
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "6",
    }
    first = await gateway({"student": [student.url]}, name="gateway-a", **env)
    second = await gateway({"student": [student.url]}, name="gateway-b", **env)
    statuses = []
    async with (
        httpx.AsyncClient(base_url=first.spec.url) as a,
        httpx.AsyncClient(base_url=second.spec.url) as b,
    ):
        for i in range(10):
            statuses.append((await (a if i % 2 else b).get("/api/v1/students")).status_code)
    assert statuses.count(200) == 6
    assert statuses[6:] == [429] * 4


async def test_login_class_is_limited_separately_and_much_more_strictly(
    fake: MakeFake, gateway: MakeGateway, redis_prefix: str
) -> None:
    auth, student = await fake("auth"), await fake("student")
    gw = await gateway(
        {"auth": [auth.url], "student": [student.url]},
        REDIS_URL=REDIS,
        GATEWAY_RATE_LIMIT_REDIS_PREFIX=redis_prefix,
        GATEWAY_RATE_LIMIT_PER_MINUTE="20",
        GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE="3",
    )
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        logins = [
            (await http.post("/api/v1/auth/login", json={"email": "a@b.c"})).status_code
            for _ in range(4)
        ]
        other = await http.post("/api/auth/refresh", json={})
        general = await http.get("/api/users/me")
        reads = await http.get("/api/v1/students")
    assert logins == [200, 200, 200, 429]
    assert other.status_code == 429  # refresh is in the same strict class
    assert general.status_code == 200 and general.headers["ratelimit-limit"] == "20"
    assert reads.status_code == 200 and reads.headers["ratelimit-remaining"] == "18"


async def test_limit_is_per_user_with_a_valid_token_and_per_ip_with_a_forged_one(
    fake: MakeFake, gateway: MakeGateway, redis_prefix: str
) -> None:
    student = await fake("student")
    gw = await gateway(
        {"student": [student.url]},
        REDIS_URL=REDIS,
        GATEWAY_RATE_LIMIT_REDIS_PREFIX=redis_prefix,
        GATEWAY_RATE_LIMIT_PER_MINUTE="3",
    )
    alice, bob = _token(), _token()
    forged = _token(signing_key=private_pem(Ed25519PrivateKey.generate()))
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:

        async def get(token: str | None) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return (await http.get("/api/v1/students", headers=headers)).status_code

        assert [await get(alice) for _ in range(4)] == [200, 200, 200, 429]
        assert await get(bob) == 200  # another user has their own budget
        # A forged token counts against the client's IP like no token at all.
        assert [await get(forged), await get(None), await get(forged), await get(None)] == [
            200,
            200,
            200,
            429,
        ]


async def test_gateway_keeps_serving_with_local_limits_when_redis_is_unreachable(
    fake: MakeFake, gateway: MakeGateway, redis_prefix: str
) -> None:
    student = await fake("student")
    gw = await gateway(
        {"student": [student.url]},
        REDIS_URL="redis://127.0.0.1:9/0",
        GATEWAY_RATE_LIMIT_REDIS_PREFIX=redis_prefix,
        GATEWAY_RATE_LIMIT_PER_MINUTE="3",
    )
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        statuses = [(await http.get("/api/v1/students")).status_code for _ in range(4)]
        health = await http.get("/health/detailed")
    assert statuses == [200, 200, 200, 429]
    report = health.json()
    assert report["status"] == "warn"
    assert report["rate_limit"]["backend"] == "redis_fallback"
    assert report["rate_limit"]["status"] == "down"
