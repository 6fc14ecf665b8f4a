"""ActionTrail cases, from DescribeTrails' documented sample (trail test-4: TrailRegion All, EventRW All, Status Enable,
OssBucketName secloud, SlsProjectArn acs:log:cn-qingdao:...:project/zhengze-audit-log)."""

from __future__ import annotations

from aliaudit.collectors.actiontrail import TrailInfo
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT


def trail(**kw: object) -> TrailInfo:
    base: dict[str, object] = {"name": "test-4", "status": "Enable", "logging": True, "home_region": "cn-hangzhou",
                               "trail_region": "All", "event_rw": "All", "oss_bucket": "secloud",
                               "sls_project_arn": "acs:log:cn-qingdao:159498693826****:project/zhengze-audit-log"}
    base.update(kw)
    return TrailInfo(**base)  # type: ignore[arg-type]


_C = "actiontrail_trail_all_regions_enabled"
CASES: list[Case] = [
    Case(_C, "documented sample trail", {"actiontrail.trails": [trail()]}, {"test-4": "PASS"}, region="global"),
    Case(_C, "SLS delivery only", {"actiontrail.trails": [trail(oss_bucket="")]}, {"test-4": "PASS"},
         region="global"),
    Case(_C, "multi-account trail", {"actiontrail.trails": [trail(organization=True)]}, {"test-4": "PASS"},
         region="global"),
    Case(_C, "no trail", {"actiontrail.trails": []}, {ACCOUNT: "FAIL"}, region="global"),
    Case(_C, "trail stopped", {"actiontrail.trails": [trail(status="Disable", logging=False)]}, {ACCOUNT: "FAIL"},
         region="global"),
    Case(_C, "one region only", {"actiontrail.trails": [trail(trail_region="cn-hangzhou")]}, {ACCOUNT: "FAIL"},
         region="global"),
    Case(_C, "write events only", {"actiontrail.trails": [trail(event_rw="Write")]}, {ACCOUNT: "FAIL"},
         region="global"),
    Case(_C, "no delivery target", {"actiontrail.trails": [trail(oss_bucket="", sls_project_arn="")]},
         {ACCOUNT: "FAIL"}, region="global"),
]
