"""Paging every list API to the end: Marker/IsTruncated, PageNumber/TotalCount, NextToken."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def count(value: object) -> int:
    """A total from the wire as a number: most APIs send an integer, some a string (VPC DescribeFlowLogs
    TotalCount/PageNumber/PageSize are declared str by the SDK, alibabacloud_vpc20160428, and sent as "1")."""
    if value is None or value == "":
        return 0
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"the API answered a total that is not a number: {str(value)[:40]!r}") from None


class ListingCutShort(RuntimeError):
    """A listing whose answers ended before what they announced (an empty page short of the total, "truncated" with
    nothing to go on from): the page size may have been capped, or the service answered badly. The dataset is unread
    (ERROR), never taken as complete: an item never listed would get no verdict at all."""


def cut_short(what: str, seen: int, total: int) -> ListingCutShort:
    return ListingCutShort(f"{what} ended at {seen} of the {total} items its answers announced: not read to its end")


def no_way_on(what: str, field: str) -> ListingCutShort:
    return ListingCutShort(f"{what} answered that it goes on (IsTruncated) without a {field} to go on from: not read "
                           "to its end")


def by_marker(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]],
              what: str = "the listing") -> Iterator[Any]:
    """RAM style: call(marker) -> body with is_truncated and marker."""
    marker: str | None = None
    while True:
        body = call(marker)
        yield from items(body) or []
        if not body.is_truncated:
            return
        if not body.marker:
            raise no_way_on(what, "Marker")
        marker = body.marker


def by_page_number(call: Callable[[int], Any], items: Callable[[Any], list[Any]], page_size: int,
                   what: str = "the listing") -> Iterator[Any]:
    """ECS/VPC style: call(page_number) -> body with total_count; an empty page short of the total raises
    ListingCutShort."""
    page, seen = 1, 0
    while True:
        body = call(page)
        batch = items(body) or []
        yield from batch
        seen += len(batch)
        total = count(body.total_count)
        if seen >= total:
            return
        if not batch:
            raise cut_short(what, seen, total)
        page += 1


def by_token(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]],
             max_pages: int | None = None, what: str = "the listing") -> Iterator[Any]:
    """NextToken style: call(token) -> body with next_token ('' or None on the last page). With max_pages, a
    listing that goes on past that many pages raises RuntimeError naming `what` (its dataset is then ERROR:
    unread, never taken as complete)."""
    token: str | None = None
    pages = 0
    while True:
        body = call(token)
        pages += 1
        yield from items(body) or []
        token = body.next_token
        if not token:
            return
        if max_pages is not None and pages >= max_pages:
            raise RuntimeError(f"{what} goes on past {max_pages} pages: not read to its end")
