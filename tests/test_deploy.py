"""Deployment files describe every service that exists (no Docker engine here, so we
validate structure: generated files up to date, ports and commands consistent)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import yaml

from studyspot.cli import app as cli_app
from studyspot.cli import available_services
from studyspot.kit.settings import SERVICE_PORTS

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_generate", ROOT / "deploy/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_deploy_files_match_the_generator() -> None:
    for path, text in _generator().outputs().items():
        assert path.exists(), f"{path} missing: run python deploy/generate.py"
        assert path.read_text() == text, f"{path} is stale: run python deploy/generate.py"


def test_every_service_has_a_deployment_and_a_service_on_its_plan_port() -> None:
    for name in available_services():
        docs = list(yaml.safe_load_all((ROOT / "deploy/k8s" / f"{name}.yaml").read_text()))
        kinds = {d["kind"]: d for d in docs}
        container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
        assert container["ports"][0]["containerPort"] == SERVICE_PORTS[name]
        assert kinds["Service"]["spec"]["ports"][0]["port"] == SERVICE_PORTS[name]


def test_render_blueprint_lists_every_service_and_the_worker() -> None:
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    names = {s["name"] for s in blueprint["services"]}
    assert {f"studyspot-{n}" for n in available_services()} | {"studyspot-worker"} <= names
    gateway = next(s for s in blueprint["services"] if s["name"] == "studyspot-gateway")
    keys = {e.get("key") for e in gateway["envVars"]}
    for name in available_services():
        if name != "gateway":
            assert f"{name.upper()}_SERVICE_URL" in keys


def test_container_commands_exist_in_the_cli() -> None:
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in cli_app.registered_commands
    }
    assert "serve" in commands and "migrate" in commands
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "studyspot serve" in dockerfile


def _k8s_env(name: str) -> dict[str, str]:
    docs = list(yaml.safe_load_all((ROOT / "deploy/k8s" / f"{name}.yaml").read_text()))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    # Secrets come as valueFrom (no value): plain values are what this compares.
    return {e["name"]: e.get("value") for e in container["env"]}


def _render_env(name: str) -> dict[str, str]:
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    service = next(s for s in blueprint["services"] if s["name"] == f"studyspot-{name}")
    return {e["key"]: e.get("value") for e in service["envVars"] if "key" in e}


def test_manifests_agree_on_who_resolves_the_client_address() -> None:
    # One proxy (Render's router, the cluster's ingress) in front of the gateway; the gateway
    # trusts exactly that hop, and auth trusts only the gateway's X-StudySpot-Client-IP. With
    # auth left on its peer address, 50 failed logins from anywhere locked out everyone.
    for env in (_k8s_env, _render_env):
        assert env("gateway").get("GATEWAY_TRUSTED_PROXY_HOPS") == "1"
        assert env("auth").get("AUTH_BEHIND_GATEWAY") == "true"
        for name in available_services():
            assert "AUTH_TRUSTED_PROXY_HOPS" not in env(name)
            if name != "gateway":
                assert "GATEWAY_TRUSTED_PROXY_HOPS" not in env(name)


def test_only_the_gateway_is_reachable_from_outside_so_only_it_sets_the_client_address() -> None:
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    public = {s["name"] for s in blueprint["services"] if s["type"] == "web"}
    assert public == {"studyspot-gateway"}
    exposed: list[str] = []
    for name in available_services():
        for doc in yaml.safe_load_all((ROOT / "deploy/k8s" / f"{name}.yaml").read_text()):
            if doc["kind"] == "Ingress":
                backend = doc["spec"]["defaultBackend"]["service"]["name"]
                exposed.append(backend)
            if doc["kind"] == "Service":
                assert doc["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert exposed == ["studyspot-gateway"]


def test_only_auth_and_the_message_service_hold_the_key_that_seals_links() -> None:
    # Auth (which seals) and the message service (its one reader) refuse the development
    # link key in production: the manifests must give them one, and no other process.
    for env in (_k8s_secret_names, _render_secret_names):
        holders = {name for name in available_services() if "AUTH_LINK_ENCRYPTION_KEY" in env(name)}
        assert holders == {"auth", "message"}


def _k8s_secret_names(name: str) -> set[str]:
    docs = list(yaml.safe_load_all((ROOT / "deploy/k8s" / f"{name}.yaml").read_text()))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"] for e in container["env"]}


def _render_secret_names(name: str) -> set[str]:
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    service = next(s for s in blueprint["services"] if s["name"] == f"studyspot-{name}")
    return {e["key"] for e in service["envVars"] if "key" in e}
