"""MongoDB checks (whitelist, password-free access, SSL, audit log, TDE) through the scan entry point against the
emulated dds API (mongodb.aliyuncs.com for the central regions), plus the emulator's writes that remediate them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from alibabacloud_dds20151201 import models as dds_models
from alibabacloud_dds20151201.client import Client as DdsClient
from Tea.exceptions import TeaException

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
CHECKS = ("mongodb_instance_whitelist_not_open", "mongodb_instance_password_free_access_disabled",
          "mongodb_instance_ssl_enabled", "mongodb_instance_audit_log_enabled", "mongodb_instance_tde_enabled")


def instances() -> list[dict[str, Any]]:
    return [
        {"id": "dds-good", "description": "orders", "whitelist": [{"name": "default", "ips": ["10.0.0.0/8"]}],
         "ssl": "Open", "audit": "Enable", "tde_status": "enabled", "tde_key": "key-orders"},
        {"id": "dds-open", "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}],
         "endpoints": [{"address": "dds-open.mongodb.rds.aliyuncs.com"},
                       {"address": "dds-open-pub.mongodb.rds.aliyuncs.com", "network_type": "Public"}],
         "vpc_auth_mode": "Open"},
        {"id": "dds-shard", "instance_type": "sharding", "whitelist": [{"name": "default", "ips": ["0.0.0.0"]}],
         "endpoints": [{"address": "s-mongos1.mongodb.rds.aliyuncs.com", "node_id": "s-mongos1"},
                       {"address": "s-mongos1-pub.mongodb.rds.aliyuncs.com", "node_id": "s-mongos1",
                        "network_type": "Public"}],
         "vpc_auth_mode": "NotSupport", "ssl": "Open"},
        {"id": "dds-sh", "region": "cn-shanghai", "audit": "Enable"},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, dds={"instances": instances()})


def dds_client(cloud, region: str = "cn-hangzhou") -> DdsClient:
    return DdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_mongodb_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["mongodb"], regions=REGIONS)
    assert by_resource(findings, "mongodb_instance_whitelist_not_open") == {
        "dds-good": "PASS", "dds-open": "FAIL", "dds-shard": "FAIL", "dds-sh": "PASS"}
    assert by_resource(findings, "mongodb_instance_password_free_access_disabled") == {
        "dds-good": "PASS", "dds-open": "FAIL", "dds-shard": "PASS", "dds-sh": "PASS"}
    assert by_resource(findings, "mongodb_instance_ssl_enabled") == {
        "dds-good": "PASS", "dds-open": "FAIL", "dds-shard": "PASS", "dds-sh": "FAIL"}
    assert by_resource(findings, "mongodb_instance_audit_log_enabled") == {
        "dds-good": "PASS", "dds-open": "FAIL", "dds-shard": "FAIL", "dds-sh": "PASS"}
    assert by_resource(findings, "mongodb_instance_tde_enabled") == {
        "dds-good": "PASS", "dds-open": "FAIL", "dds-shard": "FAIL", "dds-sh": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    opened = by_key[("mongodb_instance_whitelist_not_open", "dds-open")]
    assert "default: 0.0.0.0/0" in opened.message and "dds-open-pub.mongodb.rds.aliyuncs.com" in opened.message
    assert opened.severity.value == "critical" and opened.resource_type == "mongodb:instance"
    shard = by_key[("mongodb_instance_whitelist_not_open", "dds-shard")]
    assert "default: 0.0.0.0" in shard.message and "s-mongos1-pub.mongodb.rds.aliyuncs.com" in shard.message
    assert by_key[("mongodb_instance_audit_log_enabled", "dds-sh")].region == "cn-shanghai"
    assert by_key[("mongodb_instance_whitelist_not_open", "dds-good")].resource_name == "orders"
    assert "key-orders" in by_key[("mongodb_instance_tde_enabled", "dds-good")].message
    assert "VpcAuthMode Open" in by_key[("mongodb_instance_password_free_access_disabled", "dds-open")].message


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_serverless_instances_are_listed_and_judged(cloud, admin):
    # DescribeDBInstances lists replica sets unless told otherwise; the China site documents DBInstanceType serverless
    data = account()
    data["accounts"][0]["dds"]["instances"].append(
        {"id": "dds-serverless1", "instance_type": "serverless", "ssl": "Open", "audit": "Enable",
         "tde_status": "enabled", "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]})
    load(cloud, data)
    findings = scan(cloud, families=["mongodb"], regions=REGIONS)
    assert by_resource(findings, "mongodb_instance_whitelist_not_open")["dds-serverless1"] == "FAIL"
    assert by_resource(findings, "mongodb_instance_ssl_enabled")["dds-serverless1"] == "PASS"
    serverless = next(f for f in findings if f.resource_id == "dds-serverless1")
    assert serverless.details["architecture"] == "serverless"
    assert admin.calls()["dds:DescribeDBInstances"] == 3 * len(REGIONS)  # each type in each region


def test_an_answer_without_any_whitelist_is_unknown(cloud):
    # an instance always has its default whitelist (127.0.0.1 until changed): an answer with none is not a PASS
    data = account()
    data["accounts"][0]["dds"]["instances"].append({"id": "dds-bare", "whitelist": []})
    load(cloud, data)
    findings = scan(cloud, checks=["mongodb_instance_whitelist_not_open"], regions=REGIONS)
    bare = next(f for f in findings if f.resource_id == "dds-bare")
    assert bare.status.value == "ERROR" and "answered no whitelist group and no SecurityIps" in bare.message


def test_an_empty_whitelist_admits_every_address(cloud):
    """'If the whitelist contains only 0.0.0.0/0 or is empty, all IP addresses can access the instance' (Configure an IP
    address whitelist): the default group emptied is a FAIL, not a whitelist that admits nobody."""
    data = account()
    data["accounts"][0]["dds"]["instances"] += [
        {"id": "dds-empty", "whitelist": [{"name": "default", "ips": []}, {"name": "app", "ips": []}]},
        {"id": "dds-dts", "whitelist": [{"name": "default", "ips": []},
                                        {"name": "ddsdts", "ips": ["100.104.0.0/16"], "attribute": "hidden"}]}]
    load(cloud, data)
    findings = scan(cloud, checks=["mongodb_instance_whitelist_not_open"], regions=REGIONS)
    got = {f.resource_id: (f.status.value, f.message) for f in findings}
    assert got["dds-empty"][0] == "FAIL" and got["dds-empty"][1].startswith("the whitelist is empty")
    assert got["dds-dts"][0] == "PASS"  # (an entry, DTS's: not an empty whitelist)


def test_a_cloud_disk_instance_without_the_audit_log_is_manual(cloud):
    # DescribeAuditPolicy "is available only for General-purpose Local Disk Edition and Dedicated Local Disk Edition
    # instances" (API reference): for a cloud-disk one its Disabled does not tell
    data = account()
    data["accounts"][0]["dds"]["instances"].append({"id": "dds-essd", "storage_type": "cloud_essd",
                                                    "whitelist": [{"name": "default", "ips": ["10.0.0.0/8"]}]})
    load(cloud, data)
    findings = scan(cloud, checks=["mongodb_instance_audit_log_enabled"], regions=REGIONS)
    got = next(f for f in findings if f.resource_id == "dds-essd")
    assert got.status.value == "MANUAL" and "cloud_essd" in got.message
    assert by_resource(findings, "mongodb_instance_audit_log_enabled")["dds-open"] == "FAIL"  # (local_ssd)


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["dds:DescribeAuditPolicy", "dds:DescribeDBInstanceAttribute"]))
    findings = scan(cloud, families=["mongodb"], ak=READER_AK, secret=READER_SECRET)
    for check_id in ("mongodb_instance_audit_log_enabled", "mongodb_instance_password_free_access_disabled"):
        got = by_resource(findings, check_id)
        assert got == {"dds-good": "ERROR", "dds-open": "ERROR", "dds-shard": "ERROR"}  # none silent
        assert all("NoPermission" in f.message for f in findings if f.check_id == check_id)
    assert by_resource(findings, "mongodb_instance_ssl_enabled")["dds-open"] == "FAIL"  # the other aspects were read

    load(cloud, _deny(account(), ["dds:DescribeDBInstances"]))
    findings = scan(cloud, families=["mongodb"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in CHECKS for r in REGIONS)


def test_instances_are_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["dds"]["instances"] += [{"id": f"dds-bulk{i:03d}"} for i in range(110)]
    load(cloud, data)
    findings = scan(cloud, checks=["mongodb_instance_ssl_enabled"])
    assert len(by_resource(findings, "mongodb_instance_ssl_enabled")) == 3 + 110
    # PageSize 100: two pages of replica sets (112), one of sharded clusters (1), one of Serverless instances (0)
    assert admin.calls()["dds:DescribeDBInstances"] == 4


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    dds = dds_client(cloud)
    dds.modify_security_ips(dds_models.ModifySecurityIpsRequest(
        dbinstance_id="dds-open", security_ips="10.1.0.0/16", modify_mode="Cover"))
    dds.release_public_network_address(dds_models.ReleasePublicNetworkAddressRequest(dbinstance_id="dds-open"))
    dds.modify_instance_vpc_auth_mode(dds_models.ModifyInstanceVpcAuthModeRequest(dbinstance_id="dds-open",
                                                                                  vpc_auth_mode="Close"))
    dds.modify_dbinstance_ssl(dds_models.ModifyDBInstanceSSLRequest(dbinstance_id="dds-open", sslaction="Open"))
    dds.modify_audit_policy(dds_models.ModifyAuditPolicyRequest(dbinstance_id="dds-open", audit_status="enable"))
    dds.modify_dbinstance_tde(dds_models.ModifyDBInstanceTDERequest(dbinstance_id="dds-open", tdestatus="Enabled"))
    findings = scan(cloud, families=["mongodb"])
    assert {c: by_resource(findings, c)["dds-open"] for c in CHECKS} == {c: "PASS" for c in CHECKS}
    # enabled without a key of the customer's: EncryptionKey answers NoActiveBYOK, which names no key
    tde = next(f for f in findings if f.check_id == "mongodb_instance_tde_enabled" and f.resource_id == "dds-open")
    assert tde.message == "TDE is enabled" and "NoActiveBYOK" not in str(tde.details)
    events = [e for e in admin.events() if e["serviceName"] != "Ram"]
    assert [(e["eventName"], e["referencedResources"]) for e in events] == [
        (name, {"ACS::MongoDB::DBInstance": ["dds-open"]}) for name in (
            "ModifySecurityIps", "ReleasePublicNetworkAddress", "ModifyInstanceVpcAuthMode", "ModifyDBInstanceSSL",
            "ModifyAuditPolicy", "ModifyDBInstanceTDE")]
    attr = dds.describe_replica_set_role(dds_models.DescribeReplicaSetRoleRequest(dbinstance_id="dds-open")).body
    assert [r.network_type for r in attr.replica_sets.replica_set] == ["VPC"]
    # the write only disables password-free access ("Set the value to Close"): Open is refused
    with pytest.raises(TeaException) as refused:
        dds.modify_instance_vpc_auth_mode(dds_models.ModifyInstanceVpcAuthModeRequest(dbinstance_id="dds-open",
                                                                                      vpc_auth_mode="Open"))
    assert refused.value.code == "InvalidParam"


def test_unknown_instance_is_not_found(cloud):
    load(cloud, account())
    try:
        dds_client(cloud).describe_audit_policy(dds_models.DescribeAuditPolicyRequest(dbinstance_id="dds-nope"))
    except Exception as err:
        assert getattr(err, "code", "") == "InvalidDbInstanceId.NotFound"
    else:
        raise AssertionError("an unknown instance was described")


TEMPLATES = [{"id": "g-zsldxfiwjmti0kcm0001", "name": "partners", "ips": ["0.0.0.0/0"]},
             {"id": "g-zsldxfiwjmti0kcm0002", "name": "office", "ips": ["192.168.0.0/16"]}]


def test_linked_global_ip_whitelist_templates_are_judged(cloud):
    """A template linked to an instance admits its addresses (DescribeGlobalSecurityIPGroupRelation): one open to the
    world fails an instance whose own groups are closed; when the relation cannot be read, closed groups are ERROR."""
    data = account()
    state = data["accounts"][0]["dds"]
    state["global_ip_templates"] = TEMPLATES
    for inst in state["instances"]:  # (templates: replica sets and sharded clusters on cloud disks only)
        if inst["id"] == "dds-good":
            inst["global_ip_templates"] = ["g-zsldxfiwjmti0kcm0001", "g-zsldxfiwjmti0kcm0002"]
            inst["storage_type"] = "cloud_essd"
        elif inst["id"] == "dds-sh":
            inst["global_ip_templates"] = ["g-zsldxfiwjmti0kcm0002"]
            inst["storage_type"] = "cloud_essd"
    denied_data = _deny(copy.deepcopy(data), ["dds:DescribeGlobalSecurityIPGroupRelation"])
    load(cloud, data)
    findings = scan(cloud, checks=["mongodb_instance_whitelist_not_open"], regions=REGIONS)
    verdicts = by_resource(findings, "mongodb_instance_whitelist_not_open")
    assert verdicts["dds-good"] == "FAIL" and verdicts["dds-sh"] == "PASS"
    msgs = {f.resource_id: f.message for f in findings}
    assert "template:partners: 0.0.0.0/0" in msgs["dds-good"]
    assert msgs["dds-sh"].endswith("(1 linked whitelist template(s))")

    load(cloud, denied_data)
    findings = scan(cloud, checks=["mongodb_instance_whitelist_not_open"], ak=READER_AK, secret=READER_SECRET,
                    regions=REGIONS)
    denied = {f.resource_id: (f.status.value, f.message) for f in findings}
    assert denied["dds-good"][0] == "ERROR" and "linked global IP whitelist templates could not be read" in \
        denied["dds-good"][1]
