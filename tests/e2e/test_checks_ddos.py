"""Anti-DDoS Proxy check (CIS 2.6: full log of every protected website) through the scan entry point, in both
sites, plus the emulator's write that remediates it."""

from __future__ import annotations

from typing import Any

from alibabacloud_ddoscoo20200101 import models as ddos_models
from alibabacloud_ddoscoo20200101.client import Client as DdosClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

CHECK = "ddos_web_access_log_enabled"


def section() -> dict[str, Any]:
    return {
        "instances": [{"id": "ddoscoo-cn-shop0001", "remark": "shop"},
                      {"id": "ddoscoo-intl-web0001", "region": "ap-southeast-1"}],
        "websites": [{"domain": "shop.example.com", "instance_ids": ["ddoscoo-cn-shop0001"], "log_enabled": True},
                     {"domain": "api.example.com", "instance_ids": ["ddoscoo-cn-shop0001"]},
                     {"domain": "www.example.net", "region": "ap-southeast-1",
                      "instance_ids": ["ddoscoo-intl-web0001"]}],
    }


def account(**extra: Any) -> dict[str, Any]:
    return base_scenario(regions=["cn-hangzhou", "cn-shanghai"], ddoscoo=section(), **extra)


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_web_access_log_per_website_in_both_sites(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["ddos"], regions=["cn-hangzhou", "cn-shanghai"])
    assert by_resource(findings, CHECK) == {
        "shop.example.com": "PASS", "api.example.com": "FAIL", "www.example.net": "FAIL"}
    by_id = {f.resource_id: f for f in findings}
    assert by_id["www.example.net"].region == "ap-southeast-1"  # the site that protects it
    assert "disabled" in by_id["api.example.com"].message
    assert "ddoscoo-project-" in by_id["shop.example.com"].message
    assert by_id["api.example.com"].severity.value == "medium"
    assert len(findings) == 3  # global: collected once, not per scanned region


def test_no_instance_gives_no_finding(cloud):
    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    assert scan(cloud, families=["ddos"]) == []


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["yundun-ddoscoo:DescribeWebAccessLogStatus"]))
    findings = scan(cloud, families=["ddos"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {d: "ERROR" for d in ("shop.example.com", "api.example.com",
                                                                 "www.example.net")}
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["yundun-ddoscoo:DescribeInstances"]))
    findings = scan(cloud, families=["ddos"], ak=READER_AK, secret=READER_SECRET)
    assert [(f.check_id, f.status.value) for f in findings] == [(CHECK, "ERROR")]
    assert "NoPermission" in findings[0].message


def test_websites_of_every_resource_group_are_audited(cloud, admin):
    # without ResourceGroupId the APIs answer the default group only: a website of another group is asked for by its
    # group's id (and never read as absent)
    data = account(resourcemanager={"resource_groups": [{"id": "rg-prod000000001", "name": "prod"}]})
    ddos = data["accounts"][0]["ddoscoo"]
    ddos["instances"].append({"id": "ddoscoo-cn-prod0001", "resource_group_id": "rg-prod000000001"})
    ddos["websites"].append({"domain": "pay.example.com", "instance_ids": ["ddoscoo-cn-prod0001"],
                             "resource_group_id": "rg-prod000000001"})
    load(cloud, data)
    findings = scan(cloud, families=["ddos"])
    assert by_resource(findings, CHECK) == {"shop.example.com": "PASS", "api.example.com": "FAIL",
                                            "www.example.net": "FAIL", "pay.example.com": "FAIL"}
    pay = next(f for f in findings if f.resource_id == "pay.example.com")
    assert pay.details["resource_group"] == "rg-prod000000001"
    assert admin.calls()["resourcemanager:ListResourceGroups"] == 1

    load(cloud, _deny(data, ["resourcemanager:ListResourceGroups"]))
    findings = scan(cloud, families=["ddos"], ak=READER_AK, secret=READER_SECRET)
    assert [(f.check_id, f.status.value) for f in findings] == [(CHECK, "ERROR")]
    assert "NoPermission" in findings[0].message


