"""Query parameters the post listings share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from studyspot.services.community.schemas import POSTS_PAGE_MAX

After = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Cursor from `next_after` of the previous page (older posts)",
    ),
]
Limit = Annotated[
    int, Query(ge=1, le=POSTS_PAGE_MAX, description=f"Posts per page, at most {POSTS_PAGE_MAX}")
]
