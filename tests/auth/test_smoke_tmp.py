from tests.conftest import Apps
from tests.fixtures.users import create_platform_user, login, register_owner


async def test_smoke(apps: Apps) -> None:
    owner = await register_owner(apps)
    c = apps.client("auth")
    r = await c.get("/api/users/me", headers=owner.headers)
    print(r.status_code, r.text)
    assert r.status_code == 200
    again = await login(apps, email=owner.email, password=owner.password)
    r = await c.post("/api/auth/refresh", json={"refresh_token": again.refresh_token})
    print(r.status_code, r.text)
    assert r.status_code == 200
    admin = await create_platform_user(apps)
    r = await c.get("/api/v1/auth/me", headers=admin.headers)
    print(r.status_code, r.text)
    assert r.status_code == 200