def test_every_instance_page_is_read(cloud, admin):
    data = account()
    data["accounts"][0]["ddoscoo"]["instances"] += [{"id": f"ddoscoo-cn-bulk{i:03d}"} for i in range(25)]
    load(cloud, data)
    findings = scan(cloud, families=["ddos"])
    assert len(findings) == 3
    calls = admin.calls()
    assert calls["ddoscoo:DescribeInstances"] == 3 + 1  # 26 instances in pages of 10, then the other site's one
    assert calls["ddoscoo:DescribeWebAccessLogStatus"] == 3


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    client = DdosClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                   region_id="cn-hangzhou"))
    client.enable_web_access_log_config(ddos_models.EnableWebAccessLogConfigRequest(domain="api.example.com"))
    findings = scan(cloud, families=["ddos"])
    assert by_resource(findings, CHECK)["api.example.com"] == "PASS"
    events = [e for e in admin.events() if e["eventName"] == "EnableWebAccessLogConfig"]
    assert [e["referencedResources"] for e in events] == [{"ACS::DDoSCoo::Domain": ["api.example.com"]}]


def test_websites_only_idle_instances_forward_are_manual(cloud, admin):
    # DescribeInstances Status 2 (expired) or Enabled 0 (service traffic forwarding stopped): a website that only
    # such instances forward is MANUAL naming them, its log status not read; one an instance in service also
    # forwards is judged
    data = account()
    ddos = data["accounts"][0]["ddoscoo"]
    ddos["instances"] += [{"id": "ddoscoo-cn-old00001", "status": 2}, {"id": "ddoscoo-cn-paused01", "enabled": 0}]
    ddos["websites"] += [
        {"domain": "old.example.com", "instance_ids": ["ddoscoo-cn-old00001"]},
        {"domain": "paused.example.com", "instance_ids": ["ddoscoo-cn-paused01"], "log_enabled": True},
        {"domain": "both.example.com", "instance_ids": ["ddoscoo-cn-old00001", "ddoscoo-cn-shop0001"]}]
    # the other site: its only instance expired
    ddos["instances"][1]["status"] = 2
    load(cloud, data)
    findings = scan(cloud, families=["ddos"])
    assert by_resource(findings, CHECK) == {
        "shop.example.com": "PASS", "api.example.com": "FAIL", "both.example.com": "FAIL",
        "old.example.com": "MANUAL", "paused.example.com": "MANUAL", "www.example.net": "MANUAL"}
    by_id = {f.resource_id: f.message for f in findings}
    assert "ddoscoo-cn-old00001 expired (Status 2)" in by_id["old.example.com"]
    assert "ddoscoo-cn-paused01 service traffic forwarding stopped (Enabled 0)" in by_id["paused.example.com"]
    assert "ddoscoo-intl-web0001 expired" in by_id["www.example.net"]
    calls = admin.calls()
    assert calls["ddoscoo:DescribeWebAccessLogStatus"] == 3  # shop, api and both only
    assert calls["ddoscoo:DescribeDomains"] == 2 + 1  # each site's list, and the serving instances' in cn-hangzhou


def test_exhausted_full_log_storage_fails(cloud, admin):
    """CIS 2.6 step 4: the full log's storage (DescribeSlsLogstoreInfo, per site and resource group) must have room;
    asked only where some website's full log is on."""
    data = account()
    data["accounts"][0]["ddoscoo"]["log_stores"] = [{"quota": 1 << 40, "used": 1 << 40}]
    load(cloud, data)
    findings = scan(cloud, checks=[CHECK])
    assert by_resource(findings, CHECK) == {
        "shop.example.com": "FAIL", "api.example.com": "FAIL", "www.example.net": "FAIL"}
    shop = next(f for f in findings if f.resource_id == "shop.example.com")
    assert shop.message == ("full log is enabled, but the log storage is exhausted (1.0 TiB used of 1.0 TiB): new "
                            "logs are not kept")
    assert admin.calls()["ddoscoo:DescribeSlsLogstoreInfo"] == 1  # the mainland's default group only
    load(cloud, account())
    shop = next(f for f in scan(cloud, checks=[CHECK]) if f.resource_id == "shop.example.com")
    assert shop.status.value == "PASS" and shop.message.endswith("; log storage 0.0% used (0 bytes of 3.0 TiB)")
