"""Bastionhost check (public network access limited to a whitelist) through the scan entry point, plus the
emulator's writes that remediate it. Most mainland regions share the central endpoint yundun-bastionhost.aliyuncs.com,
so the collector's RegionId decides which region's bastion hosts are listed."""

from __future__ import annotations

from typing import Any

from alibabacloud_yundun_bastionhost20191209 import models as bh_models
from alibabacloud_yundun_bastionhost20191209.client import Client as BastionhostClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-hongkong"]
_B = "bastionhost_public_access_restricted"


def instances() -> list[dict[str, Any]]:
    return [
        {"id": "bastionhost-cn-internal01", "description": "ops (VPC only)"},
        {"id": "bastionhost-cn-office001", "description": "ops office", "public_access": True,
         "whitelist": ["203.0.113.0/24", "198.51.100.7/32"]},
        {"id": "bastionhost-cn-nolist001", "description": "contractors", "public_access": True},
        {"id": "bastionhost-cn-sh0open01", "description": "dr site", "region": "cn-shanghai", "public_access": True,
         "whitelist": ["0.0.0.0/0"]},
        {"id": "bastionhost-hk-office001", "description": "hk ops", "region": "cn-hongkong", "public_access": True,
         "whitelist": ["203.0.113.0/24"]},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, bastionhost={"instances": instances()})


def bh_client(cloud, region: str = "cn-hangzhou") -> BastionhostClient:
    return BastionhostClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                        region_id=region))


def test_bastionhost_check_pass_and_fail(cloud, admin):
    load(cloud, account())
    findings = scan(cloud, families=["bastionhost"], regions=REGIONS)
    assert by_resource(findings, _B) == {
        "bastionhost-cn-internal01": "PASS", "bastionhost-cn-office001": "PASS", "bastionhost-cn-nolist001": "FAIL",
        "bastionhost-cn-sh0open01": "FAIL", "bastionhost-hk-office001": "PASS"}
    by_id = {f.resource_id: f for f in findings}
    assert "empty whitelist" in by_id["bastionhost-cn-nolist001"].message
    assert "0.0.0.0/0" in by_id["bastionhost-cn-sh0open01"].message
    # the central endpoint serves cn-shanghai, bastionhost.cn-hongkong its own region: each finding in its region
    assert by_id["bastionhost-cn-sh0open01"].region == "cn-shanghai"
    assert by_id["bastionhost-hk-office001"].region == "cn-hongkong"
    assert by_id["bastionhost-cn-office001"].resource_name == "ops office"
    assert admin.calls()["bastionhost:DescribeInstanceAttribute"] == 4  # only hosts with public access


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["yundun-bastionhost:DescribeInstanceAttribute"]))
    findings = scan(cloud, families=["bastionhost"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, _B) == {"bastionhost-cn-internal01": "PASS", "bastionhost-cn-office001": "ERROR",
                                         "bastionhost-cn-nolist001": "ERROR"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")

    load(cloud, _deny(account(), ["yundun-bastionhost:DescribeInstances"]))
    findings = scan(cloud, families=["bastionhost"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.resource_id, f.status.value) for f in findings) == [(r, "ERROR") for r in sorted(REGIONS)]


def test_every_host_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["bastionhost"]["instances"] += [{"id": f"bastionhost-cn-bulk{i:04d}"} for i in range(105)]
    load(cloud, data)
    findings = scan(cloud, checks=[_B])
    assert len(by_resource(findings, _B)) == 3 + 105
    assert admin.calls()["bastionhost:DescribeInstances"] == 2  # PageSize 100: two pages


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    bh = bh_client(cloud)
    bh.config_instance_white_list(bh_models.ConfigInstanceWhiteListRequest(
        region_id="cn-hangzhou", instance_id="bastionhost-cn-nolist001", white_list=["192.0.2.0/28"]))
    bh_client(cloud, "cn-shanghai").disable_instance_public_access(bh_models.DisableInstancePublicAccessRequest(
        region_id="cn-shanghai", instance_id="bastionhost-cn-sh0open01"))
    findings = scan(cloud, families=["bastionhost"], regions=REGIONS)
    assert set(by_resource(findings, _B).values()) == {"PASS"}
    events = [e for e in admin.events() if e["eventName"] in ("ConfigInstanceWhiteList", "DisableInstancePublicAccess")]
    assert [(e["eventName"], e["acsRegion"], e["referencedResources"]) for e in events] == [
        ("ConfigInstanceWhiteList", "cn-hangzhou", {"ACS::BastionHost::Instance": ["bastionhost-cn-nolist001"]}),
        ("DisableInstancePublicAccess", "cn-shanghai", {"ACS::BastionHost::Instance": ["bastionhost-cn-sh0open01"]})]


def test_unknown_instance_is_not_found(cloud):
    load(cloud, account())
    try:  # bastionhost-cn-sh0open01 lives in cn-shanghai, not in the cn-hangzhou the request names
        bh_client(cloud).describe_instance_attribute(bh_models.DescribeInstanceAttributeRequest(
            region_id="cn-hangzhou", instance_id="bastionhost-cn-sh0open01"))
    except Exception as err:
        assert getattr(err, "code", "") == "InstanceNotFound"
    else:
        raise AssertionError("a bastion host of cn-shanghai was described in cn-hangzhou")
