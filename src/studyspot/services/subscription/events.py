"""Payloads of the events the subscription service publishes about a tenant's subscription.

`subscription.<change>` (created, upgraded, renewed, past_due, cancelled, …) carries the
subscription as it stands after the change (`SubscriptionChanged`), plus the change's own
details. `subscription.plan_*` topics are about the plan catalog, carry no tenant and are
not this model. Consumers (analytics' MRR, the owner's notices) read with models of their
own; tests/test_event_contracts.py checks them against this one.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class SubscriptionChanged(BaseModel):
    subscription_id: uuid.UUID
    tenant_id: uuid.UUID
    status: str
    plan_code: str
    billing_cycle: str
    price_paise: int = Field(ge=0)
    mrr_paise: int = Field(ge=0, description="Monthly recurring revenue after the change")
