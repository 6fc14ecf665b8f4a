"""Redis checks (whitelist, password-free access, TLS, TDE) through the scan entry point against the emulated
r-kvstore API (central host r-kvstore.aliyuncs.com for cn-hangzhou, r-kvstore.<region>.aliyuncs.com elsewhere),
plus the emulator's writes that remediate them."""

from __future__ import annotations

import copy
from typing import Any

from alibabacloud_r_kvstore20150101 import models as kv_models
from alibabacloud_r_kvstore20150101.client import Client as KvClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
CHECKS = ("redis_instance_whitelist_not_open", "redis_instance_password_free_access_disabled",
          "redis_instance_ssl_enabled", "redis_instance_tde_enabled")


def instances() -> list[dict[str, Any]]:
    return [
        {"id": "r-good", "name": "sessions", "whitelist": [{"name": "default", "ips": ["10.0.0.0/8"]}],
         "ssl": "Enable", "tde_status": "Enabled"},
        {"id": "r-open", "whitelist": [{"name": "default", "ips": ["127.0.0.1"]},
                                       {"name": "app", "ips": ["10.1.0.0/16", "0.0.0.0/0"]}],
         "endpoints": [{"connection_string": "r-open.redis.rds.aliyuncs.com", "ip_type": "Private"},
                       {"connection_string": "r-open-pub.redis.rds.aliyuncs.com", "ip_type": "Public",
                        "ip_address": "47.1.2.3"}],
         "vpc_auth_mode": "Close"},
        {"id": "r-memcache", "instance_type": "Memcache", "engine_version": "1.0", "ssl_supported": False,
         "tde_supported": False},
        {"id": "r-sh", "region": "cn-shanghai", "whitelist": [{"name": "default", "ips": ["0.0.0.0/1", "128.0.0.0/1"]}],
         "ssl": "Enable"},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, kvstore={"instances": instances()})


def kv_client(cloud, region: str = "cn-hangzhou") -> KvClient:
    return KvClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                               region_id=region))


