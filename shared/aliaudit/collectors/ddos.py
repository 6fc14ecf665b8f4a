"""Anti-DDoS Proxy (ddoscoo 2020-01-01) datasets (global): every website (domain with a forwarding rule) protected by
an Anti-DDoS Proxy instance, with the state of its full log (Log Service integration), for CIS 2.6.

Endpoints: Anti-DDoS Proxy is sold in two sites, the Chinese mainland (API region cn-hangzhou) and outside it
(ap-southeast-1) (ddoscoo API reference, "Endpoints": ddoscoo.cn-hangzhou.aliyuncs.com and
ddoscoo.ap-southeast-1.aliyuncs.com). The dataset reads both once per scan, with the SDK's own endpoint rule
(`regional`: ddoscoo.<region>.aliyuncs.com, alibabacloud_ddoscoo20200101 Client)."""

from __future__ import annotations

from typing import Any

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext, collector

ddos_models = lazy_import("alibabacloud_ddoscoo20200101.models")

# the two sites of Anti-DDoS Proxy: Chinese mainland and outside the Chinese mainland (see the module doc)
CENTRES = ("cn-hangzhou", "ap-southeast-1")
# DescribeInstances: PageNumber and PageSize are required strings; the reference documents no maximum for PageSize
# (its example is 10), so the product asks for that documented example size
PAGE_SIZE = 10


class DdosWebsite(Record):
    domain: str
    region: str  # the site (API region) that protects it: cn-hangzhou | ap-southeast-1
    log_enabled: bool | None = None  # DescribeWebAccessLogStatus SlsStatus; None when it could not be read
    sls_project: str = ""
    sls_logstore: str = ""
    error: str | None = None  # DescribeWebAccessLogStatus failed: the check reports ERROR for this website


WEBSITES: Dataset[list[DdosWebsite]] = Dataset("ddos.websites", Scope.GLOBAL)


def read_log_status(site: DdosWebsite, b: Any) -> None:
    """Set the website's full-log switch from a DescribeWebAccessLogStatus answer (SlsStatus, a boolean)."""
    site.sls_project, site.sls_logstore = b.sls_project or "", b.sls_logstore or ""
    if isinstance(b.sls_status, bool):  # documented boolean: true enabled, false disabled
        site.log_enabled = b.sls_status
    else:  # not told: ERROR for the website, never read as disabled (or enabled)
        site.error = f"DescribeWebAccessLogStatus did not report SlsStatus ({b.sls_status!r})"


@collector(WEBSITES, apis=["yundun-ddoscoo:DescribeInstances", "yundun-ddoscoo:DescribeDomains",
                           "yundun-ddoscoo:DescribeWebAccessLogStatus"])
def websites(ctx: CollectContext) -> list[DdosWebsite]:
    found: list[DdosWebsite] = []
    for centre in CENTRES:
        client = ctx.factory.pop("ddoscoo", centre)

        def page(n: int, c: Any = client) -> Any:
            return c.describe_instances(ddos_models.DescribeInstancesRequest(
                page_number=str(n), page_size=str(PAGE_SIZE))).body

        instances = list(by_page_number(page, lambda b: b.instances or [], PAGE_SIZE))
        if not instances:
            continue  # no Anti-DDoS Proxy instance in this site: no website to audit there
        # DescribeDomains without InstanceIds answers every domain with a forwarding rule in the site
        domains = client.describe_domains(ddos_models.DescribeDomainsRequest()).body.domains or []

        def status(domain: str, c: Any = client, region: str = centre) -> DdosWebsite:
            site = DdosWebsite(domain=domain, region=region)
            try:
                read_log_status(site, c.describe_web_access_log_status(
                    ddos_models.DescribeWebAccessLogStatusRequest(domain=domain)).body)
            except Exception as err:
                site.error = apierrors.describe(err)
            return site

        found += ctx.map(status, sorted(set(domains)))
    return found
