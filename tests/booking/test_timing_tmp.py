import time
from tests.conftest import Apps
from tests.fixtures.bookings import add_seats, add_shift, add_plan, add_student
from tests.fixtures.students import create_library
from tests.fixtures.users import register_owner


async def test_timing(apps: Apps) -> None:
    t=time.perf_counter()
    o = await register_owner(apps)
    print("register", time.perf_counter()-t); t=time.perf_counter()
    lib = await create_library(apps, o)
    print("library", time.perf_counter()-t); t=time.perf_counter()
    await add_seats(apps, o, lib, 3)
    print("seats", time.perf_counter()-t); t=time.perf_counter()
    s = await add_shift(apps, o, lib, "M", "06:00", "12:00")
    print("shift", time.perf_counter()-t); t=time.perf_counter()
    s = await add_shift(apps, o, lib, "N", "06:00", "13:00")
    print("shift", time.perf_counter()-t); t=time.perf_counter()
    await add_plan(apps, o, lib, shift_ids=[s])
    print("plan", time.perf_counter()-t); t=time.perf_counter()
    await add_student(apps, o, lib)
    print("student", time.perf_counter()-t); t=time.perf_counter()
    await add_student(apps, o, lib)
    print("student", time.perf_counter()-t); t=time.perf_counter()
