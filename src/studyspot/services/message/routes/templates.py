"""The tenant's message templates: read, reword, preview, back to the built-in wording."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.services.message import overrides
from studyspot.services.message.dependencies import MessagesManage
from studyspot.services.message.schemas import (
    Language,
    TemplatePreview,
    TemplatePreviewRequest,
    TemplateRead,
    TemplateWrite,
)
from studyspot.services.message.templates import Template

router = APIRouter(prefix="/api/messages/templates", tags=["templates"])

KindPath = Annotated[str, Path(min_length=1, max_length=48, pattern=r"^[a-z_]+$")]
ChannelPath = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[a-z_]+$")]


@router.get(
    "",
    response_model=list[TemplateRead],
    responses=problem_responses(403),
    summary="Every template of the tenant's messages (its own wording where it has one)",
)
async def list_templates(who: MessagesManage, session: TenantSession) -> list[TemplateRead]:
    views = await overrides.list_templates(session, who.require_tenant())
    return [TemplateRead.model_validate(v, from_attributes=True) for v in views]


@router.put(
    "/{kind}/{channel}/{language}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 422),
    summary="Use the tenant's own wording (checked with sample values before it is saved)",
)
async def put_template(
    kind: KindPath,
    channel: ChannelPath,
    language: Language,
    body: TemplateWrite,
    who: MessagesManage,
    session: TenantSession,
) -> Response:
    """422 `template_invalid` when the wording cannot be rendered (an unknown variable, a
    syntax error, a forbidden attribute), `template_missing` for a kind the channel
    does not send."""
    await overrides.save_override(
        session,
        who.require_tenant(),
        who.user_id,
        kind,
        channel,
        language,
        Template(body.subject, body.body),
        utcnow(),
    )
    return Response(status_code=204)


@router.delete(
    "/{kind}/{channel}/{language}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Go back to the built-in wording",
)
async def delete_template(
    kind: KindPath,
    channel: ChannelPath,
    language: Language,
    who: MessagesManage,
    session: TenantSession,
) -> Response:
    await overrides.remove_override(session, who.require_tenant(), kind, channel, language)
    return Response(status_code=204)


@router.post(
    "/{kind}/{channel}/{language}/preview",
    response_model=TemplatePreview,
    responses=problem_responses(403, 422),
    summary="Render a wording (or the one in use) with sample values, saving nothing",
)
async def preview_template(
    kind: KindPath,
    channel: ChannelPath,
    language: Language,
    body: TemplatePreviewRequest,
    who: MessagesManage,
    session: TenantSession,
) -> TemplatePreview:
    tenant_id = who.require_tenant()
    if body.subject is not None and body.body is not None:
        template: Template | None = Template(body.subject, body.body)
    else:
        template = await overrides.override_for(session, tenant_id, kind, channel, language)
    rendered = overrides.preview(kind, channel, language, template)
    return TemplatePreview(subject=rendered.subject, text=rendered.text)
