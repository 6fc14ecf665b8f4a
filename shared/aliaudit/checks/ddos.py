"""Anti-DDoS Proxy checks: the full log (Log Service) of every protected website (CIS 2.6). An account without an
Anti-DDoS Proxy instance, or whose instances protect no website, gets no finding: CIS 2.6's audit is made per
website ("Select the specific website ... Ensure the Log Collection is turned on"), so there is nothing to audit."""

from __future__ import annotations

from collections.abc import Iterator

from .. import log_volume
from ..collectors.ddos import WEBSITES, DdosWebsite
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL


def _result(w: DdosWebsite, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=w.domain, resource_type="ddos:website", resource_name=w.domain,
                  region=w.region, message=message,
                  details={"sls_project": w.sls_project, "sls_logstore": w.sls_logstore,
                           "resource_group": w.resource_group})


@check(id="ddos_web_access_log_enabled", severity="medium",
       title="Ensure Anti-DDoS access and security log service is enabled",
       risk="Without the full log, HTTP flood attacks and the website's access cannot be queried or alerted on in "
            "Log Service, so an attack is investigated blind.",
       console="Anti-DDoS Proxy console > Investigation > Log Analysis (Full Log): select the website and turn on "
               "the Status switch.",
       cli="aliyun ddoscoo EnableWebAccessLogConfig --Domain <domain> [--ResourceGroupId <group, in the finding>]",
       events=["EnableWebAccessLogConfig", "DisableWebAccessLogConfig", "CreateWebRule", "DeleteWebRule",
               "CreateDomainResource", "DeleteDomainResource"],
       needs=[WEBSITES], cis=["2.6"],
       cis_audit="Logon to Anti-DDoS Pro Console, and go to the Log > Full Log page. Select the specific website. "
                 "Ensure the Log Collection is turned on. Ensure the log volume usage indicator is sufficient for "
                 "log storage.",
       evaluates="DescribeInstances and DescribeDomains in both Anti-DDoS Proxy sites (cn-hangzhou, ap-southeast-1) "
                 "for every resource group of the account (ListResourceGroups: without a group id these APIs answer "
                 "the default group only), then DescribeWebAccessLogStatus per website: PASS when SlsStatus is "
                 "true and the log storage of its resource group is not exhausted (DescribeSlsLogstoreInfo: Used "
                 "below Quota), FAIL when false or exhausted, ERROR when the status, the storage use (or the "
                 "resource groups) could not be read; MANUAL, "
                 "its status not read, for a website that only instances not in service forward (DescribeInstances "
                 "Status 2, expired, or Enabled 0, service traffic forwarding stopped; found by DescribeDomains "
                 "with the InstanceIds of the group's other instances). No "
                 "instance, or no website, gives no result.",
       source="CIS 2.6 | https://www.alibabacloud.com/help/doc-detail/85007.htm")
def web_access_log_enabled(inp: Inputs) -> Iterator[Result]:
    for w in inp[WEBSITES]:
        if w.inactive:
            yield _result(w, MANUAL, "not judged: no Anti-DDoS Proxy instance in service forwards this website "
                                     f"(instances of its resource group not in service: {w.inactive}); renew or "
                                     "re-enable its instance, then check its full log")
        elif w.error:
            yield _result(w, ERROR, f"could not read the website's log status: {w.error}")
        elif w.log_enabled and (volume := log_volume.problem(w.log_volume)) is not None:
            yield _result(w, volume[0], f"full log is enabled, but {volume[1]}")
        elif w.log_enabled:
            yield _result(w, PASS, f"full log is enabled (project {w.sls_project or '?'}, "
                                   f"logstore {w.sls_logstore or '?'}){log_volume.usage(w.log_volume)}")
        else:
            yield _result(w, FAIL, "full log (Log Service) is disabled for the website")
