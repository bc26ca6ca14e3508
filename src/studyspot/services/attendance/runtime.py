"""What the attendance service keeps per application: settings, signer, clients and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI, Request

from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.services.attendance.codes import Signer
from studyspot.services.attendance.config import AttendanceSettings
from studyspot.services.attendance.upstream import Upstream


@dataclass
class Runtime:
    kit: KitState
    config: AttendanceSettings
    signer: Signer
    upstream: Upstream
    # Replaceable so that tests move time (tests/fixtures/attendance.py) instead of sleeping.
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()


def runtime_of(app: FastAPI) -> Runtime:
    found: Runtime = app.state.attendance
    return found


async def request_runtime(request: Request) -> Runtime:
    return runtime_of(request.app)
