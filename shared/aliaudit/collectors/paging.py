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


# more pages than any real listing has (a million items at the smallest page sizes): an answer that goes on past it
# (a token or marker answered again and again) is a listing that never ends, never read as complete
MAX_PAGES = 20_000


def endless(what: str, pages: int) -> ListingCutShort:
    return ListingCutShort(f"{what} goes on past {pages} pages: not read to its end")


def by_marker(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]],
              what: str = "the listing") -> Iterator[Any]:
    """RAM style: call(marker) -> body with is_truncated and marker. A marker answered twice would list the same
    page forever: ListingCutShort."""
    marker: str | None = None
    used: set[str] = set()
    while True:
        body = call(marker)
        yield from items(body) or []
        if not body.is_truncated:
            return
        if not body.marker:
            raise no_way_on(what, "Marker")
        if body.marker in used or len(used) >= MAX_PAGES:
            raise endless(what, len(used) + 1)
        marker = body.marker
        used.add(marker)


def by_page_number(call: Callable[[int], Any], items: Callable[[Any], list[Any]], page_size: int,
                   what: str = "the listing") -> Iterator[Any]:
    """ECS/VPC style: call(page_number) -> body with total_count; an empty page short of the total raises
    ListingCutShort. An answer without a total (some APIs leave it out in some modes, e.g. Security Center's
    DescribeCloudCenterInstances with UseNextToken) ends at the first page shorter than page_size, not after the
    first page."""
    page, seen = 1, 0
    last: list[Any] | None = None  # (without a total: the previous page, to stop on a server repeating one)
    while True:
        body = call(page)
        batch = items(body) or []
        yield from batch
        seen += len(batch)
        if body.total_count is None or body.total_count == "":
            if len(batch) < page_size:
                return
            shown = [x.to_map() if hasattr(x, "to_map") else x for x in batch]
            if shown == last:
                raise endless(what, page)
            last = shown
        else:
            total = count(body.total_count)
            if seen >= total:
                return
            if not batch:
                raise cut_short(what, seen, total)
        if page >= MAX_PAGES:
            raise endless(what, page)
        page += 1


def by_token(call: Callable[[str | None], Any], items: Callable[[Any], list[Any]],
             max_pages: int | None = None, what: str = "the listing") -> Iterator[Any]:
    """NextToken style: call(token) -> body with next_token ('' or None on the last page). A listing that goes on
    past max_pages (MAX_PAGES unless given), or answers a token it answered before, raises ListingCutShort naming
    `what` (its dataset is then ERROR: unread, never taken as complete)."""
    token: str | None = None
    used: set[str] = set()
    limit = max_pages if max_pages is not None else MAX_PAGES
    while True:
        body = call(token)
        yield from items(body) or []
        token = body.next_token
        if not token:
            return
        if token in used or len(used) + 1 >= limit:
            raise endless(what, len(used) + 1)
        used.add(token)
