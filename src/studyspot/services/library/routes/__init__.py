"""HTTP routes of the library service, one module per noun.

Order matters: the fixed paths under `/api/v1/libraries` (`realtime-occupancy`,
`staff`) are declared before `/api/v1/libraries/{library_id}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from studyspot.services.library.routes import (
    fee_plans,
    internal,
    libraries,
    occupancy,
    seats,
    shifts,
    staff,
)

ROUTERS: list[APIRouter] = [
    occupancy.router,
    staff.router,
    libraries.router,
    seats.router,
    shifts.router,
    fee_plans.router,
    internal.router,
]
