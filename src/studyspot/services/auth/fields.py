"""Field types shared by the auth API, its internal contract (client.py) and its tables."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field

from studyspot.kit.india import INDIAN_MOBILE_INPUT
from studyspot.kit.india import normalise_mobile as normalise_phone

EMAIL_MAX = 254
NAME_MAX = 120
PHONE_MAX = 16  # stored: +91 and ten digits

Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX), AfterValidator(str.lower)]
# The pattern is checked on what the client sent, so the document says exactly what is accepted.
Phone = Annotated[
    str,
    Field(
        pattern=INDIAN_MOBILE_INPUT,
        max_length=32,
        description="Indian mobile number; `98765 43210` and `+91 98765-43210` are accepted "
        "and stored as `+919876543210`.",
        examples=["+919876543210"],
    ),
    AfterValidator(normalise_phone),
]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=r"^[^\x00-\x1f\x7f]*$")]
