"""WAF 3.0 check (CIS 2.7: log collection of every protected object) through the scan entry point, in both sites,
plus the emulator's write that remediates it."""

from __future__ import annotations

from typing import Any

from alibabacloud_waf_openapi20211001 import models as waf_models
from alibabacloud_waf_openapi20211001.client import Client as WafClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

CHECK = "waf_protected_resource_logging_enabled"


def section() -> dict[str, Any]:
    return {"instances": [
        {"id": "waf_v2_public_cn-shop01", "resources": [
            {"resource": "alb-shop01", "product": "alb", "log_enabled": True},
            {"resource": "shop.example.com-waf", "product": "waf"},
        ]},
        {"id": "waf_v3prepaid_public_intl-01", "region": "ap-southeast-1", "resources": [
            {"resource": "www.example.net-waf", "product": "waf", "log_enabled": True}]},
    ]}


def account(**sections: Any) -> dict[str, Any]:
    return base_scenario(regions=["cn-hangzhou"], waf=section(), **sections)


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_logging_per_protected_object_in_both_sites(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["waf"])
    assert by_resource(findings, CHECK) == {
        "alb-shop01": "PASS", "shop.example.com-waf": "FAIL", "www.example.net-waf": "PASS"}
    by_id = {f.resource_id: f for f in findings}
    assert by_id["www.example.net-waf"].region == "ap-southeast-1"
    assert "disabled" in by_id["shop.example.com-waf"].message
    assert by_id["shop.example.com-waf"].details["instance_id"] == "waf_v2_public_cn-shop01"


def test_no_instance_gives_no_finding(cloud):
    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    assert scan(cloud, families=["waf"]) == []


def test_a_site_down_is_its_error_and_the_other_site_is_judged(cloud, admin):
    load(cloud, account())
    admin.faults(regions_down=["cn-hangzhou"])
    findings = scan(cloud, families=["waf"])
    assert by_resource(findings, CHECK) == {"www.example.net-waf": "PASS", "waf-cn-hangzhou": "ERROR"}
    (down,) = [f for f in findings if f.status.value == "ERROR"]
    assert down.region == "cn-hangzhou" and "ServiceUnavailable" in down.message and "site" in down.message


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["yundun-waf:DescribeResourceLogStatus"]))
    findings = scan(cloud, families=["waf"], ak=READER_AK, secret=READER_SECRET)
    assert set(by_resource(findings, CHECK).values()) == {"ERROR"} and len(findings) == 3
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["yundun-waf:DescribeDefenseResources"]))
    findings = scan(cloud, families=["waf"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {"waf-cn-hangzhou": "ERROR", "waf-ap-southeast-1": "ERROR"}


def test_every_page_of_protected_objects_is_read(cloud, admin):
    data = account()
    data["accounts"][0]["waf"]["instances"][0]["resources"] += [
        {"resource": f"ecs-bulk{i:03d}", "product": "ecs"} for i in range(23)]
    load(cloud, data)
    findings = scan(cloud, families=["waf"])
    assert len(findings) == 3 + 23
    calls = admin.calls()
    # 25 objects in pages of 10, without a group and with the default group's id, and the other site's two
    assert calls["waf:DescribeDefenseResources"] == 2 * 3 + 2
    assert calls["waf:DescribeResourceLogStatus"] == 3 + 1  # one per page of a group's objects


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    client = WafClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                  region_id="cn-hangzhou"))
    client.modify_resource_log_status(waf_models.ModifyResourceLogStatusRequest(
        instance_id="waf_v2_public_cn-shop01", region_id="cn-hangzhou", resource="shop.example.com-waf", status=True))
    assert by_resource(scan(cloud, families=["waf"]), CHECK)["shop.example.com-waf"] == "PASS"
    events = [e for e in admin.events() if e["eventName"] == "ModifyResourceLogStatus"]
    assert len(events) == 1 and "shop.example.com-waf" in str(events[0]["referencedResources"])


