"""The gateway in front of the real services, all as processes on loopback."""

from __future__ import annotations

import httpx

from studyspot.services.gateway.routes import ROUTE_TABLE
from tests.fixtures.system import System
from tests.fixtures.waiting import eventually
from tests.gateway.conftest import MakeFake, MakeGateway
from tests.gateway.fakes import FakeUpstream


def _sample_path(pattern: str) -> str:
    """A path under a table pattern: `/api/auth/*` → `/api/auth/login`, `/x*` → `/x`."""
    if pattern.endswith("/*"):
        return pattern[:-1] + ("login" if "auth" in pattern else "me")
    return pattern.rstrip("*")


def _gateway_answered_without_upstream(metrics: str) -> float:
    """503s the gateway answered itself without trying any instance (upstream `-`)."""
    from prometheus_client.parser import text_string_to_metric_families

    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "gateway_requests_total"
        and sample.labels.get("status") == "503"
        and sample.labels.get("upstream") == "-"
    )


def _same_answer(a: httpx.Response, b: httpx.Response) -> bool:
    def strip(r: httpx.Response) -> object:
        if r.headers.get("content-type", "").endswith("json"):
            body = r.json()
            if isinstance(body, dict):
                body.pop("request_id", None)
            return body
        return r.content

    return a.status_code == b.status_code and strip(a) == strip(b)


async def test_every_prefix_of_the_table_reaches_its_service(
    system: System, fake: MakeFake, gateway: MakeGateway
) -> None:
    fakes: dict[str, FakeUpstream] = {}
    upstreams: dict[str, list[str]] = {}
    for _, service in ROUTE_TABLE:
        if service in system.services:
            upstreams[service] = [system.service_url(service)]
        elif service not in fakes:
            fakes[service] = await fake(service)
            upstreams[service] = [fakes[service].url]
    # Real services on a busy 2-core machine can take more than the fast-fail 0.5 s.
    gw = await gateway(
        upstreams, GATEWAY_UPSTREAM_TIMEOUT_SECONDS="30", GATEWAY_CONNECT_TIMEOUT_SECONDS="5"
    )
    async with httpx.AsyncClient(base_url=gw.spec.url, timeout=30) as via:
        for pattern, service in ROUTE_TABLE:
            path = _sample_path(pattern)
            answer = await via.get(path)
            if service in fakes:
                assert answer.status_code == 200, (pattern, answer.text)
                assert answer.json()["service"] == service
                assert answer.json()["path"] == path
                continue
            async with httpx.AsyncClient(base_url=system.service_url(service)) as direct:
                expected = await direct.get(path)
            assert _same_answer(answer, expected), (pattern, answer.text, expected.text)
            # Whatever the service said, it was the service, not the gateway's own 404/503.
            assert answer.status_code not in (502, 503, 504), (pattern, answer.text)


async def test_killed_service_fails_fast_with_open_breaker_and_recovers_after_restart(
    system: System,
) -> None:
    service = "student" if "student" in system.services else system.services[0]
    path = _sample_path(next(p for p, s in ROUTE_TABLE if s == service))
    async with system.client() as http:
        healthy = await http.get(path)
        assert healthy.status_code not in (502, 503, 504)
        await system.kill(service)
        refused = [await http.get(path) for _ in range(3)]  # the breaker's threshold
        assert all(r.status_code == 503 for r in refused)
        assert all(service in r.json()["detail"] for r in refused)

        before = _gateway_answered_without_upstream((await http.get("/metrics")).text)
        fast = await http.get(path)
        assert fast.status_code == 503 and fast.json()["code"] == "service_unavailable"
        assert fast.headers["retry-after"] == "1"
        # Fast because nothing was tried: no instance, no connect, no retry with backoff
        # (a time bound said the same until a loaded machine took 0.5 s to answer at all).
        after = _gateway_answered_without_upstream((await http.get("/metrics")).text)
        assert after == before + 1, (before, after)

        report = (await http.get("/health/detailed")).json()
        assert report["status"] in ("warn", "fail")
        entry = report["services"][service]
        assert entry["status"] == "down"
        assert entry["instances"][0]["breaker"] == "open"

        await system.start(service)

        async def probing_again() -> bool:
            # After the breaker's open period (1 s) it lets one probe through.
            report = (await http.get("/health/detailed")).json()["services"][service]
            return bool(report["instances"][0]["breaker"] != "open")

        await eventually(probing_again, within=5, what="the breaker's open period to end")
        probing = (await http.get("/health/detailed")).json()["services"][service]
        assert probing["instances"][0]["breaker"] == "half_open"
        back = await http.get(path)
        assert back.status_code == healthy.status_code
        after = (await http.get("/health/detailed")).json()
        assert after["services"][service]["instances"][0]["breaker"] == "closed"
        metrics = (await http.get("/metrics")).text
    assert f'gateway_upstream_breaker_state{{instance="{service}-1",service="{service}"}} 0.0' in (
        metrics
    )


async def test_merged_openapi_has_every_running_service_and_no_internal_route(
    system: System,
) -> None:
    async with system.client() as http:
        doc = (await http.get("/openapi.json")).json()
        docs_page = await http.get("/docs")
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert "/health/detailed" in paths
    assert not [p for p in paths if p.startswith("/internal")]
    for service in system.services:
        async with httpx.AsyncClient(base_url=system.service_url(service)) as direct:
            own = (await direct.get("/openapi.json")).json()
        public = [p for p in own["paths"] if p.startswith("/api/")]
        assert public, f"{service} documents no /api path"
        for p in public:
            assert p in paths, (service, p)
    # Every reference resolves inside the merged document.
    text = str(doc)
    for name in doc["components"]["schemas"]:
        assert isinstance(name, str)
    import re

    for ref in set(re.findall(r"#/components/schemas/([A-Za-z0-9_.\-]+)", text)):
        assert ref in doc["components"]["schemas"], ref
    assert docs_page.status_code == 200
    assert "/openapi.json" in docs_page.text


async def test_metrics_count_requests_by_route_status_and_upstream(system: System) -> None:
    async with system.client() as http:
        await http.get("/api/v1/tenants")
        await http.get("/no/such/route")
        text = (await http.get("/metrics")).text
    assert (
        'gateway_requests_total{method="GET",route="unmatched",source="gateway",status="404",'
        'upstream="-"}'
    ) in text
    assert 'route="/api/v1/tenants*"' in text
    assert "gateway_request_duration_seconds_bucket" in text
