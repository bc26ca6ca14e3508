"""The worker process: the outbox relay and every registered consumer, until stopped.

With `NATS_URL` set it relays every outbox to JetStream and runs a durable
pull consumer per (consumer, topic pattern). Without it (the embedded
default) the outboxes are the log: the pump hands their rows straight to the
consumers in this process. Either way the janitor prunes old rows.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Sequence
from typing import Any

import structlog

from studyspot.kit.db import Database, TenantDatabases
from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.consumer import Consumer, Targets
from studyspot.kit.events.directory import CoreTenantDirectory, TenantDirectory
from studyspot.kit.events.janitor import Janitor
from studyspot.kit.events.local import LocalDispatch
from studyspot.kit.events.nats_bus import (
    JetStreamPublisher,
    PullConsumer,
    connect,
    ensure_stream,
)
from studyspot.kit.events.pump import OutboxPump, describe, sleep_or_stop
from studyspot.kit.events.sources import Sources
from studyspot.kit.settings import Settings

log = structlog.get_logger("studyspot.events")


def check_unique(consumers: Sequence[Consumer]) -> None:
    seen: set[str] = set()
    for consumer in consumers:
        if consumer.name in seen:
            raise ValueError(f"two consumers are named {consumer.name!r}")
        seen.add(consumer.name)


class Worker:
    def __init__(
        self,
        settings: Settings,
        consumers: Sequence[Consumer],
        *,
        config: EventSettings | None = None,
        directory: TenantDirectory | None = None,
    ) -> None:
        check_unique(consumers)
        self.settings = settings
        self.consumers = list(consumers)
        self.config = config or EventSettings()
        self.core = Database.create(settings.core_db_url, pool_size=5, max_overflow=5)
        self.tenants = TenantDatabases(settings)
        self.directory = directory or CoreTenantDirectory(self.core)
        self.targets = Targets(self.core, self.tenants, self.directory)
        self.sources = Sources(
            self.core,
            self.tenants,
            self.directory,
            refresh_seconds=self.config.sources_refresh_seconds,
        )
        self.stop = asyncio.Event()

    @property
    def mode(self) -> str:
        return "jetstream" if self.settings.nats_url else "embedded"

    async def run(self) -> None:
        """Run until `self.stop` is set; then finish in-flight work within the grace period."""
        log.info(
            "events.worker_started",
            mode=self.mode,
            consumers=[c.name for c in self.consumers],
        )
        try:
            if self.settings.nats_url:
                await self._run_jetstream()
            else:
                await self._run_embedded()
        finally:
            await self.tenants.dispose()
            await self.core.dispose()
            log.info("events.worker_stopped")

    async def _run_embedded(self) -> None:
        dispatch = LocalDispatch(self.consumers, self.targets)
        await self._supervise(
            [
                OutboxPump(self.sources, dispatch, self.config, self.stop).run(),
                Janitor(self.sources, self.config, self.stop).run(),
            ]
        )

    async def _run_jetstream(self) -> None:
        nc = await connect(self.settings.nats_url, self.stop, self.config)
        if nc is None:
            return
        try:
            js = nc.jetstream()
            attempt = 0
            while True:
                try:
                    await ensure_stream(js, self.config)
                    break
                except Exception as exc:
                    attempt += 1
                    log.warning("events.stream_setup_failed", error=describe(exc))
                    if await sleep_or_stop(self.stop, min(max(attempt, 1), 30)):
                        return
            publisher = JetStreamPublisher(nc, js, self.config)
            jobs: list[Coroutine[Any, Any, None]] = [
                OutboxPump(self.sources, publisher, self.config, self.stop).run(),
                Janitor(self.sources, self.config, self.stop).run(),
            ]
            for consumer in self.consumers:
                for pattern in consumer.topics:
                    pull = PullConsumer(js, consumer, pattern, self.targets, self.config, self.stop)
                    jobs.append(pull.run())
            await self._supervise(jobs)
        finally:
            try:
                await nc.drain()
            except Exception as exc:
                log.debug("events.nats_drain_failed", error=describe(exc))

    async def _supervise(self, jobs: Sequence[Coroutine[Any, Any, None]]) -> None:
        tasks = [asyncio.create_task(job) for job in jobs]
        stopping = asyncio.create_task(self.stop.wait())
        crashed: BaseException | None = None
        try:
            done, _ = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopping and not task.cancelled() and task.exception():
                    crashed = task.exception()
            self.stop.set()
            _, pending = await asyncio.wait(tasks, timeout=self.config.shutdown_grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            stopping.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, stopping, return_exceptions=True)
        if crashed is not None:
            # The loops catch what they expect; anything else is a bug. Exit
            # non-zero so the supervisor (studyspot up, Kubernetes) restarts us.
            log.error("events.task_crashed", error=describe(crashed))
            raise RuntimeError("an event worker task crashed") from crashed

    def install_signal_handlers(self) -> None:
        """SIGTERM and Ctrl-C stop the worker gracefully."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)


async def run_worker(
    settings: Settings, consumers: Sequence[Consumer], config: EventSettings | None = None
) -> None:
    worker = Worker(settings, consumers, config=config)
    worker.install_signal_handlers()
    await worker.run()
