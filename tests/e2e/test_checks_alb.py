"""ALB checks (TLS policy of HTTPS listeners, HTTP-to-HTTPS redirection) through the scan entry point and the
official alibabacloud_alb20200616 SDK, plus the ALB emulator's remediating writes."""

from __future__ import annotations

from typing import Any

from alibabacloud_alb20200616 import models as alb_models
from alibabacloud_alb20200616.client import Client as AlbClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
TO_HTTPS = {"name": "to-https", "priority": 10, "conditions": [{"type": "Path", "values": ["/*"]}],
            "actions": [{"type": "Redirect", "redirect_protocol": "HTTPS"}]}


def section() -> dict[str, Any]:
    return {
        "security_policies": [
            {"id": "spy-modern", "name": "modern", "tls_versions": ["TLSv1.2", "TLSv1.3"]},
            {"id": "spy-legacy", "name": "legacy", "tls_versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"]},
        ],
        "load_balancers": [
            {"id": "alb-web", "name": "web", "address_type": "Internet", "listeners": [
                {"id": "lsn-web-80", "port": 80, "rules": [TO_HTTPS]},
                {"id": "lsn-web-443", "port": 443, "protocol": "HTTPS",
                 "security_policy_id": "tls_cipher_policy_1_2_strict_with_1_3"},
                {"id": "lsn-web-8443", "port": 8443, "protocol": "HTTPS", "security_policy_id": "spy-modern"}]},
            {"id": "alb-old", "name": "old", "address_type": "Internet", "listeners": [
                {"id": "lsn-old-80", "port": 80, "rules": [
                    {"name": "api", "priority": 1, "conditions": [{"type": "Path", "values": ["/api/*"]}],
                     "actions": [{"type": "ForwardGroup"}]}]},
                {"id": "lsn-old-81", "port": 81, "rules": [
                    {"name": "login", "priority": 1, "conditions": [{"type": "Path", "values": ["/login"]}],
                     "actions": [{"type": "Redirect", "redirect_protocol": "HTTPS"}]}]},
                {"id": "lsn-old-443", "port": 443, "protocol": "HTTPS"},  # the default policy, 1_0
                {"id": "lsn-old-8443", "port": 8443, "protocol": "HTTPS", "security_policy_id": "spy-legacy"}]},
            {"id": "alb-int", "address_type": "Intranet", "listeners": [
                {"id": "lsn-int-80", "port": 80},
                {"id": "lsn-int-443", "port": 443, "protocol": "HTTPS",
                 "security_policy_id": "tls_cipher_policy_1_1"}]},
            # intranet over IPv4, public over IPv6 (dual-stack, Ipv6AddressType Internet)
            {"id": "alb-v6", "address_type": "Intranet", "address_ip_version": "DualStack",
             "ipv6_address_type": "Internet", "listeners": [{"id": "lsn-v6-80", "port": 80}]},
            {"id": "alb-sh", "region": "cn-shanghai", "address_type": "Internet", "listeners": [
                {"id": "lsn-sh-80", "port": 80}]},
        ],
    }


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, alb=section())


