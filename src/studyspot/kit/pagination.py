"""`?page=&page_size=&sort=` and the `{"items", "total", "page", "page_size"}` answer.

Offset paging costs what it skips: page 1,000,000 of a large log reads every
row before it. Lists that can grow without bound (audit logs) cap the offset
(`capped_paging`) and page on by a keyset cursor (`Position`) instead, whose
cost is one index range scan of one page wherever the page is.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.errors import Unprocessable

T = TypeVar("T")
MAX_PAGE_SIZE = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def _page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PageParams:
    return PageParams(page, page_size)


Paging = Annotated[PageParams, Depends(_page_params)]


def sort_clause(sort: str | None, allowed: dict[str, Any], default: Sequence[Any]) -> list[Any]:
    """`name` or `-name` over an allow-list of indexed columns."""
    if not sort:
        return list(default)
    desc = sort.startswith("-")
    key = sort.removeprefix("-")
    column = allowed.get(key)
    if column is None:
        raise Unprocessable(
            "Cannot sort by this field",
            errors=[{"field": "query.sort", "message": f"one of {sorted(allowed)}"}],
        )
    return [column.desc() if desc else column.asc(), *default]


async def paginate(
    session: AsyncSession,
    query: Select[Any],
    params: PageParams,
    order_by: Sequence[ColumnElement[Any]] | Sequence[Any],
) -> tuple[list[Any], int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.scalars(
        query.order_by(*order_by).offset(params.offset).limit(params.page_size)
    )
    return list(rows), int(total or 0)


def capped_paging(max_rows: int) -> Callable[..., Coroutine[Any, Any, PageParams]]:
    """Like `Paging`, but `page * page_size` may not pass `max_rows` (422 `page_too_deep`)."""

    async def dependency(page: int = 1, page_size: int = 50) -> PageParams:
        if page * page_size > max_rows:
            raise Unprocessable(
                f"Offset paging reaches only the first {max_rows:,} entries; "
                "follow `next_after` with `?after=` to read further",
                code="page_too_deep",
                errors=[{"field": "query.page", "message": f"page x page_size <= {max_rows}"}],
            )
        return PageParams(page, page_size)

    # Spelled out because the bounds are this call's: string annotations (this module's
    # `from __future__ import annotations`) could not see `max_rows`.
    page_query = Query(
        ge=1,
        le=max_rows,
        description=f"1-based page number; page x page_size may be at most {max_rows:,} "
        "(beyond it, page on with `after`)",
    )
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("page", _KEYWORD, default=1, annotation=Annotated[int, page_query]),
            inspect.Parameter(
                "page_size",
                _KEYWORD,
                default=50,
                annotation=Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)],
            ),
        ],
        return_annotation=PageParams,
    )
    return dependency


_KEYWORD = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Position:
    """Where a newest-first list ordered by (created_at, id) stopped: an opaque cursor."""

    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.astimezone(UTC).isoformat()}|{self.id.hex}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            stamp, _, hex_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None:
                raise ValueError("naive timestamp")
            return cls(created_at.astimezone(UTC), uuid.UUID(hex=hex_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise Unprocessable(
                "The cursor is not one this list handed out",
                code="invalid_cursor",
                errors=[{"field": "query.after", "message": "use `next_after` of a page"}],
            ) from None

    def older(self, created_at: Any, id_: Any) -> ColumnElement[bool]:
        """Rows after this position in newest-first order: an index range, not a skip."""
        return or_(created_at < self.created_at, and_(created_at == self.created_at, id_ < self.id))
