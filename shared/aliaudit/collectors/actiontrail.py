"""ActionTrail datasets: the account's trails (global: DescribeTrails lists trails of every region)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..datasets import Dataset, Scope
from ..lazy import lazy_import
from .registry import CollectContext, collector

at_models = lazy_import("alibabacloud_actiontrail20200706.models")


class TrailInfo(BaseModel):
    name: str
    status: str
    logging: bool
    home_region: str
    trail_region: str
    event_rw: str
    oss_bucket: str
    sls_project_arn: str
    organization: bool = False  # a multi-account trail of the resource directory (created in its management account)


def describe_trails(ctx: CollectContext) -> list[Any]:  # DescribeTrailsResponseBodyTrailList
    """Every trail that covers the account: shadow trails (a multi-region trail as seen from the other regions)
    and multi-account trails, which DescribeTrails leaves out unless asked: "Only single-account trails are
    queried" when IncludeOrganizationTrail is false, its default (https://www.alibabacloud.com/help/doc-detail/28842.htm)."""
    return ctx.client("actiontrail").describe_trails(at_models.DescribeTrailsRequest(
        include_shadow_trails=True, include_organization_trail=True)).body.trail_list or []


TRAILS: Dataset[list[TrailInfo]] = Dataset("actiontrail.trails", Scope.GLOBAL)


@collector(TRAILS, apis=["actiontrail:DescribeTrails"])
def trails(ctx: CollectContext) -> list[TrailInfo]:
    out = []
    for t in describe_trails(ctx):
        status = str(t.status or "")
        out.append(TrailInfo(name=t.name, status=status, logging=status.lower() == "enable",
                             home_region=t.home_region or "", trail_region=t.trail_region or "",
                             event_rw=t.event_rw or "", oss_bucket=t.oss_bucket_name or "",
                             sls_project_arn=t.sls_project_arn or "",
                             organization=str(t.is_organization_trail).lower() == "true"))
    return out