def test_redis_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["redis"], regions=REGIONS)
    assert by_resource(findings, "redis_instance_whitelist_not_open") == {
        "r-good": "PASS", "r-open": "FAIL", "r-memcache": "PASS", "r-sh": "FAIL"}
    assert by_resource(findings, "redis_instance_password_free_access_disabled") == {
        "r-good": "PASS", "r-open": "FAIL", "r-memcache": "PASS", "r-sh": "PASS"}
    # Memcache has no TLS ("Enable TLS encryption" prerequisites): not applicable, not a FAIL
    assert by_resource(findings, "redis_instance_ssl_enabled") == {
        "r-good": "PASS", "r-open": "FAIL", "r-memcache": "MANUAL", "r-sh": "PASS"}
    # the Memcache instance says IsSupportTDE false: no TDE finding
    assert by_resource(findings, "redis_instance_tde_enabled") == {"r-good": "PASS", "r-open": "FAIL", "r-sh": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    opened = by_key[("redis_instance_whitelist_not_open", "r-open")]
    assert "app: 0.0.0.0/0" in opened.message and "r-open-pub.redis.rds.aliyuncs.com" in opened.message
    assert opened.severity.value == "critical" and opened.resource_type == "redis:instance"
    halves = by_key[("redis_instance_whitelist_not_open", "r-sh")]
    assert halves.region == "cn-shanghai" and "no public endpoint" in halves.message
    assert by_key[("redis_instance_whitelist_not_open", "r-good")].resource_name == "sessions"
    assert "VpcAuthMode Close" in by_key[("redis_instance_password_free_access_disabled", "r-open")].message
    assert "Memcache" in by_key[("redis_instance_ssl_enabled", "r-memcache")].message


def test_an_answer_without_any_whitelist_group_is_unknown(cloud):
    # every instance has its default group: an answer with none says nothing about who is admitted
    data = account()
    data["accounts"][0]["kvstore"]["instances"].append({"id": "r-bare", "whitelist": []})
    load(cloud, data)
    findings = scan(cloud, checks=["redis_instance_whitelist_not_open"])
    assert by_resource(findings, "redis_instance_whitelist_not_open")["r-bare"] == "ERROR"
    assert "no whitelist group" in next(f.message for f in findings if f.resource_id == "r-bare")


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["kvstore:DescribeInstanceSSL", "kvstore:DescribeSecurityIps"]))
    findings = scan(cloud, families=["redis"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "redis_instance_whitelist_not_open") == {
        "r-good": "ERROR", "r-open": "ERROR", "r-memcache": "ERROR"}  # none silent
    # Memcache is not asked for TLS: its MANUAL does not depend on the call
    assert by_resource(findings, "redis_instance_ssl_enabled") == {
        "r-good": "ERROR", "r-open": "ERROR", "r-memcache": "MANUAL"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    # the other aspects were read
    assert by_resource(findings, "redis_instance_password_free_access_disabled")["r-open"] == "FAIL"

    load(cloud, _deny(account(), ["kvstore:DescribeInstances"]))
    findings = scan(cloud, families=["redis"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in CHECKS for r in REGIONS)


def test_instances_are_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["kvstore"]["instances"] += [{"id": f"r-bulk{i:03d}"} for i in range(60)]
    load(cloud, data)
    findings = scan(cloud, checks=["redis_instance_ssl_enabled"])
    assert len(by_resource(findings, "redis_instance_ssl_enabled")) == 3 + 60
    # PageSize 50: two pages of Redis instances, one page for each other listing (Tair, Memcache, the four Tair
    # series, Tair and Redis children)
    assert admin.calls()["kvstore:DescribeInstances"] == 2 + 8


def test_every_engine_and_distributed_children_are_listed(cloud, admin):
    """DescribeInstances lists Redis instances unless told otherwise (its InstanceType default) and no child instance
    of a distributed instance unless asked (GlobalInstance): open Tair, Memcache and child instances still FAIL."""
    data = base_scenario(regions=REGIONS, kvstore={"instances": [
        {"id": "r-redis", "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
        {"id": "r-tair", "instance_type": "Tair", "instance_class": "tair.rdb.2g",
         "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
        {"id": "r-memcache", "instance_type": "Memcache", "engine_version": "1.0", "ssl_supported": False,
         "tde_supported": False, "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
        {"id": "r-child", "region": "cn-shanghai", "instance_type": "Tair", "instance_class": "tair.rdb.2g",
         "global_instance_id": "gr-bp14rkqrhac0001", "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
        # a Tair series by its own InstanceType (the request enumeration's tair_rdb)
        {"id": "r-tairrdb", "instance_type": "tair_rdb", "instance_class": "tair.rdb.2g",
         "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
    ]})
    load(cloud, data)
    findings = scan(cloud, checks=["redis_instance_whitelist_not_open"], regions=REGIONS)
    assert by_resource(findings, "redis_instance_whitelist_not_open") == {
        "r-redis": "FAIL", "r-tair": "FAIL", "r-memcache": "FAIL", "r-child": "FAIL", "r-tairrdb": "FAIL"}
    assert admin.calls()["kvstore:DescribeInstances"] == 9 * len(REGIONS)  # one listing each, per region


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    kv = kv_client(cloud)
    kv.modify_security_ips(kv_models.ModifySecurityIpsRequest(
        instance_id="r-open", security_ip_group_name="app", security_ips="10.1.0.0/16", modify_mode="Cover"))
    kv.modify_instance_vpc_auth_mode(kv_models.ModifyInstanceVpcAuthModeRequest(instance_id="r-open",
                                                                                vpc_auth_mode="Open"))
    kv.modify_instance_ssl(kv_models.ModifyInstanceSSLRequest(instance_id="r-open", sslenabled="Enable"))
    kv.modify_instance_tde(kv_models.ModifyInstanceTDERequest(instance_id="r-open", tdestatus="Enabled"))
    findings = scan(cloud, families=["redis"])
    assert {c: by_resource(findings, c)["r-open"] for c in CHECKS} == {c: "PASS" for c in CHECKS}
    events = [e for e in admin.events() if e["eventName"].startswith("Modify")]
    assert [e["eventName"] for e in events] == [
        "ModifySecurityIps", "ModifyInstanceVpcAuthMode", "ModifyInstanceSSL", "ModifyInstanceTDE"]
    assert {e["acsRegion"] for e in events} == {"cn-hangzhou"}


def test_regional_host_serves_its_region(cloud):
    load(cloud, account())
    sh = kv_client(cloud, "cn-shanghai")  # r-kvstore.cn-shanghai.aliyuncs.com
    body = sh.describe_instances(kv_models.DescribeInstancesRequest(region_id="cn-shanghai")).body
    assert [i.instance_id for i in body.instances.kvstore_instance] == ["r-sh"] and body.total_count == 1
    try:
        sh.describe_security_ips(kv_models.DescribeSecurityIpsRequest(instance_id="r-good"))
    except Exception as err:  # an instance of another region is not found on this region's host
        assert getattr(err, "code", "") == "InvalidInstanceId.NotFound"
    else:
        raise AssertionError("an instance of cn-hangzhou was described on the cn-shanghai endpoint")
    # a public region the account does not use answers an empty list
    de = kv_client(cloud, "eu-central-1")
    assert de.describe_instances(kv_models.DescribeInstancesRequest(region_id="eu-central-1")).body.total_count == 0


# --- review 23: TLS and TDE where the series has none, answers without the deciding field --------------------------

def test_tls_and_tde_applicability_and_partial_answers(cloud, admin):
    data = account()
    data["accounts"][0]["kvstore"]["instances"] += [
        # single-replica and disk-based: no TLS ("Enable TLS encryption" prerequisites), not asked
        {"id": "r-single", "node_type": "single"},
        {"id": "r-essd", "instance_type": "Tair", "instance_class": "tair.essd.standard.xlarge"},
        # a Redis 4.0 master-replica instance: DescribeInstanceSSL answers the documented IncorrectEngineVersion
        {"id": "r-old", "engine_version": "4.0", "ssl_supported": False},
        # answers without SSLEnabled and TDEStatus: unknown, not off
        {"id": "r-blank", "ssl": "", "tde_status": ""},
        # IsSupportTDE not answered: an open-source instance has no TDE; a Tair memory-optimized one is judged
        {"id": "r-oss-unknown", "tde_supported": None},
        {"id": "r-tair-unknown", "instance_type": "Tair", "instance_class": "tair.rdb.1g", "tde_supported": None,
         "ssl": "Enable"},
    ]
    load(cloud, data)
    findings = scan(cloud, checks=["redis_instance_ssl_enabled", "redis_instance_tde_enabled"], regions=REGIONS)
    ssl = by_resource(findings, "redis_instance_ssl_enabled")
    assert {k: ssl[k] for k in ("r-single", "r-essd", "r-old", "r-blank", "r-tair-unknown")} == {
        "r-single": "MANUAL", "r-essd": "MANUAL", "r-old": "FAIL", "r-blank": "ERROR", "r-tair-unknown": "PASS"}
    tde = by_resource(findings, "redis_instance_tde_enabled")
    assert tde["r-blank"] == "ERROR" and tde["r-tair-unknown"] == "FAIL" and "r-oss-unknown" not in tde
    msgs = {(f.check_id, f.resource_id): f.message for f in findings}
    assert "single-replica (NodeType single)" in msgs[("redis_instance_ssl_enabled", "r-single")]
    assert "IncorrectEngineVersion" in msgs[("redis_instance_ssl_enabled", "r-old")]
    assert "no SSLEnabled" in msgs[("redis_instance_ssl_enabled", "r-blank")]
    assert "no TDEStatus" in msgs[("redis_instance_tde_enabled", "r-blank")]
    # the series without TLS are not asked: 4 + 6 instances, minus Memcache, single-replica and disk-based
    assert admin.calls()["kvstore:DescribeInstanceSSL"] == 10 - 3
    # the emulator refuses TLS where the prerequisites exclude it, with the documented 403
    kv = kv_client(cloud)
    try:
        kv.modify_instance_ssl(kv_models.ModifyInstanceSSLRequest(instance_id="r-single", sslenabled="Enable"))
    except Exception as err:
        assert getattr(err, "code", "") == "IncorrectEngineVersion"
    else:
        raise AssertionError("TLS was enabled on a single-replica instance")


TEMPLATES = [{"id": "g-zsldxfiwjmti0kcm0001", "name": "partners", "ips": ["0.0.0.0/0"]},
             {"id": "g-zsldxfiwjmti0kcm0002", "name": "office", "ips": ["192.168.0.0/16"]}]


def test_linked_global_ip_whitelist_templates_are_judged(cloud, admin):
    """A template linked to an instance admits its addresses (DescribeGlobalSecurityIPGroupRelation): one open to the
    world fails an instance whose own groups are closed, a closed one passes with it; when the relation cannot be read,
    closed groups are ERROR. Memcache is not asked (the template guides are Tair's and Redis's)."""
    data = account()
    state = data["accounts"][0]["kvstore"]
    state["global_ip_templates"] = TEMPLATES
    state["instances"].append({"id": "r-office", "whitelist": [{"name": "default", "ips": ["10.0.0.0/8"]}],
                               "global_ip_templates": ["g-zsldxfiwjmti0kcm0002"]})
    for inst in state["instances"]:
        if inst["id"] == "r-good":
            inst["global_ip_templates"] = ["g-zsldxfiwjmti0kcm0001", "g-zsldxfiwjmti0kcm0002"]
    denied_data = _deny(copy.deepcopy(data), ["kvstore:DescribeGlobalSecurityIPGroupRelation"])
    load(cloud, data)
    findings = scan(cloud, checks=["redis_instance_whitelist_not_open"], regions=REGIONS)
    verdicts = by_resource(findings, "redis_instance_whitelist_not_open")
    assert verdicts["r-good"] == "FAIL" and verdicts["r-office"] == "PASS"
    msgs = {f.resource_id: f.message for f in findings}
    assert "template:partners: 0.0.0.0/0" in msgs["r-good"]
    assert msgs["r-office"].endswith("(1 linked whitelist template(s))")
    asked = len(state["instances"]) - 1  # every instance but the Memcache one
    assert admin.calls()["kvstore:DescribeGlobalSecurityIPGroupRelation"] == asked

    load(cloud, denied_data)
    findings = scan(cloud, checks=["redis_instance_whitelist_not_open"], ak=READER_AK, secret=READER_SECRET,
                    regions=REGIONS)
    denied = {f.resource_id: (f.status.value, f.message) for f in findings}
    assert denied["r-good"][0] == "ERROR" and "linked global IP whitelist templates could not be read" in \
        denied["r-good"][1]
