"""Writes deploy/render.yaml and deploy/k8s/*.yaml from the services that exist.

Run `python deploy/generate.py` after adding a service; tests/test_deploy.py
fails when the committed files differ from what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from studyspot.cli import available_services
from studyspot.kit.settings import SERVICE_PORTS

ROOT = Path(__file__).resolve().parent
SHARED_ENV = [
    "DATABASE_URL",
    "CORE_DATABASE_URL",
    "JWT_SECRET",
    "ENCRYPTION_KEY",
    "REDIS_URL",
    "NATS_URL",
    "CORS_ORIGIN",
]


def service_urls() -> dict[str, str]:
    """`<NAME>_SERVICE_URL` of every service, by its in-cluster/private-network name."""
    return {
        f"{name.upper()}_SERVICE_URL": f"http://studyspot-{name}:{SERVICE_PORTS[name]}"
        for name in available_services()
        if name != "gateway"
    }


def render_yaml() -> dict[str, object]:
    services: list[dict[str, object]] = []
    for name in available_services():
        env: list[dict[str, object]] = [
            {"key": "ENVIRONMENT", "value": "production"},
            {"key": "SERVICE", "value": name},
        ]
        env += [{"key": k, "value": v} for k, v in service_urls().items()]
        svc: dict[str, object] = {
            "type": "web" if name == "gateway" else "pserv",
            "name": f"studyspot-{name}",
            "runtime": "docker",
            "dockerfilePath": "./deploy/Dockerfile",
            "dockerContext": ".",
            "healthCheckPath": "/health" if name == "gateway" else None,
            "envVars": [*env, {"fromGroup": "studyspot-shared"}],
        }
        if name == "gateway":
            svc["preDeployCommand"] = "studyspot migrate"
        services.append({k: v for k, v in svc.items() if v is not None})
    services.append(
        {
            "type": "worker",
            "name": "studyspot-worker",
            "runtime": "docker",
            "dockerfilePath": "./deploy/Dockerfile",
            "dockerContext": ".",
            "dockerCommand": "studyspot worker",
            "envVars": [
                {"key": "ENVIRONMENT", "value": "production"},
                {"fromGroup": "studyspot-shared"},
            ],
        }
    )
    return {
        "services": services,
        "envVarGroups": [
            {
                "name": "studyspot-shared",
                "envVars": [{"key": k, "sync": False} for k in SHARED_ENV],
            }
        ],
    }


def k8s(name: str) -> list[dict[str, object]]:
    port = SERVICE_PORTS.get(name)
    labels = {
        "app.kubernetes.io/name": f"studyspot-{name}",
        "app.kubernetes.io/part-of": "studyspot",
    }
    command = ["studyspot", "worker"] if name == "worker" else None
    container: dict[str, object] = {
        "name": name,
        "image": "studyspot:latest",
        "env": [
            {"name": "ENVIRONMENT", "value": "production"},
            {"name": "SERVICE", "value": name},
            *({"name": k, "value": v} for k, v in service_urls().items()),
        ],
        "envFrom": [{"secretRef": {"name": "studyspot-shared"}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "512Mi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
        },
    }
    if command:
        container["command"] = command
    if port:
        container["ports"] = [{"containerPort": port, "name": "http"}]
        container["readinessProbe"] = {
            "httpGet": {"path": "/health", "port": "http"},
            "periodSeconds": 5,
        }
        container["livenessProbe"] = {
            "httpGet": {"path": "/health", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
    docs: list[dict[str, object]] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": f"studyspot-{name}", "labels": labels},
            "spec": {
                "replicas": 2 if name != "worker" else 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }
    ]
    if port:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"studyspot-{name}", "labels": labels},
                "spec": {
                    "selector": labels,
                    "ports": [{"port": port, "targetPort": "http", "name": "http"}],
                },
            }
        )
    return docs


def outputs() -> dict[Path, str]:
    files = {ROOT / "render.yaml": yaml.safe_dump(render_yaml(), sort_keys=False)}
    for name in [*available_services(), "worker"]:
        files[ROOT / "k8s" / f"{name}.yaml"] = yaml.safe_dump_all(k8s(name), sort_keys=False)
    return files


if __name__ == "__main__":
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        sys.stdout.write(f"wrote {path.relative_to(ROOT.parent)}\n")
