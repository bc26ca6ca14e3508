"""The console's generated API client is built from the backend's current OpenAPI document."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from studyspot.services.gateway.cli import document_bytes

SCHEMA = Path(__file__).resolve().parents[2] / "web" / "src" / "api" / "schema.d.ts"


def test_console_api_client_matches_the_backends_openapi_document() -> None:
    """A schema change in any service must regenerate the client (and so re-typecheck the console)."""
    header = SCHEMA.read_text(encoding="utf-8").split("\n", 3)[:3]
    found = re.search(r"openapi-sha256: ([0-9a-f]{64})", "\n".join(header))
    assert found, "web/src/api/schema.d.ts has no openapi-sha256 header"
    current = hashlib.sha256(document_bytes()).hexdigest()
    assert found.group(1) == current, (
        "web/src/api/schema.d.ts is out of date with the backend's OpenAPI document: "
        "run `cd web && npm run gen:api`, then `npm run typecheck` and fix what breaks"
    )
