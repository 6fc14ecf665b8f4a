"""WAF 3.0 cases, from the documented samples: DescribeInstance waf-cn-xxx (RegionId cn-hangzhou; Status 1 Normal,
2 Expired, 3 Released),
DescribeDefenseResources lists alb-rencs*** (Product alb), DescribeResourceLogStatus answers Status true for
alb-wewbb23dfsetetcic****."""

from __future__ import annotations

from aliaudit.collectors.waf import WafResource
from aliaudit.log_volume import LogVolume
from tests.check_cases import Case

RES = "alb-rencs***"


def obj(resource: str = RES, **kw: object) -> WafResource:
    base: dict[str, object] = {"resource": resource, "product": "alb", "instance_id": "waf-cn-xxx",
                               "region": "cn-hangzhou", "log_enabled": True}
    base.update(kw)
    return WafResource(**base)  # type: ignore[arg-type]


_L = "waf_protected_resource_logging_enabled"
CASES: list[Case] = [
    Case(_L, "Status true passes, false fails",
         {"waf.resources": [obj(), obj("alb-wewbb23dfsetetcic****", log_enabled=False),
                            obj("www.example.com-waf", product="waf", region="ap-southeast-1", log_enabled=False)]},
         {RES: "PASS", "alb-wewbb23dfsetetcic****": "FAIL", "www.example.com-waf": "FAIL"}),
    Case(_L, "the status could not be read, or was not reported",
         {"waf.resources": [obj(log_enabled=None, error="NoPermission: denied"),
                            obj("ecs-1", log_enabled=None,
                                error="DescribeResourceLogStatus did not report this protected object")]},
         {RES: "ERROR", "ecs-1": "ERROR"}),
    Case(_L, "no WAF 3.0 instance: no result", {"waf.resources": []}, {}),
    # the review's defect: CIS 2.7 step 6 ("Ensure the log volume usage indicator is sufficient for log storage") was
    # not read, though DescribeSlsLogStore answers Quota ("The capacity of the Logstore") and Used
    Case(_L, "the sample's logstore (35 MB of 3 TiB) passes; a full one fails; an unreadable one is ERROR",
         {"waf.resources": [obj(log_volume=LogVolume(quota=3298534883328, used=35471136)),
                            obj("alb-full", log_volume=LogVolume(quota=3298534883328, used=3298534883329)),
                            obj("alb-unread", log_volume=LogVolume(error="NoPermission: denied"))]},
         {RES: "PASS", "alb-full": "FAIL", "alb-unread": "ERROR"}),
    Case(_L, "an instance whose DescribeInstance Status is 2 (Expired), 3 (Released) or undocumented is one MANUAL "
             "for its site; the other site's objects are judged",
         {"waf.resources": [obj(), WafResource(resource="waf-cn-expired", instance_id="waf-cn-expired",
                                               region="ap-southeast-1", instance_status=2)]},
         {RES: "PASS", "waf-cn-expired": "MANUAL"}),
    Case(_L, "released and undocumented instance statuses",
         {"waf.resources": [WafResource(resource="waf-cn-gone", instance_id="waf-cn-gone", region="cn-hangzhou",
                                        instance_status=3),
                            WafResource(resource="waf-intl-odd", instance_id="waf-intl-odd", region="ap-southeast-1",
                                        instance_status=7)]},
         {"waf-cn-gone": "MANUAL", "waf-intl-odd": "MANUAL"}),
    Case(_L, "a site that could not be listed is its ERROR; the other site's objects are judged",
         {"waf.resources": [obj(), WafResource(resource="waf-ap-southeast-1", instance_id="", region="ap-southeast-1",
                                               site_error="ServiceUnavailable: down")]},
         {RES: "PASS", "waf-ap-southeast-1": "ERROR"}),
]
CASES += [
    Case(_L, "an object of another resource group is judged like any other, naming its group",
         {"waf.resources": [obj(resource_group="rg-acfm***q", log_enabled=False)]}, {RES: "FAIL"}),
]
