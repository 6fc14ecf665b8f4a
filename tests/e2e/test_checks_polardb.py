"""PolarDB checks (open whitelist, public endpoint, SSL, SQL collector, TDE) through the scan entry point and the
official SDK, plus the PolarDB emulator's writes that remediate them."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_polardb20170801 import models as polardb_models
from alibabacloud_polardb20170801.client import Client as PolardbClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config
from tests.sdk_types import Findings, check_json, response_body_spec

REGIONS = ["cn-hangzhou", "cn-shanghai", "ap-southeast-1"]  # polardb.aliyuncs.com, and polardb.<region>...
CHECKS = ["polardb_cluster_whitelist_not_open", "polardb_cluster_no_public_endpoint", "polardb_cluster_ssl_enabled",
          "polardb_cluster_sql_audit_enabled", "polardb_cluster_tde_enabled"]


def clusters() -> list[dict[str, Any]]:
    return [
        {"id": "pc-bp1good", "description": "orders", "whitelist": [{"name": "default", "ips": ["10.0.1.0/24"]}],
         "endpoints": [{"id": "pe-good1", "type": "Primary", "ssl_enabled": True},
                       {"id": "pe-good2", "type": "Cluster", "ssl_enabled": True}],
         "audit": "Enable", "tde_status": "Enabled", "tde_key_id": "key-polar01"},
        {"id": "pc-bp1open", "description": "legacy",
         "whitelist": [{"name": "default", "ips": ["127.0.0.1"]}, {"name": "ops", "ips": ["10.0.0.1", "0.0.0.0/0"]}],
         "endpoints": [{"id": "pe-open1", "type": "Cluster", "ssl_enabled": True,
                        "addresses": [{"net_type": "Private"}, {"net_type": "Public"}]},
                       {"id": "pe-open2", "type": "Primary"}]},
        {"id": "pc-uf6pg", "region": "cn-shanghai", "db_type": "PostgreSQL", "db_version": "14",
         "endpoints": [{"id": "pe-pg1", "ssl_enabled": False}], "audit": "Enable"},
        {"id": "pc-gs5sg", "region": "ap-southeast-1", "tde_status": "Enabled"},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"],
                         polardb={"clusters": clusters()})


def polardb_client(cloud, region: str = "cn-hangzhou") -> PolardbClient:
    return PolardbClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                    region_id=region))


def test_polardb_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["polardb"], regions=REGIONS)
    ids = ["pc-bp1good", "pc-bp1open", "pc-uf6pg", "pc-gs5sg"]
    assert by_resource(findings, "polardb_cluster_whitelist_not_open") == {
        **dict.fromkeys(ids, "PASS"), "pc-bp1open": "FAIL"}
    assert by_resource(findings, "polardb_cluster_no_public_endpoint") == {
        **dict.fromkeys(ids, "PASS"), "pc-bp1open": "FAIL"}
    # pc-bp1open: SSL on its cluster endpoint but not on its primary endpoint
    assert by_resource(findings, "polardb_cluster_ssl_enabled") == {
        **dict.fromkeys(ids, "FAIL"), "pc-bp1good": "PASS"}
    assert by_resource(findings, "polardb_cluster_sql_audit_enabled") == {
        "pc-bp1good": "PASS", "pc-bp1open": "FAIL", "pc-uf6pg": "PASS", "pc-gs5sg": "FAIL"}
    assert by_resource(findings, "polardb_cluster_tde_enabled") == {
        "pc-bp1good": "PASS", "pc-bp1open": "FAIL", "pc-uf6pg": "FAIL", "pc-gs5sg": "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    opened = by_key[("polardb_cluster_whitelist_not_open", "pc-bp1open")]
    assert "ops: 0.0.0.0/0" in opened.message and "pc-bp1open-public.rwlb.rds.aliyuncs.com" in opened.message
    assert opened.severity.value == "critical" and opened.resource_name == "legacy"
    assert "pe-open2" in by_key[("polardb_cluster_ssl_enabled", "pc-bp1open")].message
    assert "key-polar01" in by_key[("polardb_cluster_tde_enabled", "pc-bp1good")].message
    assert by_key[("polardb_cluster_tde_enabled", "pc-uf6pg")].region == "cn-shanghai"
    assert by_key[("polardb_cluster_tde_enabled", "pc-gs5sg")].region == "ap-southeast-1"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_answers_without_whitelist_groups_or_addresses_are_unknown(cloud):
    # a cluster always has its default whitelist group and a private address: answers with none are not a PASS
    data = account()
    data["accounts"][0]["polardb"]["clusters"].append({"id": "pc-bare", "whitelist": [],
                                                       "endpoints": [{"id": "pe-bare", "addresses": []}]})
    load(cloud, data)
    findings = scan(cloud, checks=["polardb_cluster_whitelist_not_open", "polardb_cluster_no_public_endpoint"])
    assert by_resource(findings, "polardb_cluster_whitelist_not_open")["pc-bare"] == "ERROR"
    assert by_resource(findings, "polardb_cluster_no_public_endpoint")["pc-bare"] == "ERROR"
    messages = " ".join(f.message for f in findings if f.resource_id == "pc-bare")
    assert "no whitelist group" in messages and "no endpoint address" in messages


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["polardb:DescribeDBClusterTDE"]))
    findings = scan(cloud, families=["polardb"], ak=READER_AK, secret=READER_SECRET)
    tde = [f for f in findings if f.check_id == "polardb_cluster_tde_enabled"]
    assert {f.resource_id: f.status.value for f in tde} == {"pc-bp1good": "ERROR", "pc-bp1open": "ERROR"}
    assert all("DescribeDBClusterTDE" in f.message and "NoPermission" in f.message for f in tde)
    # the other aspects are still judged
    assert by_resource(findings, "polardb_cluster_whitelist_not_open") == {"pc-bp1good": "PASS", "pc-bp1open": "FAIL"}

    load(cloud, _deny(account(), ["polardb:DescribeDBClusters"]))
    findings = scan(cloud, families=["polardb"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS[:2])
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in CHECKS for r in REGIONS[:2])


def test_every_cluster_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["polardb"]["clusters"] += [{"id": f"pc-bulk{i:03d}"} for i in range(120)]
    load(cloud, data)
    findings = scan(cloud, checks=["polardb_cluster_tde_enabled"])
    assert len(by_resource(findings, "polardb_cluster_tde_enabled")) == 2 + 120
    assert admin.calls()["polardb:DescribeDBClusters"] == 2  # PageSize 100: two pages


def test_unknown_cluster_and_page_size(cloud):
    load(cloud, account())
    client = polardb_client(cloud)
    for call, code in [
        (lambda: client.describe_dbcluster_tde(polardb_models.DescribeDBClusterTDERequest(dbcluster_id="pc-nope")),
         "InvalidDBCluster.NotFound"),
        (lambda: client.describe_dbclusters(polardb_models.DescribeDBClustersRequest(
            region_id="cn-hangzhou", page_size=20)), "InvalidPageSize.Malformed")]:
        try:
            call()
        except Exception as err:
            assert getattr(err, "code", "") == code
        else:
            raise AssertionError(f"expected {code}")
    # a public region the account does not use lists nothing
    body = client.describe_dbclusters(polardb_models.DescribeDBClustersRequest(region_id="eu-central-1")).body
    assert body.items.dbcluster == [] and body.total_record_count == 0


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    client = polardb_client(cloud)
    client.modify_dbcluster_access_whitelist(polardb_models.ModifyDBClusterAccessWhitelistRequest(
        dbcluster_id="pc-bp1open", dbcluster_iparray_name="ops", security_ips="10.0.0.1", modify_mode="Cover"))
    client.delete_dbendpoint_address(polardb_models.DeleteDBEndpointAddressRequest(
        dbcluster_id="pc-bp1open", dbendpoint_id="pe-open1", net_type="Public"))
    client.modify_dbcluster_ssl(polardb_models.ModifyDBClusterSSLRequest(
        dbcluster_id="pc-bp1open", dbendpoint_id="pe-open2", net_type="Private", sslenabled="Enable"))
    client.modify_dbcluster_audit_log_collector(polardb_models.ModifyDBClusterAuditLogCollectorRequest(
        dbcluster_id="pc-bp1open", collector_status="Enable"))
    client.modify_dbcluster_tde(polardb_models.ModifyDBClusterTDERequest(dbcluster_id="pc-bp1open", tdestatus="Enable"))
    findings = scan(cloud, families=["polardb"])
    assert {c: by_resource(findings, c)["pc-bp1open"] for c in CHECKS} == dict.fromkeys(CHECKS, "PASS")
    events = [e for e in admin.events() if e["eventName"].startswith(("Modify", "Delete"))]
    assert [e["eventName"] for e in events] == [
        "ModifyDBClusterAccessWhitelist", "DeleteDBEndpointAddress", "ModifyDBClusterSSL",
        "ModifyDBClusterAuditLogCollector", "ModifyDBClusterTDE"]
    assert {e["acsRegion"] for e in events} == {"cn-hangzhou"}
    assert all(e["referencedResources"] == {"ACS::POLARDB::DBCluster": ["pc-bp1open"]} for e in events)


# --- review 23: Archive clusters have no TDE; an answer without CollectorStatus is unknown --------------------------

def test_archive_tde_and_partial_audit_answer(cloud):
    data = account()
    data["accounts"][0]["polardb"]["clusters"] += [
        {"id": "pc-arch", "category": "Archive"},  # "TDE is unavailable for Archive Database"
        {"id": "pc-srv", "serverless_type": "AgileServerless"},  # serverless MySQL 8.0: 8.0.1 or 8.0.2 unknown
        {"id": "pc-blank", "audit": ""},  # DescribeDBClusterAuditLogCollector without CollectorStatus
    ]
    load(cloud, data)
    findings = scan(cloud, checks=["polardb_cluster_tde_enabled", "polardb_cluster_sql_audit_enabled"])
    tde = by_resource(findings, "polardb_cluster_tde_enabled")
    assert (tde["pc-arch"], tde["pc-srv"], tde["pc-blank"]) == ("MANUAL", "FAIL", "FAIL")
    audit = by_resource(findings, "polardb_cluster_sql_audit_enabled")
    assert (audit["pc-blank"], audit["pc-arch"]) == ("ERROR", "FAIL")
    msgs = {(f.check_id, f.resource_id): f.message for f in findings}
    assert "Archive Database" in msgs[("polardb_cluster_tde_enabled", "pc-arch")]
    assert "MySQL 8.0.2" in msgs[("polardb_cluster_tde_enabled", "pc-srv")]
    assert "no CollectorStatus" in msgs[("polardb_cluster_sql_audit_enabled", "pc-blank")]
    # the emulator refuses TDE where the guide says it is unavailable
    client = polardb_client(cloud)
    try:
        client.modify_dbcluster_tde(polardb_models.ModifyDBClusterTDERequest(dbcluster_id="pc-arch",
                                                                             tdestatus="Enable"))
    except Exception as err:
        assert getattr(err, "code", "") == "OperationDenied.DBClusterCategory"
    else:
        raise AssertionError("TDE was enabled on an Archive cluster")


# --- review 23 item 2: global IP whitelist templates linked to a cluster ---------------------------------------------

# DescribeGlobalSecurityIPGroupRelation answers the templates linked to a cluster (GlobalSecurityGroupId g-..., GIpList,
# GlobalIgName, RegionId, all strings; documented sample test_123 / 192.168.0.1)
TEMPLATES = [{"id": "g-zsldxfiwjmti0kcm0001", "name": "open_all", "ips": ["0.0.0.0/0"]},
             {"id": "g-zsldxfiwjmti0kcm0002", "name": "test_123", "ips": ["192.168.0.1"]}]


def _with_templates() -> dict[str, Any]:
    data = account()
    polardb = data["accounts"][0]["polardb"]
    polardb["global_ip_templates"] = TEMPLATES
    for c in polardb["clusters"]:
        if c["id"] == "pc-bp1good":
            c["global_ip_templates"] = ["g-zsldxfiwjmti0kcm0001"]  # closed groups, a template open to the world
        elif c["id"] == "pc-gs5sg":
            c["global_ip_templates"] = ["g-zsldxfiwjmti0kcm0002"]
    return data


def test_a_linked_global_template_open_to_the_world_fails(cloud, admin):
    load(cloud, _with_templates())
    admin.record(limit=10)
    findings = scan(cloud, checks=["polardb_cluster_whitelist_not_open"], regions=REGIONS)
    # the answers have the JSON types the SDK's response model declares, and no other field
    found = Findings()
    spec = response_body_spec("alibabacloud_polardb20170801.models", "DescribeGlobalSecurityIPGroupRelation")
    assert spec is not None
    answers = admin.responses()["polardb:DescribeGlobalSecurityIPGroupRelation"]
    for answer in answers:
        check_json(found, "polardb:DescribeGlobalSecurityIPGroupRelation", json.loads(answer["body"]), spec[1])
    assert len(answers) == 4 and not found.mismatches and not found.undeclared
    assert by_resource(findings, "polardb_cluster_whitelist_not_open") == {
        "pc-bp1good": "FAIL", "pc-bp1open": "FAIL", "pc-uf6pg": "PASS", "pc-gs5sg": "PASS"}
    messages = {f.resource_id: f.message for f in findings}
    assert "template:open_all: 0.0.0.0/0" in messages["pc-bp1good"]
    assert "1 linked whitelist template" in messages["pc-gs5sg"]
    assert admin.calls()["polardb:DescribeGlobalSecurityIPGroupRelation"] == 4
    client = polardb_client(cloud)
    body = client.describe_global_security_ipgroup_relation(
        polardb_models.DescribeGlobalSecurityIPGroupRelationRequest(dbcluster_id="pc-bp1good",
                                                                    region_id="cn-hangzhou")).body
    assert body.dbcluster_id == "pc-bp1good"
    assert [(t.global_security_group_id, t.global_ig_name, t.gip_list, t.region_id)
            for t in body.global_security_ipgroup_rel] == [
        ("g-zsldxfiwjmti0kcm0001", "open_all", "0.0.0.0/0", "cn-hangzhou")]
    # the cluster's own whitelist answer is left as it was: whether the real one folds template entries in is not
    # documented
    groups = client.describe_dbcluster_access_whitelist(polardb_models.DescribeDBClusterAccessWhitelistRequest(
        dbcluster_id="pc-bp1good")).body.items.dbcluster_iparray
    assert all("0.0.0.0/0" not in g.security_ips for g in groups)
    # RegionId is required (the documented RequiredParam.NotFound)
    try:
        client.describe_global_security_ipgroup_relation(
            polardb_models.DescribeGlobalSecurityIPGroupRelationRequest(dbcluster_id="pc-bp1good"))
    except Exception as err:
        assert getattr(err, "code", "") == "RequiredParam.NotFound"
    else:
        raise AssertionError("accepted without RegionId")


def test_unread_global_templates_error_only_where_the_groups_pass(cloud):
    load(cloud, _deny(_with_templates(), ["polardb:DescribeGlobalSecurityIPGroupRelation"]))
    findings = scan(cloud, checks=["polardb_cluster_whitelist_not_open"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "polardb_cluster_whitelist_not_open") == {"pc-bp1good": "ERROR", "pc-bp1open": "FAIL"}
    message = next(f.message for f in findings if f.resource_id == "pc-bp1good")
    assert "DescribeGlobalSecurityIPGroupRelation" in message and "NoPermission" in message