def test_an_instance_not_in_service_is_one_manual_for_its_site(cloud, admin):
    # DescribeInstance Status 2 (Expired) / 3 (Released): one MANUAL for the instance, its objects not read; the
    # other site is judged as before
    for status, state in ((2, "expired"), (3, "released")):
        data = account()
        data["accounts"][0]["waf"]["instances"][0]["status"] = status
        load(cloud, data)
        findings = scan(cloud, families=["waf"])
        assert by_resource(findings, CHECK) == {"waf_v2_public_cn-shop01": "MANUAL", "www.example.net-waf": "PASS"}
        (idle,) = [f for f in findings if f.status.value == "MANUAL"]
        assert idle.region == "cn-hangzhou" and state in idle.message and f"Status {status}" in idle.message
        calls = admin.calls()
        # (the other site's objects: without a group and with the default group's id)
        assert calls["waf:DescribeDefenseResources"] == 2 and calls["waf:DescribeResourceLogStatus"] == 1


def test_protected_objects_of_every_resource_group_are_audited(cloud, admin):
    # no WAF 3.0 document says what DescribeDefenseResources answers without a group (the emulator answers the default
    # group's objects, as WAF 2.0 and Anti-DDoS document for theirs): another group's object is asked for by its id
    data = account(resourcemanager={"resource_groups": [{"id": "rg-prod000000001", "name": "prod"}]})
    data["accounts"][0]["waf"]["instances"][0]["resources"].append(
        {"resource": "alb-pay01", "product": "alb", "resource_group_id": "rg-prod000000001"})
    data["accounts"][0]["waf"]["instances"][1]["resources"].append(
        {"resource": "pay.example.net-waf", "product": "waf", "resource_group_id": "rg-prod000000001",
         "log_enabled": True})
    load(cloud, data)
    findings = scan(cloud, families=["waf"])
    assert by_resource(findings, CHECK) == {"alb-shop01": "PASS", "shop.example.com-waf": "FAIL",
                                            "www.example.net-waf": "PASS", "alb-pay01": "FAIL",
                                            "pay.example.net-waf": "PASS"}
    pay = next(f for f in findings if f.resource_id == "alb-pay01")
    assert pay.details["resource_group"] == "rg-prod000000001" and "disabled" in pay.message
    assert admin.calls()["resourcemanager:ListResourceGroups"] == 1  # once for both sites

    # the groups cannot be listed: what the group-less listing answers is judged, and each site is also an ERROR
    load(cloud, _deny(data, ["resourcemanager:ListResourceGroups"]))
    findings = scan(cloud, families=["waf"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {"alb-shop01": "PASS", "shop.example.com-waf": "FAIL",
                                            "www.example.net-waf": "PASS", "waf-cn-hangzhou": "ERROR",
                                            "waf-ap-southeast-1": "ERROR"}
    site = next(f for f in findings if f.resource_id == "waf-cn-hangzhou")
    assert "resource groups" in site.message and "NoPermission" in site.message


def test_a_full_logstore_fails_its_logged_objects(cloud, admin):
    """CIS 2.7 step 6: the instance's logstore (DescribeSlsLogStore Quota, Used) must have room; asked once per
    instance whose objects are logged."""
    data = account()
    data["accounts"][0]["waf"]["instances"][0].update(log_quota=1 << 40, log_used=1 << 40)
    load(cloud, data)
    findings = scan(cloud, checks=[CHECK])
    assert by_resource(findings, CHECK) == {
        "alb-shop01": "FAIL", "shop.example.com-waf": "FAIL", "www.example.net-waf": "PASS"}
    by_id = {f.resource_id: f for f in findings}
    assert "the log storage is exhausted (1.0 TiB used of 1.0 TiB)" in by_id["alb-shop01"].message
    assert "disabled" in by_id["shop.example.com-waf"].message
    assert by_id["www.example.net-waf"].message.endswith("; log storage 0.0% used (33.8 MiB of 3.0 TiB)")
    assert admin.calls()["waf:DescribeSlsLogStore"] == 2
