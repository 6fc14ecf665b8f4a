"""Anti-DDoS Proxy (ddoscoo 2020-01-01) datasets (global): every website (domain with a forwarding rule) protected by
an Anti-DDoS Proxy instance, with the state of its full log (Log Service integration) and that log's storage use, for
CIS 2.6.

Endpoints: Anti-DDoS Proxy is sold in two sites, the Chinese mainland (API region cn-hangzhou) and outside it
(ap-southeast-1) (ddoscoo API reference, "Endpoints": ddoscoo.cn-hangzhou.aliyuncs.com and
ddoscoo.ap-southeast-1.aliyuncs.com). The dataset reads both once per scan, with the SDK's own endpoint rule
(`regional`: ddoscoo.<region>.aliyuncs.com, alibabacloud_ddoscoo20200101 Client).

Resource groups: without ResourceGroupId, DescribeInstances answers the default resource group's instances only
("If you do not specify this parameter, the default resource group is used"), and DescribeDomains and
DescribeWebAccessLogStatus likewise ("empty by default, which indicates that the instance belongs to the default
resource group": alibabacloud_ddoscoo20200101 request models). So every resource group of the account
(Resource Manager ListResourceGroups) is asked for by its id; a website is read with its group's id."""

from __future__ import annotations

from typing import Any

from .. import apierrors, log_volume
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..log_volume import LogVolume
from .paging import by_page_number
from .registry import CollectContext, collector
from .resource_groups import API as GROUPS_API
from .resource_groups import resource_groups

ddos_models = lazy_import("alibabacloud_ddoscoo20200101.models")

# the two sites of Anti-DDoS Proxy: Chinese mainland and outside the Chinese mainland (see the module doc)
CENTRES = ("cn-hangzhou", "ap-southeast-1")
# DescribeInstances: PageNumber and PageSize are required strings; the reference documents no maximum for PageSize
# (its example is 10), so the product asks for that documented example size
PAGE_SIZE = 10
EXPIRED, FORWARDING_STOPPED = 2, 0  # DescribeInstances Instances[].Status and .Enabled (see idle_reason)


class DdosWebsite(Record):
    domain: str
    region: str  # the site (API region) that protects it: cn-hangzhou | ap-southeast-1
    resource_group: str = ""  # the resource group of its instances
    log_enabled: bool | None = None  # DescribeWebAccessLogStatus SlsStatus; None when it could not be read
    sls_project: str = ""
    sls_logstore: str = ""
    error: str | None = None  # DescribeWebAccessLogStatus failed: the check reports ERROR for this website
    # the website is forwarded only by instances that do not serve (expired, or forwarding stopped): why, naming
    # them; its log status is then not read and the check reports MANUAL
    inactive: str | None = None
    # the log storage of its resource group's full log in its site (DescribeSlsLogstoreInfo), read where the full log
    # is on (CIS 2.6 step 4); None: not read
    log_volume: LogVolume | None = None


WEBSITES: Dataset[list[DdosWebsite]] = Dataset("ddos.websites", Scope.GLOBAL)


def idle_reason(instance: Any) -> str | None:
    """Why an Anti-DDoS Proxy instance does not serve, None when it does. DescribeInstances Instances[].Status "1:
    Normal. 2: Expired." and Enabled "0: Service traffic forwarding is stopped. 1: Service traffic forwarding is
    normal." (DescribeInstancesResponseBodyInstances, alibabacloud_ddoscoo20200101; both integers). Only these
    documented values count: a missing or other value is read as serving, which cannot hide a FAIL."""
    why = []
    if instance.status == EXPIRED:
        why.append("expired (Status 2)")
    if instance.enabled == FORWARDING_STOPPED:
        why.append("service traffic forwarding stopped (Enabled 0)")
    return f"{instance.instance_id} {' and '.join(why)}" if why else None


def read_log_status(site: DdosWebsite, b: Any) -> None:
    """Set the website's full-log switch from a DescribeWebAccessLogStatus answer (SlsStatus, a boolean)."""
    site.sls_project, site.sls_logstore = b.sls_project or "", b.sls_logstore or ""
    if isinstance(b.sls_status, bool):  # documented boolean: true enabled, false disabled
        site.log_enabled = b.sls_status
    else:  # not told: ERROR for the website, never read as disabled (or enabled)
        site.error = f"DescribeWebAccessLogStatus did not report SlsStatus ({b.sls_status!r})"


@collector(WEBSITES, apis=["yundun-ddoscoo:DescribeInstances", "yundun-ddoscoo:DescribeDomains",
                           "yundun-ddoscoo:DescribeWebAccessLogStatus", "yundun-ddoscoo:DescribeSlsLogstoreInfo",
                           GROUPS_API])
def websites(ctx: CollectContext) -> list[DdosWebsite]:
    found: list[DdosWebsite] = []
    groups = resource_groups(ctx)  # (unreadable: the dataset fails, ERROR with the reason, never a partial PASS)
    for centre in CENTRES:
        client = ctx.factory.pop("ddoscoo", centre)

        def in_group(group: str, c: Any = client, region: str = centre) -> list[DdosWebsite]:
            instances = list(by_page_number(
                lambda n: c.describe_instances(ddos_models.DescribeInstancesRequest(
                    page_number=str(n), page_size=str(PAGE_SIZE), resource_group_id=group)).body,
                lambda b: b.instances or [], PAGE_SIZE))
            if not instances:
                return []  # no Anti-DDoS Proxy instance of this group in this site: no website to audit there

            def domains(ids: list[str] | None) -> set[str]:
                # DescribeDomains without InstanceIds answers every domain with a forwarding rule of the group's
                # instances; with InstanceIds, those of the instances named
                return set(c.describe_domains(ddos_models.DescribeDomainsRequest(
                    instance_ids=ids, resource_group_id=group)).body.domains or [])

            sites = [DdosWebsite(domain=d, region=region, resource_group=group) for d in sorted(domains(None))]
            idle = [why for i in instances if (why := idle_reason(i))]
            if idle:  # a website no serving instance forwards is not judged (MANUAL, naming the idle instances)
                serving = [i.instance_id for i in instances if not idle_reason(i)]
                served = domains(serving) if serving else set()
                for site in sites:
                    if site.domain not in served:
                        site.inactive = "; ".join(idle)
            return sites

        def status(site: DdosWebsite, c: Any = client) -> DdosWebsite:
            if site.inactive:
                return site  # not served: its log status is not read
            try:
                read_log_status(site, c.describe_web_access_log_status(ddos_models.DescribeWebAccessLogStatusRequest(
                    domain=site.domain, resource_group_id=site.resource_group)).body)
            except Exception as err:
                site.error = apierrors.describe(err)
            return site

        def volume(group: str, c: Any = client) -> LogVolume:
            return log_volume.ask(lambda: log_volume.read(c.describe_sls_logstore_info(
                ddos_models.DescribeSlsLogstoreInfoRequest(resource_group_id=group or None)).body))

        sites = ctx.map(status, [site for listed in ctx.map(in_group, groups) for site in listed])
        logged = sorted({s.resource_group for s in sites if s.log_enabled})
        volumes = dict(zip(logged, ctx.map(volume, logged), strict=True))
        for site in sites:
            site.log_volume = volumes.get(site.resource_group) if site.log_enabled else None
        found += sites
    return found
