"""Field types shared by the auth API, its internal contract (client.py) and its tables."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field

from studyspot.services.auth.phones import E164_INDIA, normalise_phone

EMAIL_MAX = 254
NAME_MAX = 120
PHONE_MAX = 16

Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX), AfterValidator(str.lower)]
Phone = Annotated[
    str,
    BeforeValidator(normalise_phone),
    Field(
        pattern=E164_INDIA,
        max_length=PHONE_MAX,
        description="Indian mobile number; `98765 43210` and `+91 98765-43210` are accepted "
        "and stored as `+919876543210`.",
        examples=["+919876543210"],
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=r"^[^\x00-\x1f\x7f]*$")]
