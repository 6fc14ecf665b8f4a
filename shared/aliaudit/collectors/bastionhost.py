"""Bastionhost datasets (regional, yundun-bastionhost 2019-12-09): every bastion host of the region
(DescribeInstances) with, for those whose public network access is on, their public whitelist
(DescribeInstanceAttribute PublicWhiteList and WhiteListPolicies). Most mainland regions share the central endpoint
yundun-bastionhost.aliyuncs.com (the SDK's endpoint map), so every call names its region (RegionId)."""

from __future__ import annotations

from typing import Any

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_page_number
from .registry import CollectContext, collector

bh_models = lazy_import("alibabacloud_yundun_bastionhost20191209.models")

PAGE_SIZE = 100  # DescribeInstances PageSize maximum (OpenMeta yundun-bastionhost 2019-12-09)


class BastionHost(Record):
    id: str
    description: str = ""
    region: str
    status: str = ""  # InstanceStatus: PENDING | CREATING | RUNNING | EXPIRED | CREATE_FAILED | UPGRADING | ...
    plan: str = ""  # PlanCode: cloudbastion (Basic) | cloudbastion_ha (Enterprise)
    public_access: bool = False  # PublicNetworkAccess (DescribeInstanceAttribute's when read)
    internet_endpoint: str = ""
    # PublicWhiteList plus the entries of WhiteListPolicies (each Entry may list several addresses, comma separated);
    # None when not read (public access off)
    whitelist: list[str] | None = None
    error: str | None = None  # DescribeInstanceAttribute failed: checks report ERROR for this bastion host


INSTANCES: Dataset[list[BastionHost]] = Dataset("bastionhost.instances", Scope.REGIONAL)


def _entries(text: str | None) -> list[str]:
    """The addresses an item names. The documented DescribeInstanceAttribute sample answers PublicWhiteList items
    in brackets ("[10.162.168.xx/32]"), and ConfigInstanceWhiteList takes several comma-separated: an item
    "[0.0.0.0/0]" or "10.0.0.0/8,0.0.0.0/0" must not be read as one unparsable entry that admits nobody."""
    return [e.strip("\"' ") for e in (text or "").strip().strip("[]").split(",") if e.strip("\"' ")]


def _whitelist(attr: Any) -> list[str]:
    entries = [e for item in attr.public_white_list or [] for e in _entries(item)]
    for policy in attr.white_list_policies or []:
        entries += _entries(policy.entry)
    return list(dict.fromkeys(entries))


def listed_host(i: Any, region: str) -> BastionHost:
    """The host as DescribeInstances Instances[] lists it."""
    return BastionHost(id=i.instance_id, description=i.description or "", region=region,
                       status=i.instance_status or "", plan=i.plan_code or "",
                       public_access=bool(i.public_network_access), internet_endpoint=i.internet_endpoint or "")


def attribute_needed(i: Any) -> bool:
    """Whether DescribeInstanceAttribute must tell the host's public access: only a listing that answers
    PublicNetworkAccess false settles it (a listing without the switch does not)."""
    return i.public_network_access is not False


def read_attribute(host: BastionHost, attr: Any) -> None:
    """Set the host's public access and whitelist from DescribeInstanceAttribute InstanceAttribute; raises ValueError
    when it does not answer PublicNetworkAccess (unknown is not 'off': ERROR for the host)."""
    if not isinstance(attr.public_network_access, bool):
        raise ValueError("DescribeInstanceAttribute answered no PublicNetworkAccess")
    host.public_access = attr.public_network_access
    host.whitelist = _whitelist(attr)


@collector(INSTANCES, apis=["yundun-bastionhost:DescribeInstances", "yundun-bastionhost:DescribeInstanceAttribute"])
def instances(ctx: CollectContext) -> list[BastionHost]:
    bh = ctx.client("bastionhost")
    listed = list(by_page_number(
        lambda n: bh.describe_instances(bh_models.DescribeInstancesRequest(
            region_id=ctx.region, page_number=n, page_size=PAGE_SIZE)).body,
        lambda b: b.instances or [], PAGE_SIZE))

    def read(i: Any) -> BastionHost:
        host = listed_host(i, ctx.region)
        if not attribute_needed(i):
            return host
        try:
            read_attribute(host, bh.describe_instance_attribute(bh_models.DescribeInstanceAttributeRequest(
                region_id=ctx.region, instance_id=host.id)).body.instance_attribute)
        except Exception as err:
            host.error = apierrors.describe(err)
        return host

    return ctx.map(read, listed)


# DescribeRegions: "Queries the Alibaba Cloud regions that support Bastionhost instances"; body Regions[].RegionId
# (https://www.alibabacloud.com/help/en/bh/api-z658d7; alibabacloud_yundun_bastionhost20191209
# DescribeRegionsResponseBody). No RAM action is documented: yundun-bastionhost:DescribeRegions by convention
@region_list("bastionhost", product="bastionhost", apis=["yundun-bastionhost:DescribeRegions"])
def bastionhost_regions(client: Any) -> list[str]:
    return [r.region_id for r in client.describe_regions(bh_models.DescribeRegionsRequest()).body.regions or []]
