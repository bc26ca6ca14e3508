"""Internal API of the message service (docs/internal-api.md): service tokens only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalCaller, accept_callers, internal_unit
from studyspot.services.message.client import ConsentAnswers, ConsentQuery, StudentChannels
from studyspot.services.message.models import Consent

router = APIRouter(prefix="/internal/messages", include_in_schema=False)


@router.post(
    "/consents",
    responses=problem_responses(403, 422, 503),
    dependencies=[accept_callers("student")],
)
async def reminder_consents(
    request: Request, body: ConsentQuery, caller: InternalCaller
) -> ConsentAnswers:
    """Each named student's reminder consent per channel (null: never answered), in the
    order asked. POST because a batch of ids does not fit a query string; nothing is
    written."""
    async with internal_unit(request, caller, body.tenant_id) as session:
        rows = await session.execute(
            select(Consent.user_id, Consent.channel, Consent.granted).where(
                Consent.tenant_id == body.tenant_id,
                Consent.purpose == "reminders",
                Consent.user_id.in_(body.student_ids),
            )
        )
        answers: dict[tuple[object, str], bool] = {
            (user_id, channel): granted for user_id, channel, granted in rows.all()
        }
    return ConsentAnswers(
        items=[
            StudentChannels(
                student_id=sid,
                whatsapp=answers.get((sid, "whatsapp")),
                sms=answers.get((sid, "sms")),
                email=answers.get((sid, "email")),
            )
            for sid in dict.fromkeys(body.student_ids)
        ]
    )
