"""Cloud Firewall checks: log analysis (CIS 2.8) and the protection of Internet border assets. An account without
Cloud Firewall (DescribeUserBuyVersion UserStatus not true in either site) gets no finding from either check:
CIS 2.8 audits the Log Analysis switch of a Cloud Firewall, and whether to buy one is a decision this audit does
not make (security groups are audited by the ecs family)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import log_volume
from ..collectors.cloudfw import FIREWALLS, CloudFirewall, FirewallAsset
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
# DescribeAssetList Note: "REGION_NOT_SUPPORT: The region is not supported. NETWORK_NOT_SUPPORT: The network is not
# supported." (API reference): such an asset cannot be protected, so its closed firewall is not a FAIL to remediate
UNSUPPORTED_NOTES = {"REGION_NOT_SUPPORT", "NETWORK_NOT_SUPPORT"}


def _fw_result(fw: CloudFirewall, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=fw.instance_id, resource_type="cloudfw:instance",
                  resource_name=fw.instance_id, region=fw.region, message=message,
                  details={"version": str(fw.version or ""), "log_status": str(fw.log_status),
                           "open_status": fw.sls_open_status or ""})


def _site_unread(fw: CloudFirewall) -> Result:
    return Result(status=ERROR, resource_id=fw.instance_id, resource_type="cloudfw:site", region=fw.region,
                  message=f"could not learn whether the {fw.region} site has a Cloud Firewall (DescribeUserBuyVersion):"
                          f" {fw.site_error}")


def _asset_result(fw: CloudFirewall, a: FirewallAsset, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=a.id, resource_type="cloudfw:asset",
                  resource_name=f"{a.name} ({a.internet_address})" if a.name else a.internet_address,
                  region=a.region or fw.region, message=message,
                  details={"firewall": fw.instance_id, "resource_type": a.resource_type,
                           "internet_address": a.internet_address, "protect_status": a.protect_status})


# the log types of Internet traffic (CIS 2.8: "Log Service collects log entries of internet traffic"): internet_log,
# and ipv6_firewall_log where it is answered (ModifySlsDispatchStatus DispatchValue, zh_cn reference)
INTERNET_LOGS = ("internet_log", "ipv6_firewall_log")


def _delivered(fw: CloudFirewall) -> Result:
    """Log analysis on and delivery enabled: each Internet traffic log type's own delivery switch decides."""
    if fw.dispatch_error:
        return _fw_result(fw, ERROR, "log analysis is activated, but whether Internet traffic logs are delivered "
                                     f"could not be read (DescribeBatchSlsDispatchStatus): {fw.dispatch_error}")
    dispatch = fw.dispatch or {}
    off = [t for t in INTERNET_LOGS if dispatch.get(t) is False]
    if off:
        return _fw_result(fw, FAIL, f"log analysis is activated, but delivery of {', '.join(off)} to Log Service is "
                                    "switched off")
    volume = log_volume.problem(fw.log_volume)
    if volume is not None:
        return _fw_result(fw, volume[0], f"log analysis is activated, but {volume[1]}")
    if "internet_log" not in dispatch:  # (the FAQ: every type's delivery switch is on by default)
        return _fw_result(fw, PASS, "log analysis is activated and log delivery is enabled (internet_log's own "
                                    f"switch not reported: on by default){log_volume.usage(fw.log_volume)}")
    return _fw_result(fw, PASS, "log analysis is activated and Internet traffic logs are delivered"
                                f"{log_volume.usage(fw.log_volume)}")


@check(id="cloudfw_log_analysis_enabled", severity="medium",
       title="Ensure Cloud Firewall access and security log analysis is enabled",
       risk="Without log analysis, Internet and cross-VPC traffic through the firewall is not kept in Log Service, so "
            "intrusions and exfiltration cannot be investigated or alerted on.",
       console="Cloud Firewall console > Log Analysis (Log Audit): activate it and turn on the Status switch.",
       cli="aliyun cloudfw DescribeSlsAnalyzeOpenStatus (read); aliyun cloudfw ModifySlsDispatchStatus "
           "--DispatchValue internet_log --EnableStatus true; log delivery is switched on in the console",
       events=["CreateSlsLogDispatch", "ModifySlsDispatchStatus"],
       needs=[FIREWALLS], cis=["2.8"],
       cis_audit="Logon to Cloud Firewall Console. In the left-side navigation pane, select Advanced Features > Log "
                 "Analysis. Ensure the Status switch on the right side is enabled. Ensure the log volume usage "
                 "indicator is not exhausted.",
       evaluates="Per Cloud Firewall site (cn-hangzhou, ap-southeast-1) where DescribeUserBuyVersion UserStatus is "
                 "true: PASS when DescribeSlsAnalyzeOpenStatus OpenStatus is \"true\", DescribeUserBuyVersion "
                 "LogStatus (log delivery) is true and no Internet traffic log type (internet_log, "
                 "ipv6_firewall_log) has its delivery switched off (DescribeBatchSlsDispatchStatus Enable; a type "
                 "not reported is on, the documented default) and the log storage is not exhausted "
                 "(DescribeLogStoreInfo: Used below Quota); FAIL when any of these is off or the storage is "
                 "exhausted; ERROR when OpenStatus, the storage use "
                 "or the delivery switches could not be read or OpenStatus was not answered, or when it is \"true\" "
                 "and LogStatus is not reported, and for a site where DescribeUserBuyVersion failed. No Cloud "
                 "Firewall gives no result.",
       source="CIS 2.8 | https://www.alibabacloud.com/help/doc-detail/113184.htm")
