"""The plans StudySpot starts with. Platform admins edit them (new versions) afterwards.

`trial` is where every new tenant starts (not offered for sale; its limits are the
trial limits tenants always had: 1 library, 100 seats, 200 students, the kit's
`TRIAL_DEFAULTS`, which the entitlement check answers for a tenant not opened yet).
Prices in paise; longer cycles are cheaper per month.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studyspot.kit.entitlements import TRIAL_DEFAULTS, TRIAL_FEATURES, TRIAL_PLAN

FREE_PLAN = "free"


@dataclass(frozen=True)
class PlanSeed:
    code: str
    name: str
    description: str
    is_public: bool
    monthly: int
    quarterly: int
    half_yearly: int
    annual: int
    max_libraries: int | None
    max_seats: int | None
    max_students: int | None
    max_staff: int | None
    monthly_message_credits: int | None
    overage_percent: int
    features: list[str] = field(default_factory=list)


DEFAULT_PLANS: tuple[PlanSeed, ...] = (
    PlanSeed(
        TRIAL_PLAN,
        "Trial",
        "14 days of Starter to try StudySpot",
        False,
        0,
        0,
        0,
        0,
        TRIAL_DEFAULTS["libraries"],
        TRIAL_DEFAULTS["seats"],
        TRIAL_DEFAULTS["students"],
        TRIAL_DEFAULTS["staff"],
        TRIAL_DEFAULTS["message_credits"],
        0,
        list(TRIAL_FEATURES),
    ),
    PlanSeed(
        FREE_PLAN,
        "Free",
        "One small library, forever",
        True,
        0,
        0,
        0,
        0,
        1,
        30,
        50,
        1,
        0,
        0,
        [],
    ),
    PlanSeed(
        "starter",
        "Starter",
        "One library with reminders",
        True,
        99_900,
        284_700,
        539_400,
        999_000,
        1,
        100,
        300,
        5,
        500,
        10,
        ["email_reminders"],
    ),
    PlanSeed(
        "professional",
        "Professional",
        "Several branches, WhatsApp and the API",
        True,
        249_900,
        712_200,
        1_349_400,
        2_499_000,
        5,
        500,
        1500,
        25,
        3000,
        10,
        ["email_reminders", "whatsapp", "api_access"],
    ),
    PlanSeed(
        "enterprise",
        "Enterprise",
        "No limits, a dedicated database, invoiced",
        True,
        799_900,
        2_279_700,
        4_319_400,
        7_999_000,
        None,
        None,
        None,
        None,
        20000,
        10,
        ["email_reminders", "whatsapp", "api_access", "dedicated_database", "manual_invoicing"],
    ),
)
