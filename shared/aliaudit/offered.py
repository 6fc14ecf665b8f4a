"""Where each product is offered: a family's product answers only in some regions, and every official SDK builds
`<product>.<region>.aliyuncs.com` for a region missing from its endpoint map (a host that does not exist where the
product is not offered), so auditing a family in every ECS region made an ERROR there every day. A family whose
product has a region API (its "DescribeRegions") registers a reader for it in its collector module (region_list);
a whole scan asks each reader once and audits the family only in the regions it names. A region list that cannot
be read leaves every region audited (a region the product lacks shows ERROR, with its reason): nothing is skipped
on a guess. Event runs do not ask: an event shows the product in its region."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import apierrors
from .clients import ClientFactory

log = logging.getLogger("aliaudit.offered")

# Where a region list is asked first: the products' home regions (every product here is offered in both); the
# audited regions follow, for an account that reaches neither
HOME_REGIONS = ("cn-hangzhou", "ap-southeast-1")
ASKED_REGIONS = 3  # regions tried before a region list counts as unreadable


@dataclass(frozen=True)
class RegionList:
    family: str
    product: str  # ClientFactory.pop's product
    apis: list[str]  # its RAM actions (the generated policy grants them)
    read: Callable[[Any], Iterable[str]]  # the product's client -> the region ids it is offered in


REGION_LISTS: dict[str, RegionList] = {}  # family -> its product's region list


def region_list(family: str, *, product: str, apis: list[str]) -> Callable[
        [Callable[[Any], Iterable[str]]], Callable[[Any], Iterable[str]]]:
    """Registers the reader of a family's region list (one per family): called with the product's client."""
    def register(fn: Callable[[Any], Iterable[str]]) -> Callable[[Any], Iterable[str]]:
        if family in REGION_LISTS:
            raise ValueError(f"family {family} has two region lists")
        REGION_LISTS[family] = RegionList(family, product, apis, fn)
        return fn

    return register


def _load(families: Iterable[str]) -> None:
    for family in families:
        try:  # (a family's region list lives in its collector module)
            importlib.import_module(f"{__package__}.collectors.{family}")
        except ModuleNotFoundError as err:
            if err.name != f"{__package__}.collectors.{family}":
                raise


def offered_regions(factory: ClientFactory, family: str, regions: list[str]) -> frozenset[str] | None:
    """The regions the family's product names as offered; None when it has no region list or the list cannot be
    read (logged)."""
    _load([family])
    entry = REGION_LISTS.get(family)
    if entry is None:
        return None
    asked = [r for r in dict.fromkeys([*HOME_REGIONS, *regions])][:ASKED_REGIONS]
    reasons = []
    for region in asked:
        try:
            named = frozenset(str(r) for r in entry.read(factory.pop(entry.product, region)) if r)
        except Exception as err:  # (denied, throttled past the retries, the endpoint unreachable: the next region)
            reasons.append(f"{region}: {apierrors.describe(err)}")
            continue
        if named:
            return named
        reasons.append(f"{region}: it names no region")
    log.warning("%s: cannot read where the product is offered (%s); auditing it in every region", family,
                "; ".join(reasons))
    return None


def not_offered(factory: ClientFactory, families: Collection[str], regions: list[str],
                concurrency: int = 8) -> dict[str, list[str]]:
    """family -> the audited regions its product does not name (only families with such regions), each family's
    list asked once, at once; logged at INFO."""
    _load(families)
    listed = sorted(f for f in families if f in REGION_LISTS)
    if not listed or not regions:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(listed))),
                            thread_name_prefix="aliaudit-offered") as pool:
        found = dict(zip(listed, pool.map(lambda f: offered_regions(factory, f, regions), listed), strict=True))
    skipped = {f: [r for r in regions if r not in named] for f, named in found.items() if named is not None}
    skipped = {f: rs for f, rs in skipped.items() if rs}
    for family, rs in skipped.items():
        log.info("%s is not offered in %s (its region list): not audited there", family, ", ".join(rs))
    return skipped


def offered_in(family: str, region: str, skipped: Mapping[str, Collection[str]] | None) -> bool:
    """Whether a family is audited in a region (GLOBAL always) given not_offered's answer."""
    return not skipped or region not in skipped.get(family, ())