def log_analysis_enabled(inp: Inputs) -> Iterator[Result]:
    for fw in inp[FIREWALLS]:
        if fw.site_error:
            yield _site_unread(fw)
            continue
        if fw.log_error:
            yield _fw_result(fw, ERROR, f"could not read the log analysis status: {fw.log_error}")
            continue
        status = (fw.sls_open_status or "").strip()
        if not status:
            yield _fw_result(fw, ERROR, "DescribeSlsAnalyzeOpenStatus answered no OpenStatus: whether log analysis "
                                        "is on is unknown")
            continue
        analysis = status.lower() == "true"
        if analysis and fw.log_status:
            yield _delivered(fw)
        elif analysis and fw.log_status is None:
            yield _fw_result(fw, ERROR, "log analysis is activated, but DescribeUserBuyVersion did not report "
                                        "whether log delivery (LogStatus) is on")
        elif analysis:
            yield _fw_result(fw, FAIL, "log analysis is activated but log delivery (LogStatus) is off")
        else:
            yield _fw_result(fw, FAIL, f"log analysis is not enabled (OpenStatus {fw.sls_open_status})")


@check(id="cloudfw_internet_assets_protected", severity="high",
       title="Cloud Firewall protects every Internet border asset",
       risk="A public IP whose Internet border firewall is off reaches the Internet without Cloud Firewall's access "
            "control, intrusion prevention and traffic logs.",
       console="Cloud Firewall console > Firewall Settings > Internet Border: enable protection for the asset.",
       cli="aliyun cloudfw PutEnableFwSwitch --IpaddrList.1 <public ip>",
       events=["PutEnableFwSwitch", "PutDisableFwSwitch", "PutEnableAllFwSwitch", "PutDisableAllFwSwitch"],
       needs=[FIREWALLS],
       evaluates="DescribeAssetList (IPv4 and IPv6) of each Cloud Firewall site where DescribeUserBuyVersion "
                 "UserStatus is true: PASS when an asset's ProtectStatus is open; FAIL when closed, closing or another "
                 "value; ERROR for an asset answered without ProtectStatus; MANUAL "
                 "when opening (not yet protected), when RegionStatus is disable or Note is REGION_NOT_SUPPORT or "
                 "NETWORK_NOT_SUPPORT (Cloud Firewall does not support the asset's region or network); ERROR for the "
                 "site when DescribeUserBuyVersion or DescribeAssetList failed, or when assets were not read: a "
                 "listing holds at most 50 pages of 50 (documented), so a larger one is read per documented "
                 "ResourceType, and what those listings do not hold is ERROR. No Cloud Firewall gives no result.",
       source="Cloud Config firewall-asset-open-protect | "
              "https://www.alibabacloud.com/help/en/cloud-firewall/latest/api-cloudfw-2017-12-07-describeassetlist")
def internet_assets_protected(inp: Inputs) -> Iterator[Result]:
    for fw in inp[FIREWALLS]:
        if fw.site_error:
            yield _site_unread(fw)
            continue
        if fw.assets_error:
            yield _fw_result(fw, ERROR, f"could not list the firewall's assets: {fw.assets_error}")
            continue
        if fw.assets_unread:
            yield _fw_result(fw, ERROR, f"{fw.assets_unread} assets were not evaluated: DescribeAssetList lists at "
                                        "most 50 pages of 50, per documented asset type (ResourceType) too")
        for a in fw.assets:
            if a.region_status == "disable" or a.note in UNSUPPORTED_NOTES:
                yield _asset_result(fw, a, MANUAL, f"Cloud Firewall does not support the asset's region or network "
                                                   f"({a.note or a.region}): protect {a.internet_address} otherwise")
            elif a.protect_status == "open":
                yield _asset_result(fw, a, PASS, f"the Internet border firewall protects {a.internet_address}")
            elif a.protect_status == "opening":
                yield _asset_result(fw, a, MANUAL, f"protection of {a.internet_address} is being enabled")
            elif not a.protect_status:  # (documented: open | opening | closed | closing)
                yield _asset_result(fw, a, ERROR, f"DescribeAssetList answered no ProtectStatus for "
                                                  f"{a.internet_address}: whether the firewall protects it is unknown")
            else:
                yield _asset_result(fw, a, FAIL, f"the Internet border firewall is {a.protect_status} for "
                                                 f"{a.internet_address} ({a.resource_type})")
