"""One way to page lists, in pages and in the API: ``?page=1&per_page=50`` (max 200)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select

MAX_PER_PAGE = 200
MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(
    session, stmt: Select, page: int = 1, per_page: int = 50, *, clamp: bool = False
) -> Page:
    """Run ``stmt`` for one page and count the whole result in a second query.

    ``clamp`` shows the last page for a page past the end (what a person wants); without
    it such a page is empty (what an API client looping until no items wants).
    """
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(max(1, page), MAX_PAGE)  # keeps OFFSET within 64 bits whatever is asked
    if clamp:
        page = min(page, max(1, ceil((total or 0) / per_page)))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def page_of(items: list, page: int = 1, per_page: int = 50) -> Page:
    """A page of a list already in memory (a grid computed whole for its summary), the
    page past the end showing the last one."""
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    page = min(max(1, page), max(1, ceil(len(items) / per_page)))
    start = (page - 1) * per_page
    return Page(
        items=items[start : start + per_page], total=len(items), page=page, per_page=per_page
    )
