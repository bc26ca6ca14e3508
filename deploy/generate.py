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
# One key, one door (docs/security.md): each process gets only the secrets it uses.
# Every process, the gateway too: no database and no private key in here.
SHARED_ENV = [
    "REDIS_URL",
    "NATS_URL",
    "CORS_ORIGIN",
    "JWT_PUBLIC_KEY",
    "JWT_PREVIOUS_KEYS",
    "SERVICE_PUBLIC_KEYS",
    # /metrics and /health/detailed answer only this bearer token (kit/operator.py).
    "METRICS_TOKEN",
]
# Every process but the gateway, which has no database.
# DATABASE_APP_USER/PASSWORD: the login of tenant units of work, which owns no table, so
# RESET ROLE cannot lift row-level security (docs/architecture.md).
DATABASE_ENV = ["DATABASE_URL", "CORE_DATABASE_URL", "DATABASE_APP_USER", "DATABASE_APP_PASSWORD"]


def private_env(name: str) -> list[str]:
    """The private keys of one process: its own service-token key; auth's access-token
    key; payment's encryption keys; attendance's code key; the message service's link key and SMTP password. The
    gateway and the worker sign nothing."""
    if name in ("gateway", "worker"):
        return []
    env = ["SERVICE_PRIVATE_KEY"]
    if name == "auth":
        # AUTH_LINK_ENCRYPTION_KEY seals reset/invite links for the message service alone.
        env += ["JWT_PRIVATE_KEY", "AUTH_LINK_ENCRYPTION_KEY"]
    if name == "payment":
        env += ["ENCRYPTION_KEY", "ENCRYPTION_PREVIOUS_KEYS", "ENCRYPTION_LEGACY_KEY"]
    if name == "attendance":
        # Signs the door's and students' check-in codes (docs/attendance.md).
        env += ["ATTENDANCE_CODE_KEY", "ATTENDANCE_CODE_PREVIOUS_KEYS"]
    if name == "message":
        # The link key opens what auth sealed for it; the relay login and the providers'
        # keys send; the WhatsApp app secret verifies status callbacks, the MSG91 webhook
        # token MSG91's delivery reports.
        env += [
            "AUTH_LINK_ENCRYPTION_KEY",
            "MESSAGE_SMTP_PASSWORD",
            "MESSAGE_WHATSAPP_ACCESS_TOKEN",
            "MESSAGE_WHATSAPP_APP_SECRET",
            "MESSAGE_MSG91_AUTH_KEY",
            "MESSAGE_MSG91_WEBHOOK_TOKEN",
        ]
    if name == "community":
        # Attachments go to an S3-compatible store (several replicas, read-only root
        # filesystem: no local disk); where it is and its key (docs/community.md).
        env += [
            "STORAGE_S3_ENDPOINT_URL",
            "STORAGE_S3_BUCKET",
            "STORAGE_S3_REGION",
            "STORAGE_S3_ACCESS_KEY_ID",
            "STORAGE_S3_SECRET_ACCESS_KEY",
        ]
    return env


# Rotation leftovers may be absent; the keys themselves may not.
REQUIRED_PRIVATE = {
    "SERVICE_PRIVATE_KEY",
    "JWT_PRIVATE_KEY",
    "ENCRYPTION_KEY",
    "AUTH_LINK_ENCRYPTION_KEY",
    "ATTENDANCE_CODE_KEY",
}


def groups(name: str) -> list[str]:
    return ["studyspot-shared"] + ([] if name == "gateway" else ["studyspot-databases"])


def service_urls() -> dict[str, str]:
    """`<NAME>_SERVICE_URL` of every service, by its in-cluster/private-network name."""
    return {
        f"{name.upper()}_SERVICE_URL": f"http://studyspot-{name}:{SERVICE_PORTS[name]}"
        for name in available_services()
        if name != "gateway"
    }


# Who decides a client's address. One proxy sits in front of the gateway in both targets
# (Render's router; the cluster's ingress controller) and appends the client to
# X-Forwarded-For; the gateway trusts that one hop and passes what it resolved in
# X-StudySpot-Client-IP, which auth (its login throttle) trusts instead of its peer.
PROXY_ENV = {
    "gateway": {"GATEWAY_TRUSTED_PROXY_HOPS": "1"},
    "auth": {"AUTH_BEHIND_GATEWAY": "true"},
}
# Plain settings of one service (no secret).
SERVICE_ENV = {**PROXY_ENV, "community": {"STORAGE_BACKEND": "s3"}}


def render_yaml() -> dict[str, object]:
    services: list[dict[str, object]] = []
    for name in available_services():
        env: list[dict[str, object]] = [
            {"key": "ENVIRONMENT", "value": "production"},
            {"key": "SERVICE", "value": name},
        ]
        env += [{"key": k, "value": v} for k, v in service_urls().items()]
        env += [{"key": k, "value": v} for k, v in SERVICE_ENV.get(name, {}).items()]
        svc: dict[str, object] = {
            "type": "web" if name == "gateway" else "pserv",
            "name": f"studyspot-{name}",
            "runtime": "docker",
            "dockerfilePath": "./deploy/Dockerfile",
            "dockerContext": ".",
            "healthCheckPath": "/health" if name == "gateway" else None,
            "envVars": [
                *env,
                *({"key": k, "sync": False} for k in private_env(name)),
                *({"fromGroup": g} for g in groups(name)),
            ],
        }
        services.append({k: v for k, v in svc.items() if v is not None})
    services.append(
        {
            "type": "worker",
            "name": "studyspot-worker",
            "runtime": "docker",
            "dockerfilePath": "./deploy/Dockerfile",
            "dockerContext": ".",
            "dockerCommand": "studyspot worker",
            # The worker holds the database URLs; the gateway, which once ran this, has none.
            "preDeployCommand": "studyspot migrate",
            "envVars": [
                {"key": "ENVIRONMENT", "value": "production"},
                *({"fromGroup": g} for g in groups("worker")),
            ],
        }
    )
    return {
        "services": services,
        "envVarGroups": [
            {
                "name": "studyspot-shared",
                "envVars": [{"key": k, "sync": False} for k in SHARED_ENV],
            },
            {
                "name": "studyspot-databases",
                "envVars": [{"key": k, "sync": False} for k in DATABASE_ENV],
            },
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
            *({"name": k, "value": v} for k, v in SERVICE_ENV.get(name, {}).items()),
            *(
                {
                    "name": k,
                    "valueFrom": {
                        "secretKeyRef": {
                            "name": f"studyspot-{name}",
                            "key": k,
                            **({} if k in REQUIRED_PRIVATE else {"optional": True}),
                        }
                    },
                }
                for k in private_env(name)
            ),
        ],
        "envFrom": [{"secretRef": {"name": g}} for g in groups(name)],
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
    if name == "gateway":
        # The one proxy hop GATEWAY_TRUSTED_PROXY_HOPS counts: clients reach the gateway here.
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "studyspot-gateway", "labels": labels},
                "spec": {
                    "defaultBackend": {
                        "service": {"name": "studyspot-gateway", "port": {"name": "http"}}
                    }
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