def client(cloud, region: str = "cn-hangzhou") -> AlbClient:
    return AlbClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_alb_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["alb"], regions=REGIONS)
    assert by_resource(findings, "alb_listener_tls_policy_strong") == {
        "lsn-web-443": "PASS", "lsn-web-8443": "PASS", "lsn-old-443": "FAIL", "lsn-old-8443": "FAIL",
        "lsn-int-443": "FAIL"}
    assert by_resource(findings, "alb_listener_https_enforced") == {
        "lsn-web-80": "PASS", "lsn-old-80": "FAIL", "lsn-old-81": "MANUAL", "lsn-v6-80": "FAIL", "lsn-sh-80": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert by_key[("alb_listener_https_enforced", "lsn-sh-80")].region == "cn-shanghai"
    assert "TLSv1.0, TLSv1.1" in by_key[("alb_listener_tls_policy_strong", "lsn-old-443")].message
    assert "spy-legacy" in by_key[("alb_listener_tls_policy_strong", "lsn-old-8443")].message
    assert by_key[("alb_listener_https_enforced", "lsn-web-80")].resource_name == "web"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["alb:ListRules"]))
    findings = scan(cloud, families=["alb"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "alb_listener_https_enforced") == {
        "lsn-web-80": "ERROR", "lsn-old-80": "ERROR", "lsn-old-81": "ERROR", "lsn-v6-80": "ERROR"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    load(cloud, _deny(account(), ["alb:ListSecurityPolicies"]))
    findings = scan(cloud, families=["alb"], ak=READER_AK, secret=READER_SECRET)
    tls = [f for f in findings if f.check_id == "alb_listener_tls_policy_strong"]
    assert tls and {f.status.value for f in tls} == {"ERROR"}


def test_every_list_is_paged_to_the_end(cloud, admin):
    data = account()
    sec = data["accounts"][0]["alb"]
    sec["load_balancers"] += [{"id": f"alb-bulk{i:03d}", "address_type": "Internet",
                               "listeners": [{"id": f"lsn-bulk{i:03d}", "port": 80}]} for i in range(110)]
    sec["load_balancers"][0]["listeners"][0]["rules"] += [
        {"name": f"r{i}", "priority": 100 + i, "conditions": [{"type": "Path", "values": [f"/p{i}"]}],
         "actions": [{"type": "Redirect"}]} for i in range(120)]
    sec["security_policies"] += [{"id": f"spy-bulk{i:03d}"} for i in range(105)]
    load(cloud, data)
    findings = scan(cloud, families=["alb"])
    assert len(by_resource(findings, "alb_listener_https_enforced")) == 4 + 110
    assert by_resource(findings, "alb_listener_https_enforced")["lsn-web-80"] == "PASS"
    calls = admin.calls()
    # MaxResults 100: load balancers 114, listeners 120, policies 107 -> two pages each; the 121 rules of
    # lsn-web-80 two pages, and one call for each of the other 113 internet HTTP listeners
    assert calls["alb:ListLoadBalancers"] == 2 and calls["alb:ListListeners"] == 2
    assert calls["alb:ListSecurityPolicies"] == 2 and calls["alb:ListRules"] == 2 + 113


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    alb = client(cloud)
    alb.update_listener_attribute(alb_models.UpdateListenerAttributeRequest(
        listener_id="lsn-old-443", security_policy_id="tls_cipher_policy_1_2_strict_with_1_3"))
    alb.create_rule(alb_models.CreateRuleRequest(
        listener_id="lsn-old-80", priority=2, rule_name="to-https",
        rule_conditions=[alb_models.CreateRuleRequestRuleConditions(
            type="Path", path_config=alb_models.CreateRuleRequestRuleConditionsPathConfig(values=["/*"]))],
        rule_actions=[alb_models.CreateRuleRequestRuleActions(
            type="Redirect", order=1, redirect_config=alb_models.CreateRuleRequestRuleActionsRedirectConfig(
                protocol="HTTPS", port="443", http_code="301"))]))
    old_api = alb.list_rules(alb_models.ListRulesRequest(listener_ids=["lsn-old-80"])).body.rules[0]
    alb.delete_rule(alb_models.DeleteRuleRequest(rule_id=old_api.rule_id))
    findings = scan(cloud, families=["alb"])
    assert by_resource(findings, "alb_listener_tls_policy_strong")["lsn-old-443"] == "PASS"
    assert by_resource(findings, "alb_listener_https_enforced")["lsn-old-80"] == "PASS"
    events = [e for e in admin.events() if e["eventName"] in ("UpdateListenerAttribute", "CreateRule", "DeleteRule")]
    assert [e["eventName"] for e in events] == ["UpdateListenerAttribute", "CreateRule", "DeleteRule"]
    try:
        alb.update_listener_attribute(alb_models.UpdateListenerAttributeRequest(
            listener_id="lsn-old-443", security_policy_id="spy-missing"))
    except Exception as err:
        assert getattr(err, "code", "") == "ResourceNotFound.SecurityPolicy"
    else:
        raise AssertionError("an unknown security policy was accepted")


def test_load_balancers_are_regional(cloud):
    load(cloud, account())
    body = client(cloud, "cn-shanghai").list_load_balancers(alb_models.ListLoadBalancersRequest()).body
    assert [b.load_balancer_id for b in body.load_balancers] == ["alb-sh"]
    far = client(cloud, "ap-southeast-1").list_listeners(alb_models.ListListenersRequest()).body
    assert far.listeners == [] and far.total_count == 0


def test_stopped_listeners_are_manual(cloud):
    # ListenerStatus Stopped (documented): the listener serves nothing, so its TLS policy and missing redirect are
    # MANUAL, not FAIL; a listener being configured is still judged
    data = account()
    data["accounts"][0]["alb"]["load_balancers"].append(
        {"id": "alb-paused", "address_type": "Internet", "listeners": [
            {"id": "lsn-paused-80", "port": 80, "status": "Stopped"},
            {"id": "lsn-paused-443", "port": 443, "protocol": "HTTPS", "status": "Stopped",
             "security_policy_id": "tls_cipher_policy_1_0"},
            {"id": "lsn-busy-8443", "port": 8443, "protocol": "HTTPS", "status": "Configuring",
             "security_policy_id": "tls_cipher_policy_1_0"}]})
    load(cloud, data)
    findings = scan(cloud, families=["alb"])
    tls = by_resource(findings, "alb_listener_tls_policy_strong")
    assert tls["lsn-paused-443"] == "MANUAL" and tls["lsn-busy-8443"] == "FAIL"
    assert by_resource(findings, "alb_listener_https_enforced")["lsn-paused-80"] == "MANUAL"
    message = next(f.message for f in findings if f.resource_id == "lsn-paused-80")
    assert "Stopped" in message


def test_an_inactive_load_balancer_is_manual(cloud):
    # "ALB instances in the Inactive state do not forward traffic" (ListLoadBalancers LoadBalancerStatus)
    data = account()
    data["accounts"][0]["alb"]["load_balancers"].append(
        {"id": "alb-idle", "address_type": "Internet", "status": "Inactive", "listeners": [
            {"id": "lsn-idle-80", "port": 80}]})
    load(cloud, data)
    (got,) = [f for f in scan(cloud, checks=["alb_listener_https_enforced"]) if f.resource_id == "lsn-idle-80"]
    assert got.status.value == "MANUAL" and "Inactive" in got.message


def test_list_rules_answers_request_rules_by_default(cloud):
    # ListRules Direction: "Request (default)"; Response rules are listed only when asked for
    data = account()
    data["accounts"][0]["alb"]["load_balancers"][0]["listeners"][0]["rules"].append(
        {"name": "hsts", "priority": 5, "direction": "Response", "actions": [{"type": "InsertHeader"}]})
    load(cloud, data)
    alb = client(cloud)
    listed = alb.list_rules(alb_models.ListRulesRequest(listener_ids=["lsn-web-80"])).body.rules
    assert [r.direction for r in listed] == ["Request"]
    response = alb.list_rules(alb_models.ListRulesRequest(listener_ids=["lsn-web-80"], direction="Response")).body
    assert [r.rule_name for r in response.rules] == ["hsts"]
