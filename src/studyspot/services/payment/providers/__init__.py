"""Payment providers, one module each; found here by name and by the methods they serve.

Every module of this package (other than `base`) that defines a
`PaymentProvider` subclass with a `name` is registered, so a new provider is
one new file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from studyspot.services.payment.config import PaymentSettings
from studyspot.services.payment.providers.base import PaymentProvider


@cache
def provider_classes() -> dict[str, type[PaymentProvider]]:
    found: dict[str, type[PaymentProvider]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, PaymentProvider)
                and obj is not PaymentProvider
                and obj.__module__ == module.__name__
            ):
                found[obj.name] = obj
    return found


class Providers:
    """One instance per provider for an application (they hold pooled HTTP sessions)."""

    def __init__(self, settings: PaymentSettings) -> None:
        self.by_name = {name: cls(settings) for name, cls in provider_classes().items()}
        self.by_method = {m: p for p in self.by_name.values() for m in p.methods}

    def for_method(self, method: str) -> PaymentProvider:
        return self.by_method[method]

    def named(self, name: str) -> PaymentProvider:
        return self.by_name[name]

    async def close(self) -> None:
        for provider in self.by_name.values():
            await provider.close()
