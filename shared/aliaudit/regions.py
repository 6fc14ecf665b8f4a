"""The account's regions (ECS DescribeRegions), and validation of the ones a user asks for."""

from __future__ import annotations

from . import apierrors, errors
from .clients import ClientFactory
from .lazy import lazy_import

ecs_models = lazy_import("alibabacloud_ecs20140526.models")  # (imported by the scan's first call, not at start-up)


def account_regions(factory: ClientFactory, wanted: list[str] | None = None) -> list[str]:
    try:
        body = factory.pop("ecs").describe_regions(ecs_models.DescribeRegionsRequest()).body
    except Exception as err:
        raise errors.AliauditError(f"cannot list the account's regions (ECS DescribeRegions): "
                                   f"{apierrors.describe(err)}") from None
    available = [r.region_id for r in body.regions.region or []]
    if not wanted:
        return available
    unknown = [r for r in wanted if r not in available]
    if unknown:
        raise errors.ConfigError(f"--region {', '.join(unknown)}: not a region of this account "
                                 f"(available: {', '.join(available)})")
    return list(dict.fromkeys(wanted))
