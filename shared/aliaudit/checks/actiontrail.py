"""ActionTrail checks: CIS Alibaba Cloud Foundations v2.0.0 section 2 (trails)."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.actiontrail import TRAILS, TrailInfo
from ..findings import Result, Status
from .registry import Inputs, check


@check(id="actiontrail_trail_all_regions_enabled", severity="high",
       title="Ensure ActionTrail is configured to export copies of all log entries",
       risk="Without a trail logging every region and every read and write event, incidents cannot be "
            "investigated and changes go unnoticed.",
       console="ActionTrail console > Trails > Create Trail: all regions, All events, deliver to OSS or SLS.",
       cli="aliyun actiontrail CreateTrail --Name audit --EventRW All --TrailRegion All --OssBucketName <b>; "
           "aliyun actiontrail StartLogging --Name audit",
       cis=["2.1"], events=["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"],
       needs=[TRAILS],
       evaluates="DescribeTrails (with shadow and multi-account trails): PASS when at least one trail has Status "
                 "Enable, TrailRegion All, EventRW All and a delivery target (OssBucketName or SlsProjectArn); "
                 "otherwise one FAIL for the account listing every trail. A trail that records only Write (or Read) "
                 "events fails, although the audit does not mention EventRW; TrailRegion and EventRW are compared "
                 "exactly ('All').",
       cis_audit="Ensure at least one Trail has All specified in the Region column, Logging is set to Enable to "
                 "export log copies, and Yes is selected for Apply Trail to All Regions (aliyun actiontrail "
                 "DescribeTrails).")
def all_regions(inp: Inputs) -> Iterator[Result]:
    trails: list[TrailInfo] = inp[TRAILS]
    good = [t for t in trails if t.logging and t.trail_region == "All" and t.event_rw == "All"
            and (t.oss_bucket or t.sls_project_arn)]
    if good:
        kind = "multi-account trail" if good[0].organization else "trail"
        yield Result(status=Status.PASS, resource_id=good[0].name, resource_type="actiontrail:trail",
                     message=f"{kind} {good[0].name} logs all events of all regions")
    else:
        names = ", ".join(f"{t.name} ({t.status}, {t.trail_region}, {t.event_rw})" for t in trails) or "none"
        yield Result(status=Status.FAIL, resource_id=inp.account_id, resource_type="actiontrail:trail",
                     message=f"no enabled trail logs all events of all regions to OSS or SLS; trails: {names}")
