"""Kafka check (an instance with Internet access whose whitelist admits every address) through the scan entry point,
plus the emulator's whitelist write that remediates it."""

from __future__ import annotations

from typing import Any

from alibabacloud_alikafka20190916 import models as kafka_models
from alibabacloud_alikafka20190916.client import Client as KafkaClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
_K = "kafka_instance_public_access_restricted"


def instances() -> list[dict[str, Any]]:
    return [
        {"id": "alikafka_post-cn-vpc001", "name": "orders-events"},  # VPC only
        {"id": "alikafka_post-cn-net001", "name": "partner-feed", "deploy_type": 4,
         "internet_whitelist": {"9093/9093": ["203.0.113.0/24"]}},
        {"id": "alikafka_post-cn-open01", "name": "iot-ingest", "deploy_type": 4,
         "internet_whitelist": {"9093/9093": ["0.0.0.0/0"]}},
        {"id": "alikafka_post-cn-empty1", "name": "staging", "deploy_type": 4},  # no Internet entry
        # Confluent (DeployType 5): one with a public CONTROL_CENTER endpoint, one without
        {"id": "alikafka_pre-cn-cflt01", "name": "stream-hub", "series": "confluent",
         "components": {"CONTROL_CENTER": "pub-controlcenter-cflt01.csp.aliyuncs.com:443", "CONNECTOR": ""}},
        {"id": "alikafka_pre-cn-cflt02", "name": "stream-vpc", "series": "confluent", "components": {"CONNECTOR": ""}},
        {"id": "alikafka_post-cn-sh0001", "name": "logs", "region": "cn-shanghai", "deploy_type": 4,
         "internet_whitelist": {"9093/9093": ["0.0.0.0/1", "128.0.0.0/1"]}},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, alikafka={"instances": instances()})


def kafka_client(cloud, region: str = "cn-hangzhou") -> KafkaClient:
    return KafkaClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                  region_id=region))


def test_kafka_check_pass_and_fail(cloud, admin):
    load(cloud, account())
    findings = scan(cloud, families=["kafka"], regions=REGIONS)
    assert by_resource(findings, _K) == {
        "alikafka_post-cn-vpc001": "PASS", "alikafka_post-cn-net001": "PASS", "alikafka_post-cn-open01": "FAIL",
        "alikafka_post-cn-empty1": "MANUAL", "alikafka_post-cn-sh0001": "FAIL", "alikafka_pre-cn-cflt01": "MANUAL",
        "alikafka_pre-cn-cflt02": "PASS"}
    by_id = {f.resource_id: f for f in findings}
    assert "CONTROL_CENTER pub-controlcenter-cflt01" in by_id["alikafka_pre-cn-cflt01"].message
    assert "9093/9093: 0.0.0.0/0" in by_id["alikafka_post-cn-open01"].message
    assert by_id["alikafka_post-cn-sh0001"].region == "cn-shanghai"
    assert by_id["alikafka_post-cn-net001"].resource_name == "partner-feed"
    calls = admin.calls()  # one list per region; whitelists only of the four instances with Internet access
    assert calls["alikafka:GetInstanceList"] == 2 and calls["alikafka:GetAllowedIpList"] == 4


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["alikafka:GetAllowedIpList"]))
    findings = scan(cloud, families=["kafka"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, _K) == {
        "alikafka_post-cn-vpc001": "PASS", "alikafka_post-cn-net001": "ERROR", "alikafka_post-cn-open01": "ERROR",
        "alikafka_post-cn-empty1": "ERROR", "alikafka_pre-cn-cflt01": "MANUAL", "alikafka_pre-cn-cflt02": "PASS"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")

    load(cloud, _deny(account(), ["alikafka:GetInstanceList"]))
    findings = scan(cloud, families=["kafka"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.resource_id, f.status.value) for f in findings) == [(r, "ERROR") for r in REGIONS]


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    kafka = kafka_client(cloud)
    kafka.update_allowed_ip(kafka_models.UpdateAllowedIpRequest(
        region_id="cn-hangzhou", instance_id="alikafka_post-cn-open01", update_type="delete",
        allowed_list_type="internet", port_range="9093/9093", allowed_list_ip="0.0.0.0/0"))
    # the last entry removed: "all access through the ports in that entry is blocked"
    emptied = [f for f in scan(cloud, families=["kafka"]) if f.resource_id == "alikafka_post-cn-open01"]
    assert [(f.status.value, f.message) for f in emptied] == [
        ("PASS", "the Internet whitelist's port ranges hold no entry, which blocks all access through them")]
    kafka.update_allowed_ip(kafka_models.UpdateAllowedIpRequest(
        region_id="cn-hangzhou", instance_id="alikafka_post-cn-open01", update_type="add",
        allowed_list_type="internet", port_range="9093/9093", allowed_list_ip="198.51.100.0/24,192.0.2.10/32"))
    findings = scan(cloud, families=["kafka"])
    assert by_resource(findings, _K)["alikafka_post-cn-open01"] == "PASS"
    events = [e for e in admin.events() if e["eventName"] == "UpdateAllowedIp"]
    assert [e["referencedResources"] for e in events] == [
        {"ACS::AliKafka::Instance": ["alikafka_post-cn-open01"]}] * 2
    body = kafka.get_allowed_ip_list(kafka_models.GetAllowedIpListRequest(
        region_id="cn-hangzhou", instance_id="alikafka_post-cn-open01")).body
    assert body.allowed_list.internet_list[0].allowed_ip_list == ["198.51.100.0/24", "192.0.2.10/32"]


def test_instances_are_regional(cloud):
    load(cloud, account())
    sh = kafka_client(cloud, "cn-shanghai")
    listed = sh.get_instance_list(kafka_models.GetInstanceListRequest(region_id="cn-shanghai")).body
    assert [i.instance_id for i in listed.instance_list.instance_vo] == ["alikafka_post-cn-sh0001"]
    try:
        sh.get_allowed_ip_list(kafka_models.GetAllowedIpListRequest(region_id="cn-shanghai",
                                                                    instance_id="alikafka_post-cn-open01"))
    except Exception as err:
        assert getattr(err, "code", "") == "BIZ_INSTANCE_NOT_FOUND"
    else:
        raise AssertionError("an instance of cn-hangzhou was found in cn-shanghai")
