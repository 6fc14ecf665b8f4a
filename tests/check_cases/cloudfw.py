"""Cloud Firewall cases, from the documented samples: DescribeUserBuyVersion (InstanceId vipcloudfw-cn-xxxxx,
Version 2, UserStatus true, LogStatus true), DescribeSlsAnalyzeOpenStatus (OpenStatus "false"),
DescribeBatchSlsDispatchStatus (ItemList internet_log Enable true), DescribeAssetList
(asset i-8vbdrjrxzt78****, InternetAddress 192.0.XX.XX, ResourceType EIP, ProtectStatus open | opening | closed |
closing, RegionStatus enable | disable, Note REGION_NOT_SUPPORT)."""

from __future__ import annotations

from aliaudit.collectors.cloudfw import CloudFirewall, FirewallAsset
from aliaudit.log_volume import LogVolume
from tests.check_cases import Case

FW = "vipcloudfw-cn-xxxxx"
ASSET = "i-8vbdrjrxzt78****"


def asset(aid: str = ASSET, **kw: object) -> FirewallAsset:
    base: dict[str, object] = {"id": aid, "name": "instance01", "internet_address": "192.0.XX.XX",
                               "resource_type": "EIP", "region": "cn-hangzhou", "protect_status": "open",
                               "region_status": "enable"}
    base.update(kw)
    return FirewallAsset(**base)  # type: ignore[arg-type]


def fw(fid: str = FW, **kw: object) -> CloudFirewall:
    base: dict[str, object] = {"instance_id": fid, "region": "cn-hangzhou", "version": 2, "log_status": True,
                               "sls_open_status": "true", "assets": [asset()]}
    base.update(kw)
    return CloudFirewall(**base)  # type: ignore[arg-type]


_L = "cloudfw_log_analysis_enabled"
_A = "cloudfw_internet_assets_protected"
CASES: list[Case] = [
    Case(_L, "OpenStatus true with log delivery passes; the documented OpenStatus \"false\" fails; delivery off fails",
         {"cloudfw.firewalls": [fw(), fw("cfw-off", sls_open_status="false"),
                                fw("cfw-nodelivery", region="ap-southeast-1", log_status=False)]},
         {FW: "PASS", "cfw-off": "FAIL", "cfw-nodelivery": "FAIL"}),
    # the review's defect: each log type has its own delivery switch (ModifySlsDispatchStatus EnableStatus); CIS 2.8
    # asks that Internet traffic logs reach Log Service
    Case(_L, "documented sample: internet_log delivered passes; internet_log or ipv6_firewall_log switched off fails; "
             "a VPC log type off does not count; the switches unread is ERROR; internet_log unreported is on",
         {"cloudfw.firewalls": [
             fw(dispatch={"internet_log": True, "vpc_firewall_log": False}),
             fw("cfw-inet-off", dispatch={"internet_log": False, "vpc_firewall_log": True}),
             fw("cfw-v6-off", dispatch={"internet_log": True, "ipv6_firewall_log": False}),
             fw("cfw-unread", dispatch_error="Throttling.User: slow down"),
             fw("cfw-unreported", dispatch={"nat_firewall_log": True})]},
         {FW: "PASS", "cfw-inet-off": "FAIL", "cfw-v6-off": "FAIL", "cfw-unread": "ERROR", "cfw-unreported": "PASS"}),
    # the review's defect: CIS 2.8 step 4, "Ensure the log volume usage indicator is not exhausted", was not read
    # though DescribeLogStoreInfo answers Quota and Used (sample: 50000000 and 0)
    Case(_L, "log storage with room passes; exhausted (Used at Quota, or no capacity) fails; unreadable or "
             "unanswered is ERROR",
         {"cloudfw.firewalls": [fw(log_volume=LogVolume(quota=50_000_000, used=0)),
                                fw("cfw-full", log_volume=LogVolume(quota=50_000_000, used=50_000_000)),
                                fw("cfw-none", log_volume=LogVolume(quota=0, used=0)),
                                fw("cfw-unread", log_volume=LogVolume(error="NoPermission: denied")),
                                fw("cfw-blank", log_volume=LogVolume())]},
         {FW: "PASS", "cfw-full": "FAIL", "cfw-none": "FAIL", "cfw-unread": "ERROR", "cfw-blank": "ERROR"}),
    Case(_L, "OpenStatus could not be read", {"cloudfw.firewalls": [fw(sls_open_status=None, log_error="Throttling")]},
         {FW: "ERROR"}),
    Case(_L, "an answer without OpenStatus (or a blank one) is unknown, not off",
         {"cloudfw.firewalls": [fw(sls_open_status=None), fw("cfw-blank", sls_open_status=" ")]},
         {FW: "ERROR", "cfw-blank": "ERROR"}),
    Case(_L, "log analysis activated but LogStatus not reported: ERROR, not a FAIL saying delivery is off",
         {"cloudfw.firewalls": [fw(log_status=None)]}, {FW: "ERROR"}),
    Case(_L, "no Cloud Firewall: no result", {"cloudfw.firewalls": []}, {}),
    Case(_L, "a site whose DescribeUserBuyVersion failed is its ERROR; the other site is judged",
         {"cloudfw.firewalls": [fw(), CloudFirewall(instance_id="cloudfw-ap-southeast-1", region="ap-southeast-1",
                                                    site_error="Throttling.User: slow down")]},
         {FW: "PASS", "cloudfw-ap-southeast-1": "ERROR"}),
    Case(_A, "a site whose DescribeUserBuyVersion failed is its ERROR",
         {"cloudfw.firewalls": [CloudFirewall(instance_id="cloudfw-cn-hangzhou", region="cn-hangzhou",
                                              site_error="NoPermission: denied")]},
         {"cloudfw-cn-hangzhou": "ERROR"}),
    Case(_A, "open passes; closed and closing fail; opening and an unsupported region are MANUAL",
         {"cloudfw.firewalls": [fw(assets=[
             asset(), asset("eip-closed", protect_status="closed"), asset("eip-closing", protect_status="closing"),
             asset("eip-opening", protect_status="opening"),
             asset("eip-far", protect_status="closed", region_status="disable", note="REGION_NOT_SUPPORT")])]},
         {ASSET: "PASS", "eip-closed": "FAIL", "eip-closing": "FAIL", "eip-opening": "MANUAL", "eip-far": "MANUAL"}),
    Case(_A, "an asset whose network Cloud Firewall does not support (Note NETWORK_NOT_SUPPORT) is MANUAL, not FAIL",
         {"cloudfw.firewalls": [fw(assets=[asset("eip-net", protect_status="closed", note="NETWORK_NOT_SUPPORT")])]},
         {"eip-net": "MANUAL"}),
    Case(_A, "an asset answered without ProtectStatus is unknown (ERROR), not off",
         {"cloudfw.firewalls": [fw(assets=[asset("eip-blank", protect_status="")])]}, {"eip-blank": "ERROR"}),
    Case(_A, "the asset list failed: ERROR for the firewall",
         {"cloudfw.firewalls": [fw(assets=[], assets_error="ErrorDBSelect: An error occurred")]}, {FW: "ERROR"}),
    Case(_A, "assets beyond the last documented page: ERROR besides the read ones",
         {"cloudfw.firewalls": [fw(assets_unread=3)]}, {FW: "ERROR", ASSET: "PASS"}),
]
