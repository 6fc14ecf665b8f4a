"""API Gateway checks (anonymous published APIs, plain-HTTP APIs, weak HTTPS policies of groups) through the scan
entry point against the emulated CloudAPI, a denied API giving ERROR findings, paging, and the remediating writes:
an API is judged on what each stage it is published to serves (DescribeDeployedApi per stage, TEST and PRE as well as
RELEASE), so a draft changed with ModifyApi counts only once DeployApi publishes it."""

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
            {"id": G_OLD, "name": "legacy", "https_policy": "HTTPS1_1_TLS1_0", "custom_domains": ["old.shop.example"]},
            {"id": G_SH, "name": "partners", "region": "cn-shanghai", "https_policy": "HTTPS2_TLS1_3",
             "custom_domains": ["partners.shop.example"]},
            # weak policies that take effect nowhere: no custom domain, or one bound without a certificate
            {"id": "d" * 32, "name": "bare", "https_policy": "HTTPS2_TLS1_0"},
            {"id": "e" * 32, "name": "plain", "https_policy": "HTTPS2_TLS1_0", "custom_domains": ["plain.example"],
             "uncertified_domains": ["plain.example"]},
        ],
        "apis": [
            {"id": "api-signed", "name": "orders", "group_id": G_SHOP, "stages": ["RELEASE", "TEST"]},
            {"id": "api-anon", "name": "catalog", "group_id": G_SHOP, "auth_type": "ANONYMOUS",
             "protocol": "HTTP,HTTPS", "stages": ["RELEASE"]},
            # the documented DescribeDeployedApi sample's pair: VPC calls only, over HTTP
            {"id": "api-anon-vpc", "name": "internal", "group_id": G_SHOP, "auth_type": "ANONYMOUS",
             "disable_internet": True, "protocol": "HTTP", "stages": ["RELEASE"]},
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
    # api-draft is on TEST only: TEST answers Internet callers too (X-Ca-Stage)
    assert by_resource(findings, AUTH) == {"api-signed": "PASS", "api-anon": "FAIL", "api-anon-vpc": "PASS",
                                           "api-draft": "FAIL", "api-sh": "PASS"}
    assert by_resource(findings, HTTPS) == {"api-signed": "PASS", "api-anon": "FAIL", "api-anon-vpc": "PASS",
                                            "api-draft": "FAIL", "api-sh": "PASS"}
    assert by_resource(findings, TLS) == {G_SHOP: "PASS", G_OLD: "FAIL", G_SH: "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    anon = by_key[(AUTH, "api-anon")]
    assert anon.resource_name == "catalog" and anon.severity.value == "high" and "ANONYMOUS" in anon.message
    assert by_key[(HTTPS, "api-anon")].message == "RELEASE: accepts plain HTTP (RequestProtocol HTTP,HTTPS)"
    assert by_key[(HTTPS, "api-draft")].message == "TEST: accepts plain HTTP (RequestProtocol HTTP)"
    assert by_key[(AUTH, "api-draft")].message == "TEST: ANONYMOUS and callable from the Internet"
    assert by_key[(AUTH, "api-signed")].message == ("RELEASE: requires APP authentication; TEST: requires APP "
                                                   "authentication")
    assert by_key[(HTTPS, "api-anon")].details["stages"] == "RELEASE"
    assert by_key[(TLS, G_OLD)].message == ("HTTPS security policy HTTPS1_1_TLS1_0 accepts TLS 1.0 (custom domains "
                                            "with a certificate: old.shop.example)")
    assert "api.shop.example" in by_key[(TLS, G_SHOP)].message
    assert by_key[(TLS, G_SH)].region == "cn-shanghai" and by_key[(AUTH, "api-sh")].region == "cn-shanghai"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["apigateway:DescribeDeployedApi", "apigateway:DescribeApi",
                                  "apigateway:DescribeApiGroup"]))
    findings = scan(cloud, families=["apigateway"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, AUTH) == {a: "ERROR" for a in ("api-signed", "api-anon", "api-anon-vpc", "api-draft")}
    assert set(by_resource(findings, HTTPS).values()) == {"ERROR"} and len(by_resource(findings, HTTPS)) == 4
    assert by_resource(findings, TLS) == {g: "ERROR" for g in (G_SHOP, G_OLD, "d" * 32, "e" * 32)}
    assert all("NoPermission" in f.message for f in findings)

    # without DescribeDeployedApi every published API is ERROR: its draft (DescribeApi) is no stand-in
    load(cloud, _deny(account(), ["apigateway:DescribeDeployedApi"]))
    findings = scan(cloud, families=["apigateway"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, AUTH) == {a: "ERROR" for a in ("api-signed", "api-anon", "api-anon-vpc", "api-draft")}
    assert by_resource(findings, HTTPS) == by_resource(findings, AUTH)
    assert by_key_message(findings, AUTH, "api-anon").startswith("RELEASE: could not read the published definition: "
                                                                 "NoPermission")

    load(cloud, _deny(account(), ["apigateway:DescribeApis", "apigateway:DescribeApiGroups"]))
    findings = scan(cloud, families=["apigateway"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in (AUTH, HTTPS, TLS) for r in REGIONS)


def by_key_message(findings: list[Any], check_id: str, resource_id: str) -> str:
    return next(f.message for f in findings if f.check_id == check_id and f.resource_id == resource_id)


def test_every_api_and_group_is_paged_to_the_end(cloud, admin):
    data = account()
    section = data["accounts"][0]["cloudapi"]
    section["groups"] += [{"id": f"{i:032x}", "name": f"bulk{i}", "custom_domains": [f"b{i}.example"]}
                          for i in range(55)]
    section["apis"] += [{"id": f"api-bulk{i:03d}", "group_id": G_OLD, "stages": ["TEST"]} for i in range(60)]
    section["apis"] += [{"id": "api-unpublished", "group_id": G_OLD}]  # callable nowhere: no finding
    load(cloud, data)
    findings = scan(cloud, checks=[HTTPS, TLS])
    assert len(by_resource(findings, HTTPS)) == 4 + 60 and len(by_resource(findings, TLS)) == 2 + 55
    calls = admin.calls()
    assert calls["cloudapi:DescribeApis"] == 2  # PageSize 50
    # each published stage read as it serves the API (api-signed: RELEASE and TEST), no draft read at all
    assert calls["cloudapi:DescribeDeployedApi"] == 5 + 60 and "cloudapi:DescribeApi" not in calls
    assert calls["cloudapi:DescribeApiGroups"] == 2 and calls["cloudapi:DescribeApiGroup"] == 4 + 55


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
    deployed = (
        (gw_models.DescribeDeployedApiRequest(api_id="nope", stage_name="RELEASE"), "NotFoundApi"),
        # published to TEST only: RELEASE has no definition of it (undocumented code, see the emulator)
        (gw_models.DescribeDeployedApiRequest(group_id=G_OLD, api_id="api-draft", stage_name="RELEASE"),
         "NotFoundStage"),
        (gw_models.DescribeDeployedApiRequest(api_id="api-signed", stage_name="PROD"), "InvalidParameter"))
    for request, code in deployed:
        try:
            gw.describe_deployed_api(request)
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
    # the review's defect: the draft of api-anon is APP and HTTPS now, but it is not published: RELEASE still serves
    # it ANONYMOUS over HTTP and HTTPS, and the checks still FAIL (they PASSed on the draft before)
    assert by_resource(findings, AUTH)["api-anon"] == "FAIL" and by_resource(findings, HTTPS)["api-anon"] == "FAIL"
    assert by_resource(findings, TLS)[G_OLD] == "PASS"
    assert by_resource(findings, AUTH)["api-draft"] == "FAIL"  # published now, and still anonymous
    draft = gw.describe_api(gw_models.DescribeApiRequest(group_id=G_SHOP, api_id="api-anon")).body
    served = gw.describe_deployed_api(gw_models.DescribeDeployedApiRequest(
        group_id=G_SHOP, api_id="api-anon", stage_name="RELEASE")).body
    assert (draft.auth_type, draft.request_config.request_protocol) == ("APP", "HTTPS")
    assert (served.auth_type, served.request_config.request_protocol) == ("ANONYMOUS", "HTTP,HTTPS")

    gw.deploy_api(gw_models.DeployApiRequest(group_id=G_SHOP, api_id="api-anon", stage_name="RELEASE",
                                             description="require app auth"))
    findings = scan(cloud, families=["apigateway"])
    assert by_resource(findings, AUTH)["api-anon"] == "PASS" and by_resource(findings, HTTPS)["api-anon"] == "PASS"
    served = gw.describe_deployed_api(gw_models.DescribeDeployedApiRequest(
        group_id=G_SHOP, api_id="api-anon", stage_name="RELEASE")).body
    assert (served.auth_type, served.request_config.request_protocol, served.stage_name) == ("APP", "HTTPS", "RELEASE")
    names = [e["eventName"] for e in admin.events() if e["serviceName"] not in ("Ram", "Sts")]
    assert names == ["ModifyApi", "ModifyApiGroupNetworkPolicy", "DeployApi", "DeployApi"]


def test_release_serves_its_published_definition_until_the_draft_is_published(cloud):
    """A scenario may give a stage a definition apart from the draft (`published`): the draft switched to APP and
    HTTPS, RELEASE still serving the ANONYMOUS HTTP version. DescribeApi answers the draft, DescribeDeployedApi (JSON
    types of the SDK model) what RELEASE serves, and the checks follow RELEASE; AbolishApi takes RELEASE away."""
    data = account()
    data["accounts"][0]["cloudapi"]["apis"].append(
        {"id": "api-pending", "name": "pending", "group_id": G_SHOP, "auth_type": "APP", "protocol": "HTTPS",
         "stages": ["RELEASE"], "published": {"RELEASE": {"name": "pending", "auth_type": "ANONYMOUS",
                                                          "protocol": "HTTP", "deployed": "2024-05-01T08:00:00Z"}}})
    load(cloud, data)
    gw = gw_client(cloud)
    served = gw.describe_deployed_api(gw_models.DescribeDeployedApiRequest(api_id="api-pending",
                                                                           stage_name="RELEASE")).body
    assert (served.api_id, served.group_id, served.stage_name, served.auth_type) == (
        "api-pending", G_SHOP, "RELEASE", "ANONYMOUS")
    assert served.disable_internet is False and served.force_nonce_check is False
    assert served.request_config.request_protocol == "HTTP" and served.deployed_time == "2024-05-01T08:00:00Z"
    assert gw.describe_api(gw_models.DescribeApiRequest(api_id="api-pending")).body.auth_type == "APP"
    findings = scan(cloud, checks=[AUTH, HTTPS])
    assert (by_resource(findings, AUTH)["api-pending"], by_resource(findings, HTTPS)["api-pending"]) == ("FAIL", "FAIL")

    gw.deploy_api(gw_models.DeployApiRequest(group_id=G_SHOP, api_id="api-pending", stage_name="RELEASE",
                                             description="publish the draft"))
    findings = scan(cloud, checks=[AUTH, HTTPS])
    assert (by_resource(findings, AUTH)["api-pending"], by_resource(findings, HTTPS)["api-pending"]) == ("PASS", "PASS")

    gw.abolish_api(gw_models.AbolishApiRequest(group_id=G_SHOP, api_id="api-pending", stage_name="RELEASE"))
    try:
        gw.describe_deployed_api(gw_models.DescribeDeployedApiRequest(api_id="api-pending", stage_name="RELEASE"))
    except Exception as err:
        assert getattr(err, "code", "") == "NotFoundStage"
    else:
        raise AssertionError("expected NotFoundStage")
    findings = scan(cloud, checks=[AUTH, HTTPS])
    # published to no stage any more: callable nowhere, so neither check judges its draft
    assert "api-pending" not in by_resource(findings, AUTH) and "api-pending" not in by_resource(findings, HTTPS)


JWT_DATA = "parameter: Authorization\nparameterLocation: header\nclaimParameters: []\njwk:\n  kty: RSA\n  e: AQAB\n"


def test_authentication_plugins_decide_anonymous_apis(cloud, admin):
    """An ANONYMOUS API reachable from the Internet is authenticated by a JWT plug-in bound to it in that stage
    (DescribePluginsByApi; bindings take effect without publishing again), unless the plug-in lets requests without
    a token through (bypassEmptyToken); a throttling plug-in authenticates nobody."""
    data = account()
    section = data["accounts"][0]["cloudapi"]
    section["plugins"] = [
        {"id": "p-jwt", "name": "jwt_strict", "type": "jwtAuth", "data": JWT_DATA},
        {"id": "p-lenient", "name": "jwt_lenient", "type": "jwtAuth",
         "data": json.dumps({"parameter": "Authorization", "bypassEmptyToken": True})},
        {"id": "p-limit", "name": "limit", "type": "trafficControl", "data": '{"unit": "MINUTE", "apiDefault": 20}'},
    ]
    section["apis"] += [
        {"id": "api-jwt", "name": "jwt", "group_id": G_SHOP, "auth_type": "ANONYMOUS", "stages": ["RELEASE"],
         "plugins": {"RELEASE": ["p-jwt", "p-limit"]}},
        {"id": "api-lenient", "name": "lenient", "group_id": G_SHOP, "auth_type": "ANONYMOUS", "stages": ["RELEASE"],
         "plugins": {"RELEASE": ["p-lenient"]}},
        # bound in TEST only: RELEASE is still anonymous
        {"id": "api-jwt-test", "name": "jwt-test", "group_id": G_SHOP, "auth_type": "ANONYMOUS",
         "stages": ["RELEASE", "TEST"], "plugins": {"TEST": ["p-jwt"]}},
    ]
    load(cloud, data)
    findings = scan(cloud, checks=[AUTH])
    got = by_resource(findings, AUTH)
    assert {k: got[k] for k in ("api-jwt", "api-lenient", "api-jwt-test", "api-anon")} == {
        "api-jwt": "PASS", "api-lenient": "FAIL", "api-jwt-test": "FAIL", "api-anon": "FAIL"}
    messages = {f.resource_id: f.message for f in findings}
    assert messages["api-jwt"] == "RELEASE: ANONYMOUS, authenticated by the JWT plug-in jwt_strict"
    assert "bypassEmptyToken" in messages["api-lenient"] and "jwt_lenient" in messages["api-lenient"]
    assert messages["api-jwt-test"] == "RELEASE: ANONYMOUS and callable from the Internet"
    assert "jwt" not in " ".join(str(f.details) for f in findings)  # (no plug-in definition in any finding)
    calls = admin.calls()
    # asked only where the verdict depends on it: ANONYMOUS stages callable from the Internet
    assert calls["cloudapi:DescribePluginsByApi"] == 6

    # remediation: a JWT plug-in created and bound to the anonymous API in RELEASE, no publishing needed
    gw = gw_client(cloud)
    pid = gw.create_plugin(gw_models.CreatePluginRequest(plugin_name="jwt_catalog", plugin_type="jwtAuth",
                                                         plugin_data=JWT_DATA)).body.plugin_id
    gw.attach_plugin(gw_models.AttachPluginRequest(plugin_id=pid, group_id=G_SHOP, api_ids="api-anon",
                                                   stage_name="RELEASE"))
    assert by_resource(scan(cloud, checks=[AUTH]), AUTH)["api-anon"] == "PASS"
    gw.detach_plugin(gw_models.DetachPluginRequest(plugin_id=pid, group_id=G_SHOP, api_id="api-anon",
                                                   stage_name="RELEASE"))
    assert by_resource(scan(cloud, checks=[AUTH]), AUTH)["api-anon"] == "FAIL"
    listed = gw.describe_plugins_by_api(gw_models.DescribePluginsByApiRequest(
        group_id=G_SHOP, api_id="api-jwt", stage_name="RELEASE", page_size=1)).body
    assert (listed.total_count, listed.page_size, len(listed.plugins.plugin_attribute)) == (2, 1, 1)
    names = [e["eventName"] for e in admin.events() if e["serviceName"] not in ("Ram", "Sts")]
    assert names == ["CreatePlugin", "AttachPlugin", "DetachPlugin"]

    # the plug-ins unreadable: the anonymous APIs are ERROR, not FAIL and not PASS
    load(cloud, _deny(data, ["apigateway:DescribePluginsByApi"]))
    got = by_resource(scan(cloud, checks=[AUTH], ak=READER_AK, secret=READER_SECRET), AUTH)
    assert {k: got[k] for k in ("api-jwt", "api-anon", "api-anon-vpc", "api-signed")} == {
        "api-jwt": "ERROR", "api-anon": "ERROR", "api-anon-vpc": "PASS", "api-signed": "PASS"}


def test_websocket_is_a_documented_protocol(cloud):
    load(cloud, account())
    gw = gw_client(cloud)
    gw.modify_api(gw_models.ModifyApiRequest(group_id=G_SHOP, api_id="api-signed",
                                             request_config=json.dumps({"RequestProtocol": "WebSocket"})))
    gw.deploy_api(gw_models.DeployApiRequest(group_id=G_SHOP, api_id="api-signed", stage_name="RELEASE",
                                             description="websocket"))
    served = gw.describe_deployed_api(gw_models.DescribeDeployedApiRequest(
        group_id=G_SHOP, api_id="api-signed", stage_name="RELEASE")).body
    assert served.request_config.request_protocol == "WebSocket"
    got = {f.resource_id: f for f in scan(cloud, checks=[HTTPS])}
    assert got["api-signed"].status.value == "MANUAL" and "websocket" in got["api-signed"].message.lower()
