"""NAS checks (open permission-group rules, root access for broad ranges, file-system encryption) through the scan
entry point and the official SDK, plus the NAS emulator's rule writes that remediate them."""

from __future__ import annotations

from typing import Any

from alibabacloud_nas20170626 import models as nas_models
from alibabacloud_nas20170626.client import Client as NasClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
CHECKS = ["nas_access_rule_not_open", "nas_access_rule_root_squash", "nas_filesystem_encrypted"]
DEFAULT = "DEFAULT_VPC_GROUP_NAME"


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, nas={
        "file_systems": [
            {"id": "31a8e4plain", "description": "shared-home", "encrypt_type": 0,
             "mount_targets": [{"domain": "31a8e4plain-abc1.cn-hangzhou.nas.aliyuncs.com"}]},
            {"id": "31a8e4kms01", "encrypt_type": 2, "kms_key_id": "key-nas01",
             "mount_targets": [{"domain": "31a8e4kms01-abc2.cn-hangzhou.nas.aliyuncs.com", "access_group": "app"}]},
            {"id": "extreme-0015nas", "file_system_type": "extreme", "storage_type": "standard", "encrypt_type": 1,
             "mount_targets": [{"domain": "extreme-0015nas.cn-hangzhou.extreme.nas.aliyuncs.com",
                                "access_group": DEFAULT}]},
            {"id": "0a1b2cshang", "region": "cn-shanghai", "encrypt_type": 1},
        ],
        "access_groups": [
            {"name": DEFAULT, "rules": [{"source_cidr_ip": "0.0.0.0/0"}]},  # RDWR, no_squash by default
            {"name": "app", "rules": [{"source_cidr_ip": "10.0.1.0/24"},
                                      {"source_cidr_ip": "10.0.0.0/8", "user_access": "root_squash"}]},
            {"name": "wide", "rules": [{"source_cidr_ip": "172.16.0.0/12"}]},
            {"name": DEFAULT, "file_system_type": "extreme"},  # (listed without rules, as the documented sample)
            {"name": "sh-group", "region": "cn-shanghai", "rules": [{"source_cidr_ip": "0.0.0.0/0",
                                                                      "user_access": "all_squash"}]},
        ]})


