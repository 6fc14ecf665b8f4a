"""Cloud Firewall checks (CIS 2.8 log analysis; Internet border assets protected) through the scan entry point, plus
the emulator's write that remediates an unprotected asset."""

from __future__ import annotations

from typing import Any

from alibabacloud_cloudfw20171207 import models as cfw_models
from alibabacloud_cloudfw20171207.client import Client as CfwClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

LOG = "cloudfw_log_analysis_enabled"
ASSETS = "cloudfw_internet_assets_protected"


def section() -> dict[str, Any]:
    return {"firewalls": [
        {"instance_id": "vipcloudfw-cn-prod01", "log_analysis": True, "log_status": True, "assets": [
            {"id": "eip-bp1web01", "name": "web-eip", "internet_address": "47.96.10.21", "protect_status": "open"},
            {"id": "i-bp1dev001", "name": "dev-box", "internet_address": "47.96.10.7",
             "resource_type": "EcsPublicIP"},
            {"id": "eip-bp1v6", "internet_address": "2408:4000::1", "ip_version": 6, "protect_status": "opening"},
        ]},
        {"instance_id": "vipcloudfw-intl-01", "region": "ap-southeast-1", "log_analysis": True, "assets": [
            {"id": "eip-gs5sg01", "internet_address": "8.219.1.2", "region": "ap-southeast-1",
             "protect_status": "open"}]},
    ]}


def account() -> dict[str, Any]:
    return base_scenario(regions=["cn-hangzhou"], cloudfw=section())


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_log_analysis_and_assets_in_both_sites(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["cloudfw"])
    assert by_resource(findings, LOG) == {"vipcloudfw-cn-prod01": "PASS", "vipcloudfw-intl-01": "FAIL"}
    assert by_resource(findings, ASSETS) == {
        "eip-bp1web01": "PASS", "i-bp1dev001": "FAIL", "eip-bp1v6": "MANUAL", "eip-gs5sg01": "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert "log delivery (LogStatus) is off" in by_key[(LOG, "vipcloudfw-intl-01")].message
    assert by_key[(LOG, "vipcloudfw-intl-01")].region == "ap-southeast-1"
    dev = by_key[(ASSETS, "i-bp1dev001")]
    assert "closed" in dev.message and "47.96.10.7" in dev.message and dev.severity.value == "high"


def test_no_cloud_firewall_gives_no_finding(cloud):
    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    assert scan(cloud, families=["cloudfw"]) == []


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["yundun-cloudfirewall:DescribeAssetList",
                                  "yundun-cloudfirewall:DescribeSlsAnalyzeOpenStatus"]))
    findings = scan(cloud, families=["cloudfw"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, LOG) == {"vipcloudfw-cn-prod01": "ERROR", "vipcloudfw-intl-01": "ERROR"}
    assert by_resource(findings, ASSETS) == {"vipcloudfw-cn-prod01": "ERROR", "vipcloudfw-intl-01": "ERROR"}
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["yundun-cloudfirewall:DescribeUserBuyVersion"]))
    findings = scan(cloud, families=["cloudfw"], ak=READER_AK, secret=READER_SECRET)
    sites = {"cloudfw-cn-hangzhou": "ERROR", "cloudfw-ap-southeast-1": "ERROR"}
    assert by_resource(findings, LOG) == by_resource(findings, ASSETS) == sites
    assert all("DescribeUserBuyVersion" in f.message and "NoPermission" in f.message for f in findings)


def test_a_site_down_is_its_error_and_the_other_site_is_judged(cloud, admin):
    load(cloud, account())
    admin.faults(regions_down=["ap-southeast-1"])
    findings = scan(cloud, families=["cloudfw"])
    assert by_resource(findings, LOG) == {"vipcloudfw-cn-prod01": "PASS", "cloudfw-ap-southeast-1": "ERROR"}
    assert by_resource(findings, ASSETS) == {"eip-bp1web01": "PASS", "i-bp1dev001": "FAIL", "eip-bp1v6": "MANUAL",
                                             "cloudfw-ap-southeast-1": "ERROR"}
    down = [f for f in findings if f.resource_id == "cloudfw-ap-southeast-1"]
    assert all(f.region == "ap-southeast-1" and "ServiceUnavailable" in f.message for f in down)


def test_every_asset_page_is_read(cloud, admin):
    data = account()
    data["accounts"][0]["cloudfw"]["firewalls"][0]["assets"] += [
        {"id": f"eip-bulk{i:03d}", "internet_address": f"47.97.{i // 200}.{i % 200}"} for i in range(120)]
    load(cloud, data)
    findings = scan(cloud, checks=[ASSETS])
    assert len(by_resource(findings, ASSETS)) == 4 + 120
    # 122 IPv4 assets in pages of 50, one IPv6 page, then the other site's IPv4 and IPv6 pages
    assert admin.calls()["cloudfw:DescribeAssetList"] == 3 + 1 + 2


