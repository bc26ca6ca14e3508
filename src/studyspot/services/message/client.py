"""The message service's client: the only module other services import.

The student service reads its students' message consent for the register's CSV export
(the answers live here only). The contract types live here.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from studyspot.kit.service_client import ServiceClient

# The most students one `POST /internal/messages/consents` asks about.
MAX_CONSENT_LOOKUP = 1000


class ConsentQuery(BaseModel):
    tenant_id: uuid.UUID
    student_ids: list[uuid.UUID] = Field(max_length=MAX_CONSENT_LOOKUP)


class StudentChannels(BaseModel):
    """A student's answer about reminders per channel; null where none was recorded."""

    student_id: uuid.UUID
    whatsapp: bool | None
    sms: bool | None
    email: bool | None


class ConsentAnswers(BaseModel):
    items: list[StudentChannels]


class MessageClient(ServiceClient):
    service = "message"

    async def reminder_consents(
        self, tenant_id: uuid.UUID, student_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, StudentChannels]:
        """Each student's reminder consent per channel, at most MAX_CONSENT_LOOKUP at once.
        ServiceUnavailable when the message service cannot answer."""
        query = ConsentQuery(tenant_id=tenant_id, student_ids=student_ids)
        reply = await self.call(
            "POST",
            "/internal/messages/consents",
            json=query.model_dump(mode="json"),
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        answer = ConsentAnswers.model_validate(reply.json())
        return {item.student_id: item for item in answer.items}
