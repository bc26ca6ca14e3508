"""Owners' own wording of their tenant's messages, checked before it is saved.

An override is rendered with sample values of every declared variable in the
sandbox before it is stored, so a broken template (an unknown variable, a
syntax error, a reach for Python internals) is refused at save time, not at
the moment a student should have been told something.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import NotFound, Unprocessable
from studyspot.services.message.models import TemplateOverride
from studyspot.services.message.templates import (
    DEFAULT_LANGUAGE,
    KINDS,
    LANGUAGES,
    TEMPLATE_CHANNELS,
    Kind,
    Rendered,
    Template,
    default_template,
    kind_of,
    render_text,
)
from studyspot.services.message.upsert import upsert


@dataclass(frozen=True)
class TemplateView:
    kind: str
    channel: str
    language: str
    category: str
    variables: dict[str, str]
    subject: str
    body: str
    overridden: bool
    updated_at: datetime | None


def _check_slot(kind: Kind, channel: str, language: str) -> None:
    if language not in LANGUAGES or channel not in TEMPLATE_CHANNELS:
        raise Unprocessable("No such channel or language", code="template_missing")
    if default_template(kind, channel, DEFAULT_LANGUAGE) is None:
        raise Unprocessable(f"{kind.name} is not sent by {channel}", code="template_missing")


async def override_for(
    session: AsyncSession, tenant_id: uuid.UUID, kind: str, channel: str, language: str
) -> Template | None:
    row = await session.scalar(
        select(TemplateOverride).where(
            TemplateOverride.tenant_id == tenant_id,
            TemplateOverride.kind == kind,
            TemplateOverride.channel == channel,
            TemplateOverride.language == language,
        )
    )
    return Template(row.subject, row.body) if row is not None else None


async def list_templates(session: AsyncSession, tenant_id: uuid.UUID) -> list[TemplateView]:
    """Every template the tenant's messages use: its own wording where it has one."""
    rows = await session.scalars(
        select(TemplateOverride).where(TemplateOverride.tenant_id == tenant_id)
    )
    own = {(r.kind, r.channel, r.language): r for r in rows}
    views: list[TemplateView] = []
    for kind in KINDS.values():
        for channel in TEMPLATE_CHANNELS:
            if default_template(kind, channel, DEFAULT_LANGUAGE) is None:
                continue
            for language in LANGUAGES:
                base = default_template(kind, channel, language)
                assert base is not None
                mine = own.get((kind.name, channel, language))
                views.append(
                    TemplateView(
                        kind=kind.name,
                        channel=channel,
                        language=language,
                        category=kind.category,
                        variables=dict(kind.variables),
                        subject=mine.subject if mine else base.subject,
                        body=mine.body if mine else base.body,
                        overridden=mine is not None,
                        updated_at=mine.updated_at if mine else None,
                    )
                )
    return views


def preview(kind_name: str, channel: str, language: str, template: Template | None) -> Rendered:
    """The template (or the built-in one) rendered with sample values (422 if it cannot be)."""
    kind = kind_of(kind_name)
    _check_slot(kind, channel, language)
    chosen = template or default_template(kind, channel, language)
    assert chosen is not None
    return render_text(chosen, kind.sample())


async def save_override(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    actor_id: uuid.UUID,
    kind_name: str,
    channel: str,
    language: str,
    template: Template,
    now: datetime,
) -> None:
    preview(kind_name, channel, language, template)
    await upsert(
        session,
        TemplateOverride,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "kind": kind_name,
            "channel": channel,
            "language": language,
            "subject": template.subject,
            "body": template.body,
            "updated_by": actor_id,
            "updated_at": now,
        },
        ("tenant_id", "kind", "channel", "language"),
    )


async def remove_override(
    session: AsyncSession, tenant_id: uuid.UUID, kind_name: str, channel: str, language: str
) -> None:
    """Back to the built-in wording; 404 if the tenant had none of its own."""
    done = await session.execute(
        delete(TemplateOverride).where(
            TemplateOverride.tenant_id == tenant_id,
            TemplateOverride.kind == kind_name,
            TemplateOverride.channel == channel,
            TemplateOverride.language == language,
        )
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(
            "This template has no wording of the tenant's own", code="template_not_found"
        )
