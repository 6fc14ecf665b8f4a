"""WAF 3.0 checks: log collection of every protected object (CIS 2.7). An account without a WAF 3.0 instance gets
no finding: CIS 2.7's audit is made per protected website ("select the specific domain name ... Ensure the Status
switch on the right is turned on"), so there is nothing to audit."""

from __future__ import annotations

from collections.abc import Iterator

from .. import log_volume
from ..collectors.waf import RESOURCES, WafResource
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
# DescribeInstance Status (DescribeInstanceResponseBody.status, alibabacloud_waf_openapi20211001)
INSTANCE_STATUSES = {2: "expired", 3: "released"}


def _result(r: WafResource, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=r.resource, resource_type="waf:protected_object",
                  resource_name=r.resource, region=r.region, message=message,
                  details={"instance_id": r.instance_id, "product": r.product,
                           "resource_group": r.resource_group})


@check(id="waf_protected_resource_logging_enabled", severity="medium",
       title="Ensure Web Application Firewall access and security log service is enabled",
       risk="Without WAF logs in Log Service, visits to and attacks on the protected website cannot be queried, "
            "alerted on or investigated.",
       console="WAF 3.0 console > Detection and Response > Log Service: select the protected object and turn on its "
               "Status switch.",
       cli="aliyun waf-openapi ModifyResourceLogStatus --InstanceId <id> --Resource <object> --Status true",
       events=["ModifyResourceLogStatus", "CreateDefenseResource", "CreateDomain", "DeleteDomain",
               "CreateCloudResource"],
       needs=[RESOURCES], cis=["2.7"],
       cis_audit="Logon to WAF Console. Choose App Market > App Management. Click Configure in Real-time Log Query "
                 "and Analysis Service. On Log Service page, select the specific domain name of your website. Ensure "
                 "the Status switch on the right is turned on. Ensure the log volume usage indicator is sufficient "
                 "for log storage.",
       evaluates="DescribeInstance in both WAF 3.0 sites (cn-hangzhou, ap-southeast-1), DescribeDefenseResources of "
                 "the instance without a resource group and with each of the account's groups (ListResourceGroups: "
                 "no WAF 3.0 document says what the group-less call answers), then DescribeResourceLogStatus with "
                 "the object's group: PASS when Result[].Status is true for the protected object and the instance's "
                 "logstore is not exhausted (DescribeSlsLogStore: Used below Quota), FAIL when false or exhausted, "
                 "ERROR when the status or the storage use could not be read or was not reported, and one ERROR "
                 "for a site whose instance or protected objects (or the account's resource groups) could not be "
                 "listed. A site whose "
                 "instance's DescribeInstance Status is not 1 (Normal; documented 2 Expired, 3 Released) gives one "
                 "MANUAL for the instance, naming the status, and its objects are not read (the instance is not in "
                 "service). No instance gives no result.",
       source="CIS 2.7 | Cloud Config waf3-defense-resource-logging-enabled")
def protected_resource_logging_enabled(inp: Inputs) -> Iterator[Result]:
    for r in inp[RESOURCES]:
        if r.site_error:
            yield Result(status=ERROR, resource_id=r.resource, resource_type="waf:site", region=r.region,
                         message=f"could not list the protected objects of the {r.region} WAF 3.0 site: "
                                 f"{r.site_error}")
        elif r.instance_status is not None:
            state = INSTANCE_STATUSES.get(r.instance_status, "in an undocumented state")
            yield Result(status=MANUAL, resource_id=r.resource, resource_type="waf:instance", region=r.region,
                         details={"instance_id": r.instance_id, "status": str(r.instance_status)},
                         message=f"the {r.region} WAF 3.0 instance is {state} (DescribeInstance Status "
                                 f"{r.instance_status}, 1 is Normal): its protected objects are not judged; renew "
                                 "the instance (or protect the sites with an active one), then check their logs")
        elif r.error:
            yield _result(r, ERROR, f"could not read the log status: {r.error}")
        elif r.log_enabled and (volume := log_volume.problem(r.log_volume)) is not None:
            yield _result(r, volume[0], f"log collection is enabled, but {volume[1]}")
        elif r.log_enabled:
            yield _result(r, PASS, f"log collection is enabled ({r.product or 'protected object'})"
                                   f"{log_volume.usage(r.log_volume)}")
        else:
            yield _result(r, FAIL, f"log collection is disabled for this {r.product or 'protected'} object")
