"""The `studyspot` command: migrate, serve one service, start everything, admin tasks.

Services add their own sub-commands in `studyspot/services/<name>/cli.py`
(a Typer app named `cli`); they are mounted here under the service's name.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING

import typer

import studyspot.services as services_pkg
from studyspot.kit.settings import SERVICE_PORTS, get_settings

if TYPE_CHECKING:
    from studyspot.kit.events import Consumer

# Every process `studyspot up` starts runs this module first (runner.studyspot_argv):
# what only some commands need (alembic, the event kit) is imported inside them, which
# saves each service process a few hundred milliseconds of CPU at start.

app = typer.Typer(help="StudySpot: software for study libraries.", no_args_is_help=True)


def available_services() -> list[str]:
    """Services that exist in this checkout, in plan-port order (gateway last)."""
    found = {m.name for m in pkgutil.iter_modules(services_pkg.__path__) if m.ispkg}
    names = [
        n
        for n in sorted(SERVICE_PORTS, key=SERVICE_PORTS.__getitem__)
        if n in found and importlib.util.find_spec(f"studyspot.services.{n}.app") is not None
    ]
    return [n for n in names if n != "gateway"] + (["gateway"] if "gateway" in names else [])


@app.command()
def migrate(
    downgrade: bool = typer.Option(False, help="Downgrade to base instead of upgrading."),
) -> None:
    """Apply (or undo) the migrations of the core and the shared tenant database."""
    from studyspot.kit import migrate as kit_migrate

    settings = get_settings()
    for kind, url in (("core", settings.core_db_url), ("tenant", settings.tenant_db_url)):
        if downgrade:
            kit_migrate.downgrade(kind, url)  # type: ignore[arg-type]
        else:
            kit_migrate.upgrade(kind, url)  # type: ignore[arg-type]
        typer.echo(f"{kind} database {'downgraded' if downgrade else 'at head'}")


@app.command()
def serve(
    service: str = typer.Argument(..., help="Service name, e.g. auth"),
    port: int = typer.Option(0, help="Port (default: the plan port)"),
    host: str = typer.Option("127.0.0.1"),
    grace: float = typer.Option(
        5.0,
        envvar="STUDYSPOT_SHUTDOWN_GRACE_SECONDS",
        min=0.5,
        max=600,
        help="On SIGTERM/SIGINT: seconds for in-flight requests; the process is gone 2 s later.",
    ),
) -> None:
    """Run one service in the foreground (what `studyspot up` starts per process)."""
    from studyspot.kit.serving import serve as serve_bounded

    if service not in available_services():
        raise typer.BadParameter(f"unknown service {service!r}")
    serve_bounded(
        f"studyspot.services.{service}.app:create_app",
        host=host,
        port=port or SERVICE_PORTS[service],
        grace=grace,
        keep_alive=_keep_alive(service),
    )


def _keep_alive(service: str) -> int:
    """Idle keep-alive of `service`'s server: the gateway's clients are not ours."""
    from studyspot.kit.serving import SERVICE_KEEP_ALIVE_SECONDS

    if service == "gateway":
        from studyspot.services.gateway.config import GatewaySettings

        return GatewaySettings().client_keep_alive_seconds
    return SERVICE_KEEP_ALIVE_SECONDS


def discover_consumers(package: ModuleType = services_pkg) -> list[Consumer]:
    """Every service's `CONSUMERS` (from `<service>/consumers.py`), in service-name order."""
    from studyspot.kit.events import Consumer

    found: list[Consumer] = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        name = f"{package.__name__}.{module_info.name}.consumers"
        if not module_info.ispkg or importlib.util.find_spec(name) is None:
            continue
        declared = getattr(importlib.import_module(name), "CONSUMERS", None)
        if not isinstance(declared, list | tuple) or not all(
            isinstance(c, Consumer) for c in declared
        ):
            raise TypeError(f"{name}.CONSUMERS must be a list of studyspot.kit.events.Consumer")
        found.extend(declared)
    return found


