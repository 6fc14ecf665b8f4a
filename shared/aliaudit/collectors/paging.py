"""Paging every list API to the end: Marker/IsTruncated, PageNumber/TotalCount, NextToken."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def by_marker(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """RAM style: call(marker) -> body with is_truncated and marker."""
    marker: str | None = None
    while True:
        body = call(marker)
        yield from items(body) or []
        if not body.is_truncated or not body.marker:
            return
        marker = body.marker


def by_page_number(call: Callable[[int], Any], items: Callable[[Any], list[Any]], page_size: int) -> Iterator[Any]:
    """ECS/VPC style: call(page_number) -> body with total_count."""
    page, seen = 1, 0
    while True:
        body = call(page)
        batch = items(body) or []
        yield from batch
        seen += len(batch)
        if not batch or seen >= (body.total_count or 0):
            return
        page += 1


def by_token(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """NextToken style: call(token) -> body with next_token ('' or None on the last page)."""
    token: str | None = None
    while True:
        body = call(token)
        yield from items(body) or []
        token = body.next_token
        if not token:
            return
