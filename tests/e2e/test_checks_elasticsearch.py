"""Elasticsearch checks (public endpoint and Kibana whitelists) through the scan entry point, plus the emulator's
writes that remediate them. The API is ROA (GET /openapi/instances...), served by path."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_elasticsearch20170613 import models as es_models
from alibabacloud_elasticsearch20170613.client import Client as EsClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
_P, _K = "elasticsearch_instance_public_access_restricted", "elasticsearch_kibana_public_access_restricted"


def clusters() -> list[dict[str, Any]]:
    return [
        {"id": "es-cn-private001", "description": "search"},  # defaults: no public access, Kibana 127.0.0.1/::1
        {"id": "es-cn-office0001", "description": "logs", "public_enabled": True,
         "public_whitelist": ["203.0.113.0/24"], "kibana_whitelist": ["203.0.113.0/24"]},
        {"id": "es-cn-open000001", "description": "legacy", "public_enabled": True, "public_whitelist": ["0.0.0.0/0"],
         "kibana_whitelist": ["0.0.0.0/0"]},
        {"id": "es-cn-empty00001", "description": "staging", "public_enabled": True, "kibana_whitelist": []},
        {"id": "es-cn-sh00000001", "description": "analytics", "region": "cn-shanghai", "kibana_whitelist": ["::/0"]},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, elasticsearch={"instances": clusters()})


def es_client(cloud, region: str = "cn-hangzhou") -> EsClient:
    return EsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                               region_id=region))


def test_elasticsearch_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["elasticsearch"], regions=REGIONS)
    assert by_resource(findings, _P) == {
        "es-cn-private001": "PASS", "es-cn-office0001": "PASS", "es-cn-open000001": "FAIL",
        "es-cn-empty00001": "PASS", "es-cn-sh00000001": "PASS"}
    assert by_resource(findings, _K) == {
        "es-cn-private001": "PASS", "es-cn-office0001": "PASS", "es-cn-open000001": "FAIL",
        "es-cn-empty00001": "MANUAL", "es-cn-sh00000001": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert "0.0.0.0/0" in by_key[(_P, "es-cn-open000001")].message
    assert "::/0" in by_key[(_K, "es-cn-sh00000001")].message
    assert by_key[(_K, "es-cn-sh00000001")].region == "cn-shanghai"
    assert by_key[(_P, "es-cn-office0001")].resource_name == "logs"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["elasticsearch:DescribeInstance"]))
    findings = scan(cloud, families=["elasticsearch"], ak=READER_AK, secret=READER_SECRET)
    for check_id in (_P, _K):
        got = by_resource(findings, check_id)
        assert len(got) == 4 and set(got.values()) == {"ERROR"}
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["elasticsearch:ListInstance"]))
    findings = scan(cloud, families=["elasticsearch"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in (_P, _K) for r in REGIONS)


def test_every_cluster_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["elasticsearch"]["instances"] += [{"id": f"es-cn-bulk{i:04d}"} for i in range(110)]
    load(cloud, data)
    findings = scan(cloud, checks=[_P])
    assert len(by_resource(findings, _P)) == 4 + 110
    assert admin.calls()["elasticsearch:ListInstance"] == 2  # size 100: two pages


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    es = es_client(cloud)
    es.update_public_white_ips("es-cn-open000001", es_models.UpdatePublicWhiteIpsRequest(
        body=json.dumps({"publicIpWhitelist": ["198.51.100.0/24"]}), modify_mode="Cover"))
    es.trigger_network("es-cn-open000001", es_models.TriggerNetworkRequest(
        node_type="KIBANA", network_type="PUBLIC", action_type="CLOSE"))
    es_client(cloud, "cn-shanghai").update_kibana_white_ips("es-cn-sh00000001", es_models.UpdateKibanaWhiteIpsRequest(
        kibana_ipwhitelist=["192.0.2.0/28"]))
    findings = scan(cloud, families=["elasticsearch"], regions=REGIONS)
    assert by_resource(findings, _P)["es-cn-open000001"] == "PASS"
    assert by_resource(findings, _K)["es-cn-open000001"] == "PASS"
    assert by_resource(findings, _K)["es-cn-sh00000001"] == "PASS"
    events = [e for e in admin.events() if e["serviceName"] == "Elasticsearch"]
    assert [(e["eventName"], e["acsRegion"], e["referencedResources"]) for e in events] == [
        ("UpdatePublicWhiteIps", "cn-hangzhou", {"ACS::Elasticsearch::Instance": ["es-cn-open000001"]}),
        ("TriggerNetwork", "cn-hangzhou", {"ACS::Elasticsearch::Instance": ["es-cn-open000001"]}),
        ("UpdateKibanaWhiteIps", "cn-shanghai", {"ACS::Elasticsearch::Instance": ["es-cn-sh00000001"]})]


def test_unknown_cluster_is_not_found(cloud):
    load(cloud, account())
    try:  # es-cn-sh00000001 lives in cn-shanghai
        es_client(cloud).describe_instance("es-cn-sh00000001")
    except Exception as err:
        assert getattr(err, "code", "") == "InstanceNotFound"
    else:
        raise AssertionError("a cluster of cn-shanghai was described in cn-hangzhou")