@app.command("keys")
def keys_command(kid: str = typer.Option("k1", help="Key id of the new access-token key.")) -> None:
    """Print a fresh set of production keys, grouped by the secret that holds them.

    One key, one door (docs/security.md): the access-token private key goes to auth
    alone, each service's private key to that service, the encryption key to payment;
    the public keys go to every process. Nothing is stored; keep the output safe.
    """
    from studyspot.kit import keys

    def line(name: str, value: str) -> str:
        return f'{name}="{value}"' if "\n" in value else f"{name}={value}"

    access = keys.generate_private_key()
    services = [n for n in available_services() if n != "gateway"]
    own = {name: keys.generate_private_key() for name in services}
    public = ",".join(f"{name}:{keys.public_text(key)}" for name, key in own.items())
    out = ["# studyspot-shared: every process", line("JWT_KID", kid)]
    out += [line("JWT_PUBLIC_KEY", keys.public_text(access)), line("SERVICE_PUBLIC_KEYS", public)]
    for name, key in own.items():
        out += ["", f"# studyspot-{name}", line("SERVICE_PRIVATE_KEY", keys.private_pem(key))]
        if name == "auth":
            out.append(line("JWT_PRIVATE_KEY", keys.private_pem(access)))
        if name == "payment":
            out.append(line("ENCRYPTION_KEY", keys.new_encryption_key("v1")))
    typer.echo("\n".join(out))


@app.command()
def worker() -> None:
    """Run the outbox relay and every service's event consumers until SIGTERM or Ctrl-C."""
    import asyncio

    from studyspot.kit.events.worker import run_worker
    from studyspot.kit.logging import configure_logging

    settings = get_settings()
    configure_logging("worker", settings.log_level, settings.log_json)
    asyncio.run(run_worker(settings, discover_consumers()))


@app.command()
def up(
    only: str = typer.Option("", help="Comma-separated services to start, e.g. auth,student."),
    workers: int = typer.Option(1, min=1, max=99, help="Instances per service (see runner.py)."),
    port_offset: int = typer.Option(
        0, envvar="STUDYSPOT_PORT_OFFSET", min=0, max=60_000, help="Added to every port."
    ),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations."),
    with_worker: bool = typer.Option(True, "--worker/--no-worker", help="Run `studyspot worker`."),
    stop_grace: float = typer.Option(
        10.0,
        envvar="STUDYSPOT_STOP_GRACE_SECONDS",
        min=1,
        max=600,
        help="On the first stop signal: seconds before what is still running gets SIGKILL.",
    ),
) -> None:
    """Start every service as its own process, the event worker, and the gateway; Ctrl-C stops all."""
    import asyncio

    from studyspot import runner

    names = [n.strip() for n in only.split(",") if n.strip()]
    try:
        plan = runner.make_plan(
            available_services(),
            only=names,
            workers=workers,
            port_offset=port_offset,
            worker=with_worker
            and any(_command_name(c) == "worker" for c in app.registered_commands),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if migrate_first:
        from studyspot.kit import migrate as kit_migrate

        settings = get_settings()
        for kind, url in (("core", settings.core_db_url), ("tenant", settings.tenant_db_url)):
            kit_migrate.upgrade(kind, url)  # type: ignore[arg-type]
        typer.echo("migrations applied (core and tenant databases at head)")

    def ready(sup: runner.Supervisor) -> None:
        base = sup.gateway.spec.url
        sup.say(f"StudySpot is up: API {base}  docs {base}/docs  health {base}/health/detailed")

    raise typer.Exit(asyncio.run(runner.Supervisor(plan, stop_grace=stop_grace).run(ready)))


def _command_name(command: typer.models.CommandInfo) -> str:
    if command.name:
        return command.name
    callback = command.callback
    return callback.__name__.replace("_", "-") if callback else ""


def _mount_service_clis() -> None:
    for name in available_services():
        if importlib.util.find_spec(f"studyspot.services.{name}.cli") is None:
            continue
        module = importlib.import_module(f"studyspot.services.{name}.cli")
        sub = getattr(module, "cli", None)
        if isinstance(sub, typer.Typer):
            app.add_typer(sub, name=getattr(module, "COMMAND_NAME", name))


_mount_service_clis()
