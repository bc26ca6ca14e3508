"""`?page=&page_size=&sort=` and the `{"items", "total", "page", "page_size"}` answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
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
