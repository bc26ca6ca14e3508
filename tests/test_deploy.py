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