def test_more_assets_than_a_listing_holds_are_read_type_by_type(cloud, admin):
    # DescribeAssetList pages are "1 to 50" of "1 to 50": past 2,500 assets each documented ResourceType is listed on
    # its own; what no typed listing holds (here an undocumented type) is ERROR, never taken as none
    data = account()
    data["accounts"][0]["cloudfw"]["firewalls"][0]["assets"] += [
        {"id": f"eip-bulk{i:04d}", "internet_address": f"47.97.{i // 200}.{i % 200}", "protect_status": "open"}
        for i in range(2480)] + [
        {"id": f"i-bulk{i:02d}", "internet_address": f"47.98.0.{i}", "resource_type": "EcsPublicIP"}
        for i in range(40)] + [
        {"id": f"odd-{i}", "internet_address": f"47.99.0.{i}", "resource_type": "FutureIP"} for i in range(3)]
    load(cloud, data)
    findings = scan(cloud, checks=[ASSETS])
    verdicts = by_resource(findings, ASSETS)
    # the section's four assets, the 2,520 of documented types and the firewall's ERROR
    assert len(verdicts) == 4 + 2480 + 40 + 1
    assert verdicts["i-bulk39"] == "FAIL" and verdicts["eip-bulk2479"] == "PASS"
    assert verdicts["vipcloudfw-cn-prod01"] == "ERROR" and not any(k.startswith("odd-") for k in verdicts)
    (unread,) = [f for f in findings if f.resource_id == "vipcloudfw-cn-prod01"]
    assert unread.message.startswith("3 assets were not evaluated")


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    client = CfwClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                  region_id="cn-hangzhou"))
    client.put_enable_fw_switch(cfw_models.PutEnableFwSwitchRequest(ipaddr_list=["47.96.10.7"]))
    assert by_resource(scan(cloud, families=["cloudfw"]), ASSETS)["i-bp1dev001"] == "PASS"
    events = [e for e in admin.events() if e["eventName"] == "PutEnableFwSwitch"]
    assert [e["referencedResources"] for e in events] == [{"ACS::CloudFirewall::Asset": ["47.96.10.7"]}]


def test_internet_log_delivery_switched_off_fails_and_is_switched_on_again(cloud, admin):
    """Each log type's delivery to Log Service has its own switch (DescribeBatchSlsDispatchStatus /
    ModifySlsDispatchStatus): internet_log off fails CIS 2.8 even with log analysis on and LogStatus true."""
    data = account()
    data["accounts"][0]["cloudfw"]["firewalls"][0]["dispatch"] = {"internet_log": False, "vpc_firewall_log": False}
    load(cloud, data)
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG])}
    assert got["vipcloudfw-cn-prod01"].status.value == "FAIL"
    assert got["vipcloudfw-cn-prod01"].message == ("log analysis is activated, but delivery of internet_log to Log "
                                                  "Service is switched off")
    client = CfwClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                  region_id="cn-hangzhou"))
    client.modify_sls_dispatch_status(cfw_models.ModifySlsDispatchStatusRequest(
        dispatch_value="internet_log", enable_status=True))
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG])}
    assert got["vipcloudfw-cn-prod01"].status.value == "PASS"  # (the VPC border log is not Internet traffic)
    items = client.describe_batch_sls_dispatch_status(cfw_models.DescribeBatchSlsDispatchStatusRequest()).body
    assert {i.dispatch_value: i.enable for i in items.item_list}["vpc_firewall_log"] is False
    assert [e["eventName"] for e in admin.events() if e["serviceName"] not in ("Ram", "Sts")] == [
        "ModifySlsDispatchStatus"]

    load(cloud, _deny(data, ["yundun-cloudfirewall:DescribeBatchSlsDispatchStatus"]))
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG], ak=READER_AK, secret=READER_SECRET)}
    assert got["vipcloudfw-cn-prod01"].status.value == "ERROR" and "NoPermission" in got["vipcloudfw-cn-prod01"].message


def test_exhausted_log_storage_fails(cloud):
    """CIS 2.8 step 4: "Ensure the log volume usage indicator is not exhausted" (DescribeLogStoreInfo Quota, Used)."""
    data = account()
    data["accounts"][0]["cloudfw"]["firewalls"][0].update(log_quota=3 << 40, log_used=3 << 40)
    load(cloud, data)
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG])}
    assert got["vipcloudfw-cn-prod01"].status.value == "FAIL"
    assert got["vipcloudfw-cn-prod01"].message == ("log analysis is activated, but the log storage is exhausted "
                                                  "(3.0 TiB used of 3.0 TiB): new logs are not kept")
    data["accounts"][0]["cloudfw"]["firewalls"][0].update(log_used=1 << 40)
    load(cloud, data)
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG])}
    assert got["vipcloudfw-cn-prod01"].status.value == "PASS"
    assert got["vipcloudfw-cn-prod01"].message.endswith("; log storage 33.3% used (1.0 TiB of 3.0 TiB)")
    # pay-as-you-go (Version 10): Simple Log Service bills the logs, no purchased capacity is asked or judged
    data["accounts"][0]["cloudfw"]["firewalls"][0].update(version=10, log_quota=0, log_used=3 << 40)
    load(cloud, data)
    got = {f.resource_id: f for f in scan(cloud, checks=[LOG])}
    assert got["vipcloudfw-cn-prod01"].status.value == "PASS" and "log storage" not in got[
        "vipcloudfw-cn-prod01"].message
