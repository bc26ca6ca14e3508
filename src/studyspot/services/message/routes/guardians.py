"""A minor's guardian and their consent.

- `/api/messages/guardian-consent?token=`: the plain page the consent request links to
  (no login; the signed, expiring token). GET shows the form and changes nothing (mail
  scanners fetch links); POST records the guardian's answer per channel.
- `/api/messages/guardian-consents/{student_id}`: what the staff see on the student's
  page, and the resend (at most once a day).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, model_validator

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.state import kit_state
from studyspot.services.message import guardians
from studyspot.services.message.access import StudentNotFound, ViewerDep
from studyspot.services.message.consent import IST
from studyspot.services.message.dependencies import MessagesCreate, MessagesRead, RuntimeDep
from studyspot.services.message.models import GuardianConsent, GuardianRequest
from studyspot.services.message.schemas import (
    GuardianAnswerRead,
    GuardianConsentState,
    GuardianRequestRead,
)
from studyspot.services.message.upstream import InternalStudent

router = APIRouter(prefix="/api/messages", tags=["consent"])

Token = Annotated[str, Query(min_length=10, max_length=400, description="From the consent request")]
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
_LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "E-mail"}
Choice = Literal["grant", "refuse"]


class GuardianAnswerForm(BaseModel):
    """The consent page's form (`application/x-www-form-urlencoded`): per channel, grant
    or refuse reminders; a channel left out keeps its answer. Promotional messages are
    never offered for a minor."""

    model_config = ConfigDict(extra="forbid")

    whatsapp: Choice | None = None
    sms: Choice | None = None
    email: Choice | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> GuardianAnswerForm:
        if not self.answers():
            raise ValueError("answer for at least one channel")
        return self

    def answers(self) -> dict[str, bool]:
        given = {"whatsapp": self.whatsapp, "sms": self.sms, "email": self.email}
        return {c: v == "grant" for c, v in given.items() if v is not None}


async def _student(runtime: RuntimeDep, tenant_id: uuid.UUID, student_id: uuid.UUID) -> str:
    students = runtime.dispatcher.students
    found = await students.get_student(tenant_id, student_id) if students else None
    return found.name if found is not None and not found.erased else "the student"


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>\n<body><main>"
        f"<h1>{escape(title)}</h1>\n{body}</main></body></html>\n",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _form(token: str, name: str, request: GuardianRequest, rows: list[GuardianConsent]) -> str:
    now = {r.channel: r.granted for r in rows}
    fields = []
    for channel in guardians.CHANNELS:
        label = _LABELS[channel]
        choices = "".join(
            f'<label><input type="radio" name="{channel}" value="{value}"'
            f"{' checked' if now.get(channel) is (value == 'grant') else ''}> {text}</label> "
            for value, text in (("grant", "Yes"), ("refuse", "No"))
        )
        fields.append(f"<fieldset><legend>{label}</legend>{choices}</fieldset>")
    return (
        f"<p>Reminders about {escape(name)} (fees due, a seat running out) go to you, as "
        "the guardian of a student under 18, only on the channels you allow here. "
        "Promotional messages are never sent about a student under 18.</p>\n"
        f"<p>This request went to {escape(request.contact)}; the link works until "
        f"{escape(_ist(request.expires_at))}.</p>\n"
        f'<form method="post" action="?token={escape(token, quote=True)}">'
        + "".join(fields)
        + '<button type="submit">Save my answer</button></form>\n'
    )


def _ist(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d %b %Y, %H:%M IST")


@router.get(
    "/guardian-consent",
    response_class=HTMLResponse,
    responses={200: _HTML, **problem_responses(400, 410)},
    summary="The guardian's consent page (no login; changes nothing)",
)
async def consent_page(token: Token, runtime: RuntimeDep, request: Request) -> HTMLResponse:
    """400 `invalid_guardian_link` for an altered link, 410 `guardian_link_expired` for
    one past its expiry or replaced by a request to another contact."""
    opened = guardians.read_link(runtime.config.link_encryption_key, token, utcnow())
    asked, rows = await guardians.look(kit_state(request.app), opened)
    name = await _student(runtime, opened.tenant_id, asked.student_id)
    return _page(f"Reminders about {name}", _form(token, name, asked, rows))


@router.post(
    "/guardian-consent",
    response_class=HTMLResponse,
    responses={200: _HTML, **problem_responses(400, 410, 422)},
    summary="Record the guardian's answer per channel (no login; the link's token)",
)
async def answer_consent(
    token: Token,
    form: Annotated[GuardianAnswerForm, Form()],
    runtime: RuntimeDep,
    request: Request,
) -> HTMLResponse:
    """Recorded as the guardian's (the contact the request went to, notice version
    `guardian-2026-12`, the time). 400 `invalid_guardian_link`, 410
    `guardian_link_expired`: nothing recorded."""
    opened = guardians.read_link(runtime.config.link_encryption_key, token, utcnow())
    asked, rows = await guardians.answer(kit_state(request.app), opened, form.answers(), utcnow())
    name = await _student(runtime, opened.tenant_id, asked.student_id)
    said = "".join(f"<li>{_LABELS[r.channel]}: {'yes' if r.granted else 'no'}</li>" for r in rows)
    return _page(
        "Thank you: your answer is saved",
        f"<p>Reminders about {escape(name)}:</p><ul>{said}</ul>\n"
        "<p>You can change it with the same link while it works.</p>\n",
    )


async def _visible_student(
    viewer: ViewerDep, runtime: RuntimeDep, student_id: uuid.UUID
) -> InternalStudent:
    students = runtime.dispatcher.students
    assert students is not None
    found = await students.get_student(viewer.tenant_id, student_id)
    if found is None or not viewer.can_see(found):
        raise StudentNotFound("No such student")
    return found


def _request_read(request: GuardianRequest, status: str | None) -> GuardianRequestRead:
    fields = {
        f: getattr(request, f) for f in GuardianRequestRead.model_fields if f != "delivery_status"
    }
    return GuardianRequestRead(**fields, delivery_status=status)


async def _state(
    session: TenantSession, tenant_id: uuid.UUID, student: InternalStudent
) -> GuardianConsentState:
    last, status = await guardians.latest_request(session, tenant_id, student.id)
    rows = await guardians.answers_of(session, tenant_id, student.id)
    return GuardianConsentState(
        student_id=student.id,
        minor=student.minor,
        policy="guardian_only",
        request=None if last is None else _request_read(last, status),
        answers=[GuardianAnswerRead.model_validate(r) for r in rows],
        resend_available_at=None
        if last is None or last.requested_at + guardians.RESEND_AFTER <= utcnow()
        else last.requested_at + guardians.RESEND_AFTER,
    )


@router.get(
    "/guardian-consents/{student_id}",
    response_model=GuardianConsentState,
    responses=problem_responses(403, 404),
    summary="A student's guardian consent: the latest request and the guardian's answers "
    "(messages:read, students of the caller's branches)",
)
async def get_guardian_consent(
    student_id: uuid.UUID,
    who: MessagesRead,
    viewer: ViewerDep,
    runtime: RuntimeDep,
    session: TenantSession,
) -> GuardianConsentState:
    """404 `student_not_found` for an unknown student or one of another branch or tenant."""
    student = await _visible_student(viewer, runtime, student_id)
    return await _state(session, who.require_tenant(), student)


@router.post(
    "/guardian-consents/{student_id}/resend",
    status_code=201,
    response_model=GuardianConsentState,
    responses=problem_responses(403, 404, 409, 429),
    summary="Send the guardian the consent request again (messages:create; once per 24 h)",
)
async def resend_guardian_consent(
    student_id: uuid.UUID,
    who: MessagesCreate,
    viewer: ViewerDep,
    runtime: RuntimeDep,
    session: TenantSession,
) -> GuardianConsentState:
    """409 `not_a_minor` for a student of 18 or more, 409 `no_guardian_contact`; 429
    `rate_limited` with Retry-After within 24 hours of the last request."""
    student = await _visible_student(viewer, runtime, student_id)
    tenant_id = who.require_tenant()
    await guardians.resend(session, tenant_id, student, who.user_id, utcnow())
    return await _state(session, tenant_id, student)
