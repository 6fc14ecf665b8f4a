"""CDN checks (HTTPS forced, TLS 1.0/1.1 off) through the scan entry point, plus the CDN emulator's writes that
remediate them. CDN is global: one finding per domain, collected once whatever regions are scanned."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_cdn20180510 import models as cdn_models
from alibabacloud_cdn20180510.client import Client as CdnClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
STRONG = {"tls10": "off", "tls11": "off", "tls12": "on", "tls13": "on"}
_H, _T = "cdn_domain_https_enforced", "cdn_domain_tls_version_strong"


def domains() -> list[dict[str, Any]]:
    return [
        {"name": "www.example.com", "ssl_protocol": "on",
         "configs": {"https_force": {"args": {"enable": "on", "https_rewrite": "301"}},
                     "https_tls_version": {"args": STRONG}}},
        {"name": "plain.example.com"},  # HTTPS off
        {"name": "static.example.com", "ssl_protocol": "on", "cdn_type": "download",
         "configs": {"https_tls_version": {"args": {**STRONG, "tls11": "on"}}}},  # no redirect, TLS 1.1 on
        {"name": "img.example.com", "ssl_protocol": "on",
         "configs": {"https_force": {"args": {"enable": "off"}}}},  # redirect off, TLS default (all on)
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, cdn={"domains": domains()})


def cdn_client(cloud) -> CdnClient:
    return CdnClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id="cn-hangzhou"))


def test_cdn_checks_pass_and_fail(cloud, admin):
    load(cloud, account())
    findings = scan(cloud, families=["cdn"], regions=REGIONS)
    assert by_resource(findings, _H) == {
        "www.example.com": "PASS", "plain.example.com": "FAIL", "static.example.com": "FAIL",
        "img.example.com": "FAIL"}
    assert by_resource(findings, _T) == {
        "www.example.com": "PASS", "static.example.com": "FAIL", "img.example.com": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert "plain HTTP" in by_key[(_H, "plain.example.com")].message
    assert "not configured" in by_key[(_H, "static.example.com")].message
    assert "TLS 1.1" in by_key[(_T, "static.example.com")].message
    assert "TLS 1.0 and TLS 1.1" in by_key[(_T, "img.example.com")].message
    assert {f.region for f in findings} == {"global"}
    calls = admin.calls()
    # collected once for the two regions; the configurations only of the three HTTPS domains
    assert calls["cdn:DescribeUserDomains"] == 1 and calls["cdn:DescribeCdnDomainConfigs"] == 3


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["cdn:DescribeCdnDomainConfigs"]))
    findings = scan(cloud, families=["cdn"], ak=READER_AK, secret=READER_SECRET)
    # the HTTPS domains cannot be judged; the HTTP-only one needs no configuration to FAIL
    assert by_resource(findings, _H) == {"www.example.com": "ERROR", "plain.example.com": "FAIL",
                                         "static.example.com": "ERROR", "img.example.com": "ERROR"}
    assert set(by_resource(findings, _T).values()) == {"ERROR"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")

    load(cloud, _deny(account(), ["cdn:DescribeUserDomains"]))
    findings = scan(cloud, families=["cdn"], ak=READER_AK, secret=READER_SECRET)
    assert sorted((f.check_id, f.status.value) for f in findings) == [(_H, "ERROR"), (_T, "ERROR")]


def test_every_domain_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["cdn"]["domains"] += [{"name": f"d{i:04d}.example.com"} for i in range(520)]
    load(cloud, data)
    findings = scan(cloud, checks=[_H])
    assert len(by_resource(findings, _H)) == 4 + 520
    assert admin.calls()["cdn:DescribeUserDomains"] == 2  # PageSize 500: two pages


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    cdn = cdn_client(cloud)
    cdn.set_cdn_domain_sslcertificate(cdn_models.SetCdnDomainSSLCertificateRequest(
        domain_name="plain.example.com", sslprotocol="on", cert_type="cas", cert_id=8089870))
    functions = [{"functionName": "https_force", "functionArgs": [{"argName": "enable", "argValue": "on"}]},
                 {"functionName": "https_tls_version", "functionArgs": [
                     {"argName": k, "argValue": v} for k, v in STRONG.items()]}]
    out = cdn.batch_set_cdn_domain_config(cdn_models.BatchSetCdnDomainConfigRequest(
        domain_names="plain.example.com,static.example.com,img.example.com", functions=json.dumps(functions))).body
    assert len(out.domain_config_list.domain_config_model) == 6
    findings = scan(cloud, families=["cdn"])
    assert set(by_resource(findings, _H).values()) == {"PASS"}
    assert set(by_resource(findings, _T).values()) == {"PASS"}
    events = [e for e in admin.events() if e["serviceName"] == "Cdn"]
    assert [e["eventName"] for e in events] == ["SetCdnDomainSSLCertificate", "BatchSetCdnDomainConfig"]
    assert events[1]["referencedResources"] == {
        "ACS::CDN::Domain": ["plain.example.com", "static.example.com", "img.example.com"]}


def test_unknown_domain_is_not_found(cloud):
    load(cloud, account())
    try:
        cdn_client(cloud).describe_cdn_domain_configs(cdn_models.DescribeCdnDomainConfigsRequest(
            domain_name="nobody.example.com", function_names="https_force"))
    except Exception as err:
        assert getattr(err, "code", "") == "InvalidDomain.NotFound"
    else:
        raise AssertionError("an unknown domain was described")


def test_configurations_not_in_effect_do_not_pass(cloud):
    # DescribeCdnDomainConfigs Status: a failed configuration is not in effect (FAIL, the defaults apply), one being
    # tested or configured is not yet (MANUAL); only success is the domain's behaviour
    def domain(name: str, status: str) -> dict[str, Any]:
        return {"name": name, "ssl_protocol": "on",
                "configs": {"https_force": {"args": {"enable": "on"}, "status": status},
                            "https_tls_version": {"args": STRONG, "status": status}}}

    states = {"ok.example.com": "success", "failed.example.com": "failed",
              "configuring.example.com": "configuring", "testing.example.com": "testing"}
    load(cloud, base_scenario(regions=REGIONS, cdn={"domains": [domain(n, s) for n, s in states.items()]}))
    findings = scan(cloud, families=["cdn"], regions=REGIONS)
    expected = {"ok.example.com": "PASS", "failed.example.com": "FAIL", "configuring.example.com": "MANUAL",
                "testing.example.com": "MANUAL"}
    assert by_resource(findings, _H) == expected
    assert by_resource(findings, _T) == expected
    by_key = {(f.check_id, f.resource_id): f.message for f in findings}
    assert "its configuration failed" in by_key[(_H, "failed.example.com")]
    assert "TLS version control failed to apply" in by_key[(_T, "failed.example.com")]


RULE = "222728944812032"  # a rule condition's ConfigId, the documented sample's ParentId
# the domain's rule condition (feature `condition`, argument `rule`) whose ConfigId the conditional configurations name
CONDITION = [{"config_id": RULE, "args": {"rule": json.dumps({"match": {"logic": "and", "criteria": [
    {"matchType": "uri", "matchObject": "CONNECTING_IP", "matchOperator": "equals", "matchValue": "/admin",
     "negate": False}]}, "name": "admin", "status": "enable"})}}]


def test_rule_conditioned_configurations_do_not_decide_the_domain(cloud):
    # ParentId (a rule condition): the configuration applies only to the requests the condition matches, so only
    # the unconditional ones decide; several configurations of a feature never overwrite each other by answer order
    def dom(name: str, **configs: Any) -> dict[str, Any]:
        return {"name": name, "ssl_protocol": "on", "configs": {"condition": CONDITION, **configs}}

    load(cloud, base_scenario(regions=REGIONS, cdn={"domains": [
        dom("scoped.example.com", https_force=[{"args": {"enable": "on"}, "parent_id": RULE}],
            https_tls_version=[{"args": STRONG, "parent_id": RULE}]),
        dom("carved.example.com", https_force=[{"args": {"enable": "on"}},
                                               {"args": {"enable": "off"}, "parent_id": RULE}],
            https_tls_version=[{"args": STRONG}, {"args": {**STRONG, "tls10": "on"}, "parent_id": RULE}]),
        dom("both.example.com", https_force=[{"args": {"enable": "on"}, "parent_id": RULE},
                                             {"args": {"enable": "off"}}],
            https_tls_version=[{"args": STRONG, "parent_id": RULE}, {"args": {**STRONG, "tls11": "on"}}]),
        # two unconditional configurations: the weaker one decides, in either order
        dom("off-last.example.com", https_force=[{"args": {"enable": "on"}}, {"args": {"enable": "off"}}],
            https_tls_version=[{"args": STRONG}, {"args": {"tls12": "on"}}]),
        dom("off-first.example.com", https_force=[{"args": {"enable": "off"}}, {"args": {"enable": "on"}}],
            https_tls_version=[{"args": {"tls12": "on"}}, {"args": STRONG}]),
        # a ParentId naming none of the domain's rule conditions (what an unconditional configuration answers is
        # undocumented; Alibaba's Terraform provider expects one non-empty): domain-wide
        dom("unnamed.example.com", https_force=[{"args": {"enable": "off"}, "parent_id": "0"}],
            https_tls_version=[{"args": STRONG, "parent_id": "0"}])]}))
    findings = scan(cloud, families=["cdn"])
    expected = {"scoped.example.com": "MANUAL", "carved.example.com": "MANUAL", "both.example.com": "FAIL",
                "off-last.example.com": "FAIL", "off-first.example.com": "FAIL", "unnamed.example.com": "FAIL"}
    assert by_resource(findings, _H) == expected
    # TLS version control only under a condition leaves the other requests on the default TLS 1.0 to 1.3: FAIL
    assert by_resource(findings, _T) == {**expected, "scoped.example.com": "FAIL", "unnamed.example.com": "PASS"}
    by_key = {(f.check_id, f.resource_id): f.message for f in findings}
    assert f"only under rule condition {RULE}" in by_key[(_H, "scoped.example.com")]
    assert RULE in by_key[(_T, "carved.example.com")]


def test_a_feature_set_under_a_rule_condition_is_added_beside_the_domain_wide_one(cloud):
    data = account()
    www = next(d for d in data["accounts"][0]["cdn"]["domains"] if d["name"] == "www.example.com")
    www.setdefault("configs", {})["condition"] = CONDITION
    load(cloud, data)
    cdn = cdn_client(cloud)
    # www.example.com passes; a conditional https_force that turns the redirect off for some requests is added (it
    # does not replace the domain-wide one), then parentId -1 (documented: removes the rule condition) makes the
    # new configuration domain-wide, replacing the old one
    off = [{"functionName": "https_force", "parentId": RULE,
            "functionArgs": [{"argName": "enable", "argValue": "off"}]}]
    cdn.batch_set_cdn_domain_config(cdn_models.BatchSetCdnDomainConfigRequest(
        domain_names="www.example.com", functions=json.dumps(off)))
    configs = cdn.describe_cdn_domain_configs(cdn_models.DescribeCdnDomainConfigsRequest(
        domain_name="www.example.com", function_names="https_force")).body.domain_configs.domain_config
    assert sorted(c.parent_id for c in configs) == ["", RULE]
    assert by_resource(scan(cloud, checks=[_H]), _H)["www.example.com"] == "MANUAL"
    cdn.batch_set_cdn_domain_config(cdn_models.BatchSetCdnDomainConfigRequest(
        domain_names="www.example.com", functions=json.dumps([{**off[0], "parentId": "-1"}])))
    configs = cdn.describe_cdn_domain_configs(cdn_models.DescribeCdnDomainConfigsRequest(
        domain_name="www.example.com", function_names="https_force")).body.domain_configs.domain_config
    assert [(c.parent_id, c.function_args.function_arg[0].arg_value) for c in configs] == [(RULE, "off"), ("", "off")]
    assert by_resource(scan(cloud, checks=[_H]), _H)["www.example.com"] == "FAIL"


def test_domains_cdn_does_not_serve_are_manual(cloud):
    # DomainStatus offline (StopCdnDomain: CDN stops serving it), stopping, deleting: not judged; configuring is
    load(cloud, base_scenario(regions=REGIONS, cdn={"domains": [
        {"name": "old.example.com", "status": "offline"},  # plain HTTP, but not served
        {"name": "going.example.com", "status": "stopping", "ssl_protocol": "on"},
        {"name": "gone.example.com", "status": "deleting", "ssl_protocol": "on"},
        {"name": "busy.example.com", "status": "configuring", "ssl_protocol": "on"}]}))
    findings = scan(cloud, families=["cdn"])
    assert by_resource(findings, _H) == {"old.example.com": "MANUAL", "going.example.com": "MANUAL",
                                         "gone.example.com": "MANUAL", "busy.example.com": "FAIL"}
    assert by_resource(findings, _T) == {"going.example.com": "MANUAL", "gone.example.com": "MANUAL",
                                         "busy.example.com": "FAIL"}
    assert "offline" in next(f.message for f in findings if f.resource_id == "old.example.com")
