"""API Gateway checks (anonymous published APIs, plain-HTTP APIs, weak HTTPS policies of groups) through the scan
entry point against the emulated CloudAPI, a denied API giving ERROR findings, paging, and the remediating writes."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_cloudapi20160714 import models as gw_models
from alibabacloud_cloudapi20160714.client import Client as GatewayClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
AUTH, HTTPS, TLS = "apigateway_api_auth_required", "apigateway_api_https_only", "apigateway_group_tls_policy_strong"
G_SHOP, G_OLD, G_SH = "a" * 32, "b" * 32, "c" * 32


def cloudapi() -> dict[str, Any]:
    return {
        "groups": [
            {"id": G_SHOP, "name": "shop", "https_policy": "HTTPS2_TLS1_2", "custom_domains": ["api.shop.example"]},
            {"id": G_OLD, "name": "legacy", "https_policy": "HTTPS1_1_TLS1_0"},
            {"id": G_SH, "name": "partners", "region": "cn-shanghai", "https_policy": "HTTPS2_TLS1_3"},
        ],
        "apis": [
            {"id": "api-signed", "name": "orders", "group_id": G_SHOP, "stages": ["RELEASE", "TEST"]},
            {"id": "api-anon", "name": "catalog", "group_id": G_SHOP, "auth_type": "ANONYMOUS",
             "protocol": "HTTP,HTTPS", "stages": ["RELEASE"]},
            {"id": "api-anon-vpc", "name": "internal", "group_id": G_SHOP, "auth_type": "ANONYMOUS",
             "disable_internet": True, "stages": ["RELEASE"]},
            {"id": "api-draft", "name": "draft", "group_id": G_OLD, "auth_type": "ANONYMOUS", "protocol": "HTTP",
             "stages": ["TEST"]},
            {"id": "api-sh", "name": "partner-feed", "group_id": G_SH, "auth_type": "APPOPENID",
             "stages": ["RELEASE"]},
        ],
    }


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, cloudapi=cloudapi())


def gw_client(cloud: Any, region: str = "cn-hangzhou") -> GatewayClient:
    return GatewayClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                    region_id=region))


def test_apigateway_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["apigateway"], regions=REGIONS)
    # api-draft is only on TEST: not production exposure
    assert by_resource(findings, AUTH) == {"api-signed": "PASS", "api-anon": "FAIL", "api-anon-vpc": "PASS",
                                           "api-sh": "PASS"}
    assert by_resource(findings, HTTPS) == {"api-signed": "PASS", "api-anon": "FAIL", "api-anon-vpc": "PASS",
                                            "api-draft": "FAIL", "api-sh": "PASS"}
    assert by_resource(findings, TLS) == {G_SHOP: "PASS", G_OLD: "FAIL", G_SH: "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    anon = by_key[(AUTH, "api-anon")]
    assert anon.resource_name == "catalog" and anon.severity.value == "high" and "ANONYMOUS" in anon.message
    assert by_key[(HTTPS, "api-anon")].message == "the API accepts plain HTTP (RequestProtocol HTTP,HTTPS)"
    assert by_key[(TLS, G_OLD)].message == "HTTPS security policy HTTPS1_1_TLS1_0 accepts TLS 1.0 (no custom domain)"
    assert "api.shop.example" in by_key[(TLS, G_SHOP)].message
    assert by_key[(TLS, G_SH)].region == "cn-shanghai" and by_key[(AUTH, "api-sh")].region == "cn-shanghai"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["apigateway:DescribeApi", "apigateway:DescribeApiGroup"]))
    findings = scan(cloud, families=["apigateway"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, AUTH) == {a: "ERROR" for a in ("api-signed", "api-anon", "api-anon-vpc")}
    assert set(by_resource(findings, HTTPS).values()) == {"ERROR"} and len(by_resource(findings, HTTPS)) == 4
    assert by_resource(findings, TLS) == {G_SHOP: "ERROR", G_OLD: "ERROR"}
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["apigateway:DescribeApis", "apigateway:DescribeApiGroups"]))
    findings = scan(cloud, families=["apigateway"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in (AUTH, HTTPS, TLS) for r in REGIONS)


def test_every_api_and_group_is_paged_to_the_end(cloud, admin):
    data = account()
    section = data["accounts"][0]["cloudapi"]
    section["groups"] += [{"id": f"{i:032x}", "name": f"bulk{i}"} for i in range(55)]
    section["apis"] += [{"id": f"api-bulk{i:03d}", "group_id": G_OLD} for i in range(60)]
    load(cloud, data)
    findings = scan(cloud, checks=[HTTPS, TLS])
    assert len(by_resource(findings, HTTPS)) == 4 + 60 and len(by_resource(findings, TLS)) == 2 + 55
    calls = admin.calls()
    assert calls["cloudapi:DescribeApis"] == 2 and calls["cloudapi:DescribeApi"] == 64  # PageSize 50
    assert calls["cloudapi:DescribeApiGroups"] == 2 and calls["cloudapi:DescribeApiGroup"] == 57


def test_unknown_ids_and_regions(cloud):
    load(cloud, account())
    gw = gw_client(cloud)
    for call, code in ((lambda: gw.describe_api(gw_models.DescribeApiRequest(api_id="nope")), "NotFoundApi"),
                       (lambda: gw.describe_api_group(gw_models.DescribeApiGroupRequest(group_id=G_SH)),
                        "NotFoundApiGroup")):  # a group of another region is not found here
        try:
            call()
        except Exception as err:
            assert getattr(err, "code", "") == code
        else:
            raise AssertionError(f"expected {code}")
    beijing = gw_client(cloud, "cn-beijing").describe_apis(gw_models.DescribeApisRequest()).body
    assert beijing.total_count == 0 and beijing.api_summarys.api_summary == []


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    gw = gw_client(cloud)
    gw.modify_api(gw_models.ModifyApiRequest(group_id=G_SHOP, api_id="api-anon", auth_type="APP",
                                             request_config=json.dumps({"RequestProtocol": "HTTPS"})))
    gw.modify_api_group_network_policy(gw_models.ModifyApiGroupNetworkPolicyRequest(
        group_id=G_OLD, https_policy="HTTPS2_TLS1_2"))
    gw.deploy_api(gw_models.DeployApiRequest(group_id=G_OLD, api_id="api-draft", stage_name="RELEASE",
                                             description="go live"))
    findings = scan(cloud, families=["apigateway"])
    assert by_resource(findings, AUTH)["api-anon"] == "PASS" and by_resource(findings, HTTPS)["api-anon"] == "PASS"
    assert by_resource(findings, TLS)[G_OLD] == "PASS"
    assert by_resource(findings, AUTH)["api-draft"] == "FAIL"  # published now, and still anonymous
    names = [e["eventName"] for e in admin.events() if e["serviceName"] not in ("Ram", "Sts")]
    assert names == ["ModifyApi", "ModifyApiGroupNetworkPolicy", "DeployApi"]