def nas_client(cloud, region: str = "cn-hangzhou") -> NasClient:
    return NasClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_nas_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["nas"], regions=REGIONS)
    std, ext = f"standard/{DEFAULT}", f"extreme/{DEFAULT}"
    # the default groups are judged by their use (the whole VPC, read-write as root, not modifiable): both are used
    assert by_resource(findings, "nas_access_rule_not_open") == {
        std: "FAIL", "standard/app": "PASS", "standard/wide": "PASS", ext: "FAIL", "standard/sh-group": "FAIL"}
    assert by_resource(findings, "nas_access_rule_root_squash") == {
        std: "FAIL", "standard/app": "PASS", "standard/wide": "FAIL", ext: "FAIL", "standard/sh-group": "PASS"}
    assert by_resource(findings, "nas_filesystem_encrypted") == {
        "31a8e4plain": "FAIL", "31a8e4kms01": "PASS", "extreme-0015nas": "PASS", "0a1b2cshang": "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    opened = by_key[("nas_access_rule_not_open", std)]
    assert opened.message.startswith(f"the default permission group {DEFAULT} admits every address of the VPC and "
                                     "cannot be changed: 1 mount target(s) use it")
    assert opened.severity.value == "high"
    assert "rule 1 0.0.0.0/0" in by_key[("nas_access_rule_not_open", "standard/sh-group")].message
    assert "rule 1 172.16.0.0/12" in by_key[("nas_access_rule_root_squash", "standard/wide")].message
    assert "key-nas01" in by_key[("nas_filesystem_encrypted", "31a8e4kms01")].message
    assert by_key[("nas_filesystem_encrypted", "0a1b2cshang")].region == "cn-shanghai"
    assert by_key[("nas_access_rule_not_open", "standard/sh-group")].region == "cn-shanghai"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["nas:DescribeAccessRules"]))
    findings = scan(cloud, families=["nas"], ak=READER_AK, secret=READER_SECRET)
    for check_id in ("nas_access_rule_not_open", "nas_access_rule_root_squash"):
        got = by_resource(findings, check_id)
        # every group of the region, none silent: the custom ones ERROR, the default ones judged by their use
        assert got == {"standard/app": "ERROR", "standard/wide": "ERROR", f"standard/{DEFAULT}": "FAIL",
                       f"extreme/{DEFAULT}": "FAIL"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    assert by_resource(findings, "nas_filesystem_encrypted")["31a8e4plain"] == "FAIL"

    load(cloud, _deny(account(), ["nas:DescribeFileSystems", "nas:DescribeAccessGroups"]))
    findings = scan(cloud, families=["nas"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in CHECKS for r in REGIONS)


def test_every_list_is_paged_to_the_end(cloud, admin):
    data = account()
    nas = data["accounts"][0]["nas"]
    nas["file_systems"] += [{"id": f"bulk{i:04d}", "encrypt_type": 1} for i in range(130)]
    nas["access_groups"] += [{"name": f"bulk{i:03d}", "rules": [{"source_cidr_ip": f"10.{i}.0.0/16"}]}
                             for i in range(110)]
    nas["access_groups"][0]["rules"] += [{"source_cidr_ip": f"10.{i}.1.0/24"} for i in range(120)]
    load(cloud, data)
    findings = scan(cloud, families=["nas"])
    assert len(by_resource(findings, "nas_filesystem_encrypted")) == 3 + 130
    assert len(by_resource(findings, "nas_access_rule_not_open")) == 4 + 110
    assert by_resource(findings, "nas_access_rule_not_open")[f"standard/{DEFAULT}"] == "FAIL"  # (in use)
    calls = admin.calls()
    # PageSize 100: two pages of file systems; standard groups two pages, extreme one; the 121 rules two pages
    assert calls["nas:DescribeFileSystems"] == 2 and calls["nas:DescribeAccessGroups"] == 3
    assert calls["nas:DescribeAccessRules"] == 4 + 110 + 1


def test_unknown_group_and_region(cloud):
    load(cloud, account())
    client = nas_client(cloud)
    try:
        client.describe_access_rules(nas_models.DescribeAccessRulesRequest(access_group_name="nope"))
    except Exception as err:
        assert getattr(err, "code", "") == "InvalidAccessGroup.NotFound"
    else:
        raise AssertionError("an unknown permission group was described")
    # standard (the default type) and extreme groups are apart
    std = client.describe_access_groups(nas_models.DescribeAccessGroupsRequest()).body
    ext = client.describe_access_groups(nas_models.DescribeAccessGroupsRequest(file_system_type="extreme")).body
    assert std.total_count == 3 and [g.access_group_name for g in ext.access_groups.access_group] == [DEFAULT]
    # a public region the account does not use lists nothing
    body = nas_client(cloud, "eu-central-1").describe_file_systems(nas_models.DescribeFileSystemsRequest()).body
    assert body.file_systems.file_system == [] and body.total_count == 0


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    client = nas_client(cloud)
    client.modify_access_rule(nas_models.ModifyAccessRuleRequest(
        access_group_name="wide", access_rule_id="1", source_cidr_ip="172.16.0.0/12", user_access_type="root_squash"))
    client.delete_access_rule(nas_models.DeleteAccessRuleRequest(access_group_name="app", access_rule_id="2"))
    findings = scan(cloud, families=["nas"])
    assert by_resource(findings, "nas_access_rule_root_squash")["standard/wide"] == "PASS"
    assert by_resource(findings, "nas_access_rule_not_open")["standard/app"] == "PASS"
    # (the default group's rules cannot be modified, ModifyAccessRule: its mount target keeps it open)
    assert by_resource(findings, "nas_access_rule_not_open")[f"standard/{DEFAULT}"] == "FAIL"
    events = [e for e in admin.events() if e["eventName"] in ("ModifyAccessRule", "DeleteAccessRule")]
    assert [(e["eventName"], e["referencedResources"]) for e in events] == [
        ("ModifyAccessRule", {"ACS::NAS::AccessGroup": ["wide"]}),
        ("DeleteAccessRule", {"ACS::NAS::AccessGroup": ["app"]})]
    assert {e["acsRegion"] for e in events} == {"cn-hangzhou"}
