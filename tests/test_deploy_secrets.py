"""Deploy files give each process only the secrets it uses: one key, one door.

Parsed from the generated files themselves (deploy/render.yaml, deploy/k8s/*.yaml),
next to tests/test_deploy.py, which checks they are up to date.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from studyspot.cli import available_services

ROOT = Path(__file__).resolve().parent.parent


def _groups() -> dict[str, set[str]]:
    """Group/secret name → variables, as render.yaml declares them (k8s uses the same names)."""
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    return {g["name"]: {e["key"] for e in g["envVars"]} for g in blueprint["envVarGroups"]}


def _render_received() -> dict[str, set[str]]:
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    groups = _groups()
    received: dict[str, set[str]] = {}
    for svc in blueprint["services"]:
        name = svc["name"].removeprefix("studyspot-")
        env = received.setdefault(name, set())
        for entry in svc["envVars"]:
            env |= groups[entry["fromGroup"]] if "fromGroup" in entry else {entry["key"]}
    return received


def _k8s_received() -> dict[str, dict[str, str | None]]:
    """Process → variable → the secret it comes from (None: a plain value or a shared group)."""
    groups = _groups()
    received: dict[str, dict[str, str | None]] = {}
    for name in [*available_services(), "worker"]:
        docs = list(yaml.safe_load_all((ROOT / "deploy/k8s" / f"{name}.yaml").read_text()))
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env: dict[str, str | None] = {}
        for ref in container.get("envFrom", []):
            env |= dict.fromkeys(groups[ref["secretRef"]["name"]])
        for entry in container["env"]:
            secret = entry.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
            env[entry["name"]] = secret
        received[name] = env
    return received


DATABASES = {"DATABASE_URL", "CORE_DATABASE_URL"}
PRIVATE = {"JWT_PRIVATE_KEY", "SERVICE_PRIVATE_KEY", "ENCRYPTION_KEY", "JWT_SECRET"}


def test_the_gateway_receives_no_database_url_and_no_private_key() -> None:
    for target in (_render_received(), {k: set(v) for k, v in _k8s_received().items()}):
        gateway = target["gateway"]
        assert not gateway & DATABASES
        assert not gateway & PRIVATE
        assert not {k for k in gateway if k.startswith("ENCRYPTION_")}
        assert "JWT_PUBLIC_KEY" in gateway  # it verifies tokens to key its rate limits


def test_only_payment_receives_the_encryption_key() -> None:
    for target in (_render_received(), {k: set(v) for k, v in _k8s_received().items()}):
        holders = {name for name, env in target.items() if "ENCRYPTION_KEY" in env}
        assert holders == {"payment"}


def test_only_auth_receives_the_access_token_private_key() -> None:
    for target in (_render_received(), {k: set(v) for k, v in _k8s_received().items()}):
        assert {name for name, env in target.items() if "JWT_PRIVATE_KEY" in env} == {"auth"}
        assert all("JWT_SECRET" not in env for env in target.values())  # no shared secret left
        assert all("JWT_PUBLIC_KEY" in env for env in target.values())


def test_each_service_signs_with_its_own_secret_and_every_other_process_has_a_database() -> None:
    k8s = _k8s_received()
    for name in available_services():
        if name == "gateway":
            continue
        assert k8s[name]["SERVICE_PRIVATE_KEY"] == f"studyspot-{name}"
        assert set(k8s[name]) >= DATABASES
        for variable, secret in k8s[name].items():
            assert secret in (None, f"studyspot-{name}"), (name, variable)
    assert set(k8s["worker"]) >= DATABASES and not set(k8s["worker"]) & PRIVATE
    blueprint = yaml.safe_load((ROOT / "deploy/render.yaml").read_text())
    migrating = [s["name"] for s in blueprint["services"] if "preDeployCommand" in s]
    assert migrating == ["studyspot-worker"]  # migrations run where the database URLs are
