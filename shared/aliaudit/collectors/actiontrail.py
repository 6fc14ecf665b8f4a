"""ActionTrail datasets: the account's trails (global: DescribeTrails lists trails of every region)."""

from __future__ import annotations

from alibabacloud_actiontrail20200706 import models as at_models
from pydantic import BaseModel

from .registry import CollectContext, collector


class TrailInfo(BaseModel):
    name: str
    status: str
    logging: bool
    home_region: str
    trail_region: str
    event_rw: str
    oss_bucket: str
    sls_project_arn: str


@collector("actiontrail.trails", scope="global", apis=["actiontrail:DescribeTrails"])
def trails(ctx: CollectContext) -> list[TrailInfo]:
    body = ctx.client("actiontrail").describe_trails(at_models.DescribeTrailsRequest(include_shadow_trails=True)).body
    out = []
    for t in body.trail_list or []:
        status = str(t.status or "")
        out.append(TrailInfo(name=t.name, status=status, logging=status.lower() == "enable",
                             home_region=t.home_region or "", trail_region=t.trail_region or "",
                             event_rw=t.event_rw or "", oss_bucket=t.oss_bucket_name or "",
                             sls_project_arn=t.sls_project_arn or ""))
    return out
