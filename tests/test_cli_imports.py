"""Every process `studyspot up` starts runs `studyspot.cli` first: it stays lean.

Measured with /tmp-style `studyspot up` runs on 2026-12-08 (docs/performance.md,
"Starting a process"): importing alembic and every service's command modules there
cost each of the 14 processes about 0.4 s of CPU, a quarter of a whole system's start.
"""

from __future__ import annotations

import json
import subprocess
import sys

from studyspot.cli import available_services

_LOADED = (
    "import json, sys, studyspot.cli\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('alembic', 'studyspot')))))"
)


def test_the_cli_imports_no_migrations_and_no_services_code() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _LOADED], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    loaded = set(json.loads(out))
    assert not {m for m in loaded if m.startswith("alembic")}
    assert "studyspot.kit.migrate" not in loaded
    assert "studyspot.kit.events" not in loaded
    for service in available_services():
        # Its command module (mounted under its name) may be there, nothing else of it.
        own = {m for m in loaded if m.startswith(f"studyspot.services.{service}.")}
        assert own <= {f"studyspot.services.{service}.cli"}, own
