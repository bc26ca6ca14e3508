"""The other services the analytics service asks, and the records they answer with.

Only this module imports another service's client module (lint-imports); the
service's other modules import what they need from here.
"""

from __future__ import annotations

from studyspot.services.library.client import LibraryClient as LibraryClient
