"""What the payment routes share per application: upstream clients, providers, the secret box."""

from __future__ import annotations

from dataclasses import dataclass

from studyspot.kit.crypto import SecretBox
from studyspot.kit.settings import Settings
from studyspot.services.payment.config import PaymentSettings
from studyspot.services.payment.providers import Providers
from studyspot.services.payment.upstream import Upstream


@dataclass
class PaymentContext:
    settings: PaymentSettings
    upstream: Upstream
    providers: Providers
    box: SecretBox

    @classmethod
    def create(
        cls, settings: Settings, payment_settings: PaymentSettings | None = None
    ) -> PaymentContext:
        payment_settings = payment_settings or PaymentSettings()
        return cls(
            payment_settings,
            Upstream.create(settings),
            Providers(payment_settings),
            SecretBox.from_settings(settings),
        )

    async def close(self) -> None:
        await self.upstream.close()
        await self.providers.close()
