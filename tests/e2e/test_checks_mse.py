"""MSE checks (registry authentication, public endpoints open to any address) through the scan entry point against
the emulated MSE API, a denied API giving ERROR findings, paging, and the writes that remediate them."""

from __future__ import annotations

from typing import Any

from alibabacloud_mse20190531 import models as mse_models
from alibabacloud_mse20190531.client import Client as MseClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
AUTH, NET = "mse_cluster_config_auth_enabled", "mse_cluster_internet_access_restricted"


def clusters() -> list[dict[str, Any]]:
    return [
        {"id": "mse-cn-secure", "name": "orders-registry", "config_auth_enabled": True, "naming_auth_enabled": True,
         "public_bandwidth": 5, "acl": ["203.0.113.0/24"]},
        {"id": "mse-cn-open", "name": "legacy-nacos", "config_auth_enabled": True, "public_bandwidth": 3},
        {"id": "mse-cn-anyone", "name": "shared-nacos", "naming_auth_enabled": True, "config_auth_enabled": True,
         "public_bandwidth": 1, "acl": ["10.0.0.0/8", "0.0.0.0/0"]},
        {"id": "mse-cn-zk", "name": "kafka-zk", "type": "ZooKeeper", "version": "3.8.0", "auth_enabled": True},
        {"id": "mse-cn-zkopen", "name": "jobs-zk", "type": "ZooKeeper", "version": "3.8.0"},
        {"id": "mse-cn-eureka", "name": "spring-eureka", "type": "Eureka", "version": "1.9.3"},
        {"id": "mse-cn-sh", "name": "sh-nacos", "region": "cn-shanghai"},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, mse={"clusters": clusters()})


def mse_client(cloud: Any, region: str = "cn-hangzhou") -> MseClient:
    return MseClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_mse_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["mse"], regions=REGIONS)
    assert by_resource(findings, AUTH) == {
        "mse-cn-secure": "PASS", "mse-cn-open": "FAIL", "mse-cn-anyone": "PASS", "mse-cn-zk": "PASS",
        "mse-cn-zkopen": "FAIL", "mse-cn-eureka": "MANUAL", "mse-cn-sh": "FAIL"}
    assert by_resource(findings, NET) == {
        "mse-cn-secure": "PASS", "mse-cn-open": "FAIL", "mse-cn-anyone": "FAIL", "mse-cn-zk": "PASS",
        "mse-cn-zkopen": "PASS", "mse-cn-eureka": "PASS", "mse-cn-sh": "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert by_key[(AUTH, "mse-cn-open")].message == "Nacos authentication is off: NamingAuthEnabled false"
    assert by_key[(AUTH, "mse-cn-open")].resource_name == "legacy-nacos"
    assert by_key[(AUTH, "mse-cn-sh")].region == "cn-shanghai"
    assert "empty whitelist" in by_key[(NET, "mse-cn-open")].message
    assert "0.0.0.0/0" in by_key[(NET, "mse-cn-anyone")].message
    assert by_key[(NET, "mse-cn-secure")].message == "the public endpoint admits only 203.0.113.0/24"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["mse:QueryConfig"]))
    findings = scan(cloud, families=["mse"], ak=READER_AK, secret=READER_SECRET)
    got = by_resource(findings, AUTH)
    assert len(got) == 6 and set(got.values()) == {"ERROR"}  # every instance of the region, none silent
    assert all("NoPermission" in f.message for f in findings if f.check_id == AUTH)
    assert by_resource(findings, NET)["mse-cn-open"] == "FAIL"  # the other read still answers

    load(cloud, _deny(account(), ["mse:ListClusters"]))
    findings = scan(cloud, families=["mse"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in (AUTH, NET) for r in REGIONS)


def test_every_instance_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["mse"]["clusters"] += [{"id": f"mse-cn-bulk{i:03d}"} for i in range(60)]
    load(cloud, data)
    findings = scan(cloud, checks=[NET])
    assert len(by_resource(findings, NET)) == 6 + 60
    calls = admin.calls()
    assert calls["mse:ListClusters"] == 2 and calls["mse:QueryClusterDetail"] == 66  # PageSize 50: two pages


def test_unknown_instance_is_not_found(cloud):
    load(cloud, account())
    try:
        mse_client(cloud).query_config(mse_models.QueryConfigRequest(instance_id="mse-cn-nope"))
    except Exception as err:  # documented 404 NotFound
        assert getattr(err, "code", "") == "NotFound"
    else:
        raise AssertionError("an unknown instance was answered")
    sh = mse_client(cloud, "cn-shanghai").list_clusters(mse_models.ListClustersRequest(
        region_id="cn-shanghai", page_num=1, page_size=10)).body
    assert [c.instance_id for c in sh.data] == ["mse-cn-sh"] and sh.total_count == 1
    beijing = mse_client(cloud, "cn-beijing").list_clusters(mse_models.ListClustersRequest(
        region_id="cn-beijing", page_num=1, page_size=10)).body
    assert beijing.data == [] and beijing.total_count == 0  # a region the account does not use


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    mse = mse_client(cloud)
    mse.update_config(mse_models.UpdateConfigRequest(instance_id="mse-cn-open", naming_auth_enabled=True))
    mse.update_acl(mse_models.UpdateAclRequest(instance_id="mse-cn-open", acl_entry_list="198.51.100.7/32"))
    findings = scan(cloud, families=["mse"])
    assert by_resource(findings, AUTH)["mse-cn-open"] == "PASS"
    assert by_resource(findings, NET)["mse-cn-open"] == "PASS"
    events = [(e["eventName"], e["referencedResources"]) for e in admin.events() if e["eventName"].startswith("Update")]
    assert events == [("UpdateConfig", {"ACS::MSE::Instance": ["mse-cn-open"]}),
                      ("UpdateAcl", {"ACS::MSE::Instance": ["mse-cn-open"]})]


def test_an_eni_instance_public_through_an_eip_is_judged(cloud):
    """ConnectionType eni: public through an Elastic IP, with no public bandwidth (PubNetworkFlow "Valid when
    ConnectionType is slb"); a private network whitelist (UpdateAcl NetworkType Private) is not the public one."""
    data = account()
    data["accounts"][0]["mse"]["clusters"].append(
        {"id": "mse-cn-eni", "name": "dev-nacos", "config_auth_enabled": True, "naming_auth_enabled": True,
         "connection_type": "eni", "eip_enabled": True})
    load(cloud, data)
    mse = mse_client(cloud)
    mse.update_acl(mse_models.UpdateAclRequest(instance_id="mse-cn-eni", acl_entry_list="10.0.0.0/8",
                                               network_type="Private"))
    got = {f.resource_id: f for f in scan(cloud, checks=[NET])}
    assert got["mse-cn-eni"].status.value == "FAIL"
    mse.update_acl(mse_models.UpdateAclRequest(instance_id="mse-cn-eni", acl_entry_list="198.51.100.7/32"))
    got = {f.resource_id: f for f in scan(cloud, checks=[NET])}
    assert got["mse-cn-eni"].status.value == "PASS"
