"""How long `studyspot up` takes to start the whole system, and the CPU it spends doing so.

    .venv/bin/python bench/startup.py --rounds 3 [--compare /path/to/other/checkout/src]

Each round starts `studyspot up` on a fresh embedded (SQLite) data directory, waits for
"StudySpot is up", stops it with SIGINT and reports the seconds to up and the CPU
(user + system) of the supervisor and every process it started, as the kernel counts
them for reaped children. With `--compare`, rounds alternate between this checkout and
the other `src` directory (an older commit in a git worktree), so that both are measured
side by side on the same machine in the same minutes; the ratio is printed at the end.

Test systems (tests/fixtures/system.py) start the same processes dozens of times per
suite run, so a second saved here is a second saved several dozen times.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Below the kernel's ephemeral ports, away from the plan ports and the test suite's.
PORT_OFFSET = 27_300


def one_start(src: Path, timeout: float = 120.0) -> tuple[float, float]:
    """(seconds until up, CPU seconds of the whole process tree) for one start."""
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as data:
        env = {
            **os.environ,
            "PYTHONPATH": str(src),
            "DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from studyspot.cli import app; app()", "up"]
            + ["--port-offset", str(PORT_OFFSET)],
            cwd=data,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        up_at = None
        deadline = started + timeout
        for line in proc.stdout:
            if "StudySpot is up" in line:
                up_at = time.perf_counter()
                break
            if time.perf_counter() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if up_at is None:
            raise RuntimeError(f"{src}: the system did not come up")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return up_at - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout's src directory")
    args = parser.parse_args()
    trees = {"this": ROOT / "src"}
    if args.compare:
        trees["other"] = args.compare.resolve()
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for round_ in range(1, args.rounds + 1):
        # Alternate the order each round, so that neither always runs on a warmer machine.
        order = list(trees) if round_ % 2 else list(reversed(trees))
        for name in order:
            took, cpu = one_start(trees[name])
            results[name].append((took, cpu))
            print(f"round {round_} {name:5}: up in {took:5.2f} s, CPU {cpu:5.2f} s", flush=True)
    medians = {
        name: (statistics.median(t for t, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in results.items()
    }
    for name, (took, cpu) in medians.items():
        print(f"median {name:5}: up in {took:5.2f} s, CPU {cpu:5.2f} s ({trees[name]})")
    if "other" in medians:
        (t1, c1), (t0, c0) = medians["this"], medians["other"]
        print(f"this / other: time {t1 / t0:.2f}, CPU {c1 / c0:.2f}")


if __name__ == "__main__":
    main()
