"""One process offering a periodic job every `interval` seconds for `duration` seconds
(`python -m tests.kit.periodic_worker CORE_URL LOG INTERVAL DURATION`), logging each
round it ran: tests start two and count the rounds."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from studyspot.kit import periodic
from studyspot.kit.db import Database


async def main(url: str, log_path: str, interval: float, duration: float) -> None:
    core = Database.create(url, pool_size=2, max_overflow=0)

    def note(what: str) -> None:
        with open(log_path, "a") as log:
            log.write(f"{os.getpid()} {what} {time.time():.4f}\n")

    async def job() -> None:
        note("ran")
        await asyncio.sleep(interval / 5)

    note("start")
    task = periodic.start(job, interval, "test_periodic_job", core=core)
    await asyncio.sleep(duration)
    await periodic.stop(task)
    note("end")
    await core.dispose()


if __name__ == "__main__":
    url, log_path, interval, duration = sys.argv[1:5]
    asyncio.run(main(url, log_path, float(interval), float(duration)))
