"""Cloud Firewall (cloudfw 2017-12-07) datasets (global): the Cloud Firewall of each site where the account has one,
with its log analysis state (CIS 2.8: activation, log delivery, each log type's delivery switch and the log storage's
use) and its Internet border assets with their protection status.

Endpoints: Cloud Firewall answers in two sites, cloudfw.cn-hangzhou.aliyuncs.com (Chinese mainland) and
cloudfw.ap-southeast-1.aliyuncs.com (outside it): the SDK's endpoint map (alibabacloud_cloudfw20171207
Client._endpoint_map, rule `central`) names only those. The dataset reads both once per scan; a site where
DescribeUserBuyVersion does not report a valid Cloud Firewall (UserStatus not true) is skipped; a site where it fails
is kept as a record with `site_error` (the checks' ERROR for that site), the other site still read."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import Field

from .. import apierrors, log_volume
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..log_volume import LogVolume
from .paging import count
from .registry import CollectContext, collector

cfw_models = lazy_import("alibabacloud_cloudfw20171207.models")

CENTRES = ("cn-hangzhou", "ap-southeast-1")  # the SDK's endpoint map (module doc)
# DescribeAssetList: PageSize "Valid values: 1 to 50", CurrentPage "Valid values: 1 to 50" (API reference), so one
# listing holds at most 2,500 assets. A larger one is read type by type (ResourceType, the documented values below),
# each up to 2,500; what those listings do not hold is reported as unread (`assets_unread`), never as none
PAGE_SIZE = 50
MAX_PAGES = 50
LISTING_LIMIT = PAGE_SIZE * MAX_PAGES
RESOURCE_TYPES = ("BastionHostEgressIP", "BastionHostIngressIP", "EcsEIP", "EcsPublicIP", "EIP", "EniEIP", "NatEIP",
                  "SlbEIP", "SlbPublicIP", "NatPublicIP", "HAVIP")  # DescribeAssetList ResourceType: "Valid values"
# DescribeUserBuyVersion Version 10: pay-as-you-go, whose logs Simple Log Service bills ("Pay-as-you-go - Fees for
# the log analysis feature appear in your Simple Log Service bills", Cloud Firewall log analysis overview); its
# LogStorage, "the purchased log storage capacity", "applies to subscription users only" (OpenMeta zh_cn cloudfw
# 2017-12-07)
PAY_AS_YOU_GO = 10
IP_VERSIONS = ("4", "6")  # DescribeAssetList IpVersion: 4 (the default) and 6


class FirewallAsset(Record):
    id: str  # ResourceInstanceId (the EIP, ECS, SLB... id), else the public address
    name: str = ""
    internet_address: str = ""
    resource_type: str = ""  # EIP | EcsEIP | EcsPublicIP | SlbPublicIP | NatEIP | ... (documented enum)
    region: str = ""  # RegionID: where the asset is
    protect_status: str = ""  # open | opening | closed | closing
    region_status: str = ""  # enable | disable: whether Cloud Firewall supports the asset's region
    note: str = ""  # REGION_NOT_SUPPORT | NETWORK_NOT_SUPPORT


class CloudFirewall(Record):
    instance_id: str
    region: str  # the site: cn-hangzhou | ap-southeast-1
    version: int | None = None  # 2 Premium, 3 Enterprise, 4 Ultimate, 10 pay-as-you-go
    log_status: bool | None = None  # DescribeUserBuyVersion LogStatus: log delivery enabled
    sls_open_status: str | None = None  # DescribeSlsAnalyzeOpenStatus OpenStatus: "true" | "false"
    log_error: str | None = None  # DescribeSlsAnalyzeOpenStatus failed
    # DescribeBatchSlsDispatchStatus ItemList[]: log type (DispatchValue: internet_log, vpc_firewall_log,
    # nat_firewall_log, ipv6_firewall_log, dns_firewall_log) -> delivered to Log Service (Enable); read where log
    # analysis is on. None: not read
    dispatch: dict[str, bool | None] | None = None
    dispatch_error: str | None = None  # DescribeBatchSlsDispatchStatus failed
    log_volume: LogVolume | None = None  # DescribeLogStoreInfo, where log analysis is on (CIS 2.8 step 4)
    assets: list[FirewallAsset] = Field(default_factory=list)
    assets_unread: int = 0  # assets beyond the documented paging limit
    assets_error: str | None = None  # DescribeAssetList failed
    # DescribeUserBuyVersion failed: this record stands for the site, whose Cloud Firewall (if any) is unknown
    site_error: str | None = None


FIREWALLS: Dataset[list[CloudFirewall]] = Dataset("cloudfw.firewalls", Scope.GLOBAL)


@collector(FIREWALLS, apis=["yundun-cloudfirewall:DescribeUserBuyVersion",
                            "yundun-cloudfirewall:DescribeSlsAnalyzeOpenStatus",
                            "yundun-cloudfirewall:DescribeBatchSlsDispatchStatus",
                            "yundun-cloudfirewall:DescribeLogStoreInfo",
                            "yundun-cloudfirewall:DescribeAssetList"])
def firewalls(ctx: CollectContext) -> list[CloudFirewall]:
    found: list[CloudFirewall] = []
    for centre in CENTRES:
        client = ctx.factory.pop("cloudfw", centre)
        try:
            buy = client.describe_user_buy_version(cfw_models.DescribeUserBuyVersionRequest()).body
        except Exception as err:  # this site's ERROR; the other site is still judged
            found.append(CloudFirewall(instance_id=f"cloudfw-{centre}", region=centre,
                                       site_error=apierrors.describe(err)))
            continue
        # UserStatus: "Indicates whether Cloud Firewall is valid" (true | false). The reference does not document
        # the answer of an account that never bought it: anything but true counts as no Cloud Firewall here
        if buy.user_status is not True:
            continue
        fw = CloudFirewall(instance_id=buy.instance_id or f"cloudfw-{centre}", region=centre, version=buy.version,
                           log_status=buy.log_status)
        try:
            fw.sls_open_status = client.describe_sls_analyze_open_status(
                cfw_models.DescribeSlsAnalyzeOpenStatusRequest()).body.open_status
        except Exception as err:
            fw.log_error = apierrors.describe(err)
        if (fw.sls_open_status or "").strip().lower() == "true":
            try:
                items = client.describe_batch_sls_dispatch_status(
                    cfw_models.DescribeBatchSlsDispatchStatusRequest(lang="en")).body.item_list or []
                fw.dispatch = {i.dispatch_value: i.enable for i in items if i.dispatch_value}
            except Exception as err:
                fw.dispatch_error = apierrors.describe(err)
            if fw.version != PAY_AS_YOU_GO:  # (no purchased capacity to exhaust: SLS bills the logs)
                fw.log_volume = log_volume.ask(partial(_log_store, client))
        try:
            for ip_version in IP_VERSIONS:
                _read_assets(client, fw, ip_version)
        except Exception as err:
            fw.assets_error = apierrors.describe(err)
        found.append(fw)
    return found


def _log_store(client: Any) -> LogVolume:
    return log_store_volume(client.describe_log_store_info().body)  # (DescribeLogStoreInfo takes no parameter)


def log_store_volume(body: Any) -> LogVolume:
    """DescribeLogStoreInfo's answer, as alibabacloud_cloudfw20171207 9.4 documents it: Quota "The available
    log storage capacity", TotalQuota "The total purchased log storage capacity", Used "The used storage capacity"
    (bytes), LogVersion "2: indicates two Logstores" with InfoList[] each one's Quota ("The storage capacity
    threshold") and Used. The purchased total is the capacity where answered (an answer without it, as the API
    reference's sample, reads Quota as the capacity); nothing available left, or any logstore at its threshold, is
    exhausted."""
    whole, total = log_volume.read(body), log_volume.of(body.total_quota, body.used)
    if total.quota is not None:  # (Quota then is what is left: none left is full)
        whole = total if whole.quota is None or whole.quota > 0 else LogVolume(quota=total.quota, used=total.quota)
    return log_volume.worst([whole, *(log_volume.read(e) for e in body.info_list or [])])


def _read_assets(client: Any, fw: CloudFirewall, ip_version: str) -> None:
    """Every asset of one IP version: one listing, or one per asset type when it holds more than its last page."""
    assets, seen, total = _listing(client, ip_version, None)
    if total > LISTING_LIMIT:
        listings = [_listing(client, ip_version, resource_type) for resource_type in RESOURCE_TYPES]
        assets = [a for mine, _, _ in listings for a in mine]
        seen = sum(n for _, n, _ in listings)
    fw.assets += assets
    fw.assets_unread += max(0, total - seen)


def _listing(client: Any, ip_version: str, resource_type: str | None) -> tuple[list[FirewallAsset], int, int]:
    """The assets of one listing up to its documented last page (CurrentPage 50), how many it answered, and its
    TotalCount."""
    found: list[FirewallAsset] = []
    seen = total = 0
    for number in range(1, MAX_PAGES + 1):
        body = client.describe_asset_list(cfw_models.DescribeAssetListRequest(
            current_page=str(number), page_size=str(PAGE_SIZE), ip_version=ip_version, resource_type=resource_type,
            lang="en")).body
        batch = body.assets or []
        for a in batch:
            if a.ip_version is not None and str(a.ip_version) != ip_version:
                continue  # the IpVersion filter already applies; an asset of the other version is read by its call
            found.append(FirewallAsset(
                id=a.resource_instance_id or a.bind_instance_id or a.internet_address or "",
                name=a.name or a.bind_instance_name or "", internet_address=a.internet_address or "",
                resource_type=a.resource_type or "", region=a.region_id or "",
                protect_status=a.protect_status or "", region_status=a.region_status or "", note=a.note or ""))
        seen += len(batch)
        total = count(body.total_count)
        if seen >= total or not batch:  # (an empty page short of the total: the rest is unread)
            break
    return found, seen, total
