"""Keeping a service's start-up objects out of the cyclic garbage collector's way.

Everything imported and built before a service takes its first request
(modules, routes, mappers, compiled queries) lives as long as the process.
Left in the collector's oldest generation, each full pass walks all of it,
every few hundred requests, and those passes make the slowest requests
(booking's seat map: p90 132 ms -> 26 ms once frozen; docs/performance.md).
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Call once start-up is done: collect what start-up threw away, freeze the rest."""
    gc.collect()
    gc.freeze()


def release_startup_objects() -> None:
    """Call at shutdown: a test process builds many apps in turn, and a stopped one's
    objects must become collectable again."""
    gc.unfreeze()
