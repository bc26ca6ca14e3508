"""Validation rules of tenant fields: GSTIN, phone, slugs, partial updates."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from studyspot.services.tenant import gstin
from studyspot.services.tenant.schemas import TenantCreate, TenantOwnerUpdate
from studyspot.services.tenant.slugs import SLUG_PATTERN, new_slug, slug_base


@pytest.mark.parametrize("value", ["27AAPFU0939F1ZV", "07AAGFF2194N1Z1"])
def test_real_gstins_are_accepted(value: str) -> None:
    assert gstin.is_valid(value)
    assert TenantCreate(name="X", contact_email="x@example.com", gstin=value.lower()).gstin == value


@pytest.mark.parametrize(
    "value",
    [
        "27AAPFU0939F1ZX",  # wrong check character
        "27AAPFU0939F1AV",  # 14th character must be Z
        "27AAPFU0939F0ZV",  # entity code 0 does not exist
        "2AAPFU0939F1ZV",  # too short
        "27-APFU0939F1ZV",
    ],
)
def test_malformed_gstins_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TenantCreate(name="X", contact_email="x@example.com", gstin=value)
    assert caught.value.errors()[0]["loc"] == ("gstin",)


@pytest.mark.parametrize(
    "typed", ["+91 (98765) 43-210", "98765 43210", "098765-43210", "919876543210"]
)
def test_indian_phone_numbers_get_one_spelling(typed: str) -> None:
    assert (
        TenantCreate(name="X", contact_email="x@example.com", phone=typed).phone == "+919876543210"
    )


def test_foreign_phone_keeps_its_country_code() -> None:
    created = TenantCreate(name="X", contact_email="x@example.com", phone="+44 20 7946 0958")
    assert created.phone == "+442079460958"


@pytest.mark.parametrize("typed", ["12345", "98765", "+0123456789012", "phone me"])
def test_malformed_phone_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        TenantCreate(name="X", contact_email="x@example.com", phone=typed)


def test_slug_is_the_name_in_url_form_plus_a_random_suffix() -> None:
    assert slug_base("  Shree Ganesh Study Point (Kota)! ") == "shree-ganesh-study-point-kota"
    assert slug_base("Café Étude") == "cafe-etude"
    assert slug_base("ज्ञान") == "library"
    assert len(slug_base("x" * 300)) == 48
    slug = new_slug("Lakshya Library")
    assert re.fullmatch(SLUG_PATTERN, slug)
    assert re.fullmatch(r"lakshya-library-[a-z0-9]{6}", slug)
    assert new_slug("Lakshya Library") != slug


def test_update_keeps_omitted_fields_and_clears_nullable_ones() -> None:
    update = TenantOwnerUpdate.model_validate({"name": "New name", "gstin": None})
    assert update.changes() == {"name": "New name", "gstin": None}


@pytest.mark.parametrize("field", ["name", "contact_email"])
def test_owner_cannot_null_a_required_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TenantOwnerUpdate.model_validate({field: None})
    assert caught.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(
    "field", ["plan_code", "trial_ends_at", "max_libraries", "max_seats", "max_students"]
)
def test_tenant_update_refuses_plan_fields(field: str) -> None:
    """The plan, trial and limits are the subscription service's (issue 15)."""
    with pytest.raises(ValidationError) as caught:
        TenantOwnerUpdate.model_validate({field: 1})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
