"""CLB checks (listener ACLs on risky ports, HTTP-to-HTTPS redirection, TLS policy, deletion protection) through
the scan entry point and the official alibabacloud_slb20140515 SDK, plus the CLB emulator's remediating writes."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_slb20140515 import models as slb_models
from alibabacloud_slb20140515.client import Client as SlbClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
WHITE = {"acl_status": "on", "acl_type": "white"}


def section() -> dict[str, Any]:
    return {
        "acls": [
            {"id": "acl-office", "name": "office", "entries": [{"ip": "203.0.113.0/24", "comment": "office"}]},
            {"id": "acl-any", "name": "any", "entries": [{"ip": "10.0.0.0/8"}, {"ip": "0.0.0.0/0"}]},
            {"id": "acl-empty", "name": "empty"},
        ],
        "load_balancers": [
            {"id": "lb-web", "name": "web", "address": "47.96.0.10", "address_type": "internet",
             "delete_protection": "on", "listeners": [
                 {"port": 80, "protocol": "http", "listener_forward": "on", "forward_port": 443},
                 {"port": 443, "protocol": "https", "tls_cipher_policy": "tls_cipher_policy_1_2_strict_with_1_3"},
                 {"port": 22, "protocol": "tcp", **WHITE, "acl_ids": ["acl-office"]},
                 # access control off, restricted by the listener's older whitelist instead
                 {"port": 5432, "protocol": "tcp", "whitelist_status": "open_white_list",
                  "whitelist": ["203.0.113.0/24", "198.51.100.7"]}]},
            {"id": "lb-legacy", "name": "legacy", "address": "47.96.0.11", "address_type": "internet",
             "listeners": [
                 {"port": 8080, "protocol": "http"},
                 {"port": 8443, "protocol": "https", "tls_cipher_policy": "tls_cipher_policy_1_0"},
                 {"port": 3389, "protocol": "tcp"},
                 {"port": 3306, "protocol": "tcp", **WHITE, "acl_ids": ["acl-any"]},
                 {"port": 6379, "protocol": "tcp", **WHITE, "acl_ids": ["acl-empty"]},
                 {"port": 53, "protocol": "udp", "acl_status": "on", "acl_type": "black", "acl_ids": ["acl-office"]}]},
            {"id": "lb-internal", "address": "192.168.0.10", "address_type": "intranet", "listeners": [
                {"port": 22, "protocol": "tcp"}, {"port": 80, "protocol": "http"},
                {"port": 443, "protocol": "https", "tls_cipher_policy": "tls_cipher_policy_1_1"}]},
            # internal, but reached from the internet through an EIP (vpc eips below)
            {"id": "lb-eip", "address": "192.168.0.20", "address_type": "intranet", "listeners": [
                {"port": 22, "protocol": "tcp"}, {"port": 80, "protocol": "http"}]},
            {"id": "lb-sh", "region": "cn-shanghai", "address": "106.14.0.10", "address_type": "internet",
             "delete_protection": "on", "listeners": [{"port": 443, "protocol": "https"}]},
        ],
    }


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, slb=section(), vpc={"eips": [
        {"id": "eip-lb", "ip": "47.96.0.20", "instance_id": "lb-eip", "instance_type": "SlbInstance"},
        {"id": "eip-web", "ip": "47.96.0.21", "instance_id": "lb-internal", "instance_type": "EcsInstance"}]})


def client(cloud, region: str = "cn-hangzhou") -> SlbClient:
    return SlbClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_slb_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["slb"], regions=REGIONS)
    assert by_resource(findings, "slb_listener_acl_restricted") == {
        "lb-web/tcp/22": "PASS", "lb-web/tcp/5432": "PASS", "lb-legacy/tcp/3389": "FAIL", "lb-legacy/tcp/3306": "FAIL",
        "lb-legacy/tcp/6379": "FAIL", "lb-legacy/udp/53": "FAIL", "lb-eip/tcp/22": "FAIL"}
    assert by_resource(findings, "slb_listener_https_enforced") == {
        "lb-web/http/80": "PASS", "lb-legacy/http/8080": "FAIL", "lb-eip/http/80": "FAIL"}
    assert by_resource(findings, "slb_listener_tls_policy_strong") == {
        "lb-web/https/443": "PASS", "lb-legacy/https/8443": "FAIL", "lb-internal/https/443": "FAIL",
        "lb-sh/https/443": "MANUAL"}
    assert by_resource(findings, "slb_instance_deletion_protection_enabled") == {
        "lb-web": "PASS", "lb-legacy": "FAIL", "lb-internal": "FAIL", "lb-eip": "FAIL", "lb-sh": "PASS"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert by_key[("slb_listener_tls_policy_strong", "lb-sh/https/443")].region == "cn-shanghai"
    assert "0.0.0.0/0 (acl-any)" in by_key[("slb_listener_acl_restricted", "lb-legacy/tcp/3306")].message
    assert "empty whitelist (acl-empty)" in by_key[("slb_listener_acl_restricted", "lb-legacy/tcp/6379")].message
    assert "access control is off" in by_key[("slb_listener_acl_restricted", "lb-legacy/tcp/3389")].message
    assert "TLS 1.0" in by_key[("slb_listener_tls_policy_strong", "lb-legacy/https/8443")].message
    assert by_key[("slb_listener_acl_restricted", "lb-web/tcp/22")].resource_name == "web"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["slb:DescribeAccessControlListAttribute",
                                  "slb:DescribeLoadBalancerHTTPSListenerAttribute"]))
    findings = scan(cloud, families=["slb"], ak=READER_AK, secret=READER_SECRET)
    acl = by_resource(findings, "slb_listener_acl_restricted")
    # the whitelisted listeners cannot be judged without their ACLs; ACL off and blacklists need no ACL read
    assert acl == {"lb-web/tcp/22": "ERROR", "lb-web/tcp/5432": "PASS", "lb-legacy/tcp/3389": "FAIL",
                   "lb-legacy/tcp/3306": "ERROR", "lb-legacy/tcp/6379": "ERROR", "lb-legacy/udp/53": "FAIL",
                   "lb-eip/tcp/22": "FAIL"}
    assert set(by_resource(findings, "slb_listener_tls_policy_strong").values()) == {"ERROR"}
    errors = [f for f in findings if f.status.value == "ERROR"]
    assert errors and all("NoPermission" in f.message for f in errors)

    # with access control off, the listener's older whitelist decides: unread, the listener is unknown
    load(cloud, _deny(account(), ["slb:DescribeListenerAccessControlAttribute"]))
    acl = by_resource(scan(cloud, families=["slb"], ak=READER_AK, secret=READER_SECRET),
                      "slb_listener_acl_restricted")
    assert acl["lb-web/tcp/5432"] == "ERROR" and acl["lb-legacy/tcp/3389"] == "ERROR"
    assert acl["lb-web/tcp/22"] == "PASS"  # (access control on: the older whitelist is not read)

    load(cloud, _deny(account(), ["slb:DescribeLoadBalancers"]))
    findings = scan(cloud, families=["slb"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert findings and {f.status.value for f in findings} == {"ERROR"}


def test_every_list_is_paged_to_the_end(cloud, admin):
    data = account()
    sec = data["accounts"][0]["slb"]
    sec["load_balancers"] += [{"id": f"lb-bulk{i:03d}"} for i in range(120)]
    sec["acls"][0]["entries"] += [{"ip": f"198.51.100.{i}"} for i in range(60)]
    load(cloud, data)
    findings = scan(cloud, families=["slb"])
    assert len(by_resource(findings, "slb_instance_deletion_protection_enabled")) == 4 + 120
    assert "61 entries" in next(f.message for f in findings if f.resource_id == "lb-web/tcp/22")
    calls = admin.calls()
    # PageSize 100 for load balancers, 50 for ACL entries: two pages each
    assert calls["slb:DescribeLoadBalancers"] == 2 and calls["slb:DescribeAccessControlListAttribute"] == 2 + 1 + 1


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    slb = client(cloud)
    slb.set_load_balancer_delete_protection(slb_models.SetLoadBalancerDeleteProtectionRequest(
        region_id="cn-hangzhou", load_balancer_id="lb-legacy", delete_protection="on"))
    slb.set_load_balancer_httpslistener_attribute(slb_models.SetLoadBalancerHTTPSListenerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id="lb-legacy", listener_port=8443, bandwidth=-1,
        tlscipher_policy="tls_cipher_policy_1_2_strict"))
    slb.set_load_balancer_tcplistener_attribute(slb_models.SetLoadBalancerTCPListenerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id="lb-legacy", listener_port=3389, acl_status="on",
        acl_type="white", acl_id="acl-office"))
    slb.remove_access_control_list_entry(slb_models.RemoveAccessControlListEntryRequest(
        region_id="cn-hangzhou", acl_id="acl-any", acl_entrys=json.dumps([{"entry": "0.0.0.0/0"}])))
    findings = scan(cloud, families=["slb"])
    assert by_resource(findings, "slb_instance_deletion_protection_enabled")["lb-legacy"] == "PASS"
    assert by_resource(findings, "slb_listener_tls_policy_strong")["lb-legacy/https/8443"] == "PASS"
    acl = by_resource(findings, "slb_listener_acl_restricted")
    assert acl["lb-legacy/tcp/3389"] == "PASS" and acl["lb-legacy/tcp/3306"] == "PASS"
    events = [e for e in admin.events() if e["serviceName"].lower() == "slb"]
    assert [e["eventName"] for e in events] == [
        "SetLoadBalancerDeleteProtection", "SetLoadBalancerHTTPSListenerAttribute",
        "SetLoadBalancerTCPListenerAttribute", "RemoveAccessControlListEntry"]


def test_load_balancers_are_regional_and_unknown_ids_fail(cloud):
    load(cloud, account())
    sh = client(cloud, "cn-shanghai")
    body = sh.describe_load_balancers(slb_models.DescribeLoadBalancersRequest(region_id="cn-shanghai")).body
    assert [b.load_balancer_id for b in body.load_balancers.load_balancer] == ["lb-sh"]
    far = client(cloud, "ap-southeast-1").describe_load_balancers(
        slb_models.DescribeLoadBalancersRequest(region_id="ap-southeast-1")).body
    assert far.total_count == 0 and not far.load_balancers.load_balancer
    try:
        sh.describe_load_balancer_attribute(slb_models.DescribeLoadBalancerAttributeRequest(
            region_id="cn-shanghai", load_balancer_id="lb-web"))
    except Exception as err:  # a load balancer of another region is not found here
        assert getattr(err, "code", "") == "InvalidLoadBalancerId.NotFound"
    else:
        raise AssertionError("a load balancer of cn-hangzhou was described in cn-shanghai")


def test_idle_listeners_and_subscription_instances_are_manual(cloud):
    # LoadBalancerStatus inactive / locked (documented: no traffic forwarded) and a stopped listener: their listener
    # checks are MANUAL, not FAIL; a PrePay instance cannot have deletion protection (documented error), MANUAL
    data = account()
    data["accounts"][0]["slb"]["load_balancers"] += [
        {"id": "lb-off", "address": "47.96.0.30", "address_type": "internet", "status": "inactive", "listeners": [
            {"port": 3389, "protocol": "tcp"}, {"port": 80, "protocol": "http"},
            {"port": 443, "protocol": "https", "tls_cipher_policy": "tls_cipher_policy_1_0"}]},
        {"id": "lb-arrears", "address": "47.96.0.31", "address_type": "internet", "status": "locked",
         "listeners": [{"port": 22, "protocol": "tcp"}]},
        {"id": "lb-paused", "address": "47.96.0.32", "address_type": "internet", "pay_type": "PrePay", "listeners": [
            {"port": 22, "protocol": "tcp", "status": "stopped"}, {"port": 3306, "protocol": "tcp"},
            {"port": 8080, "protocol": "http", "status": "stopped"}]}]
    load(cloud, data)
    findings = scan(cloud, families=["slb"])
    acl = by_resource(findings, "slb_listener_acl_restricted")
    assert {k: acl[k] for k in ("lb-off/tcp/3389", "lb-arrears/tcp/22", "lb-paused/tcp/22", "lb-paused/tcp/3306")} \
        == {"lb-off/tcp/3389": "MANUAL", "lb-arrears/tcp/22": "MANUAL", "lb-paused/tcp/22": "MANUAL",
            "lb-paused/tcp/3306": "FAIL"}
    https = by_resource(findings, "slb_listener_https_enforced")
    assert https["lb-off/http/80"] == "MANUAL" and https["lb-paused/http/8080"] == "MANUAL"
    assert by_resource(findings, "slb_listener_tls_policy_strong")["lb-off/https/443"] == "MANUAL"
    protection = by_resource(findings, "slb_instance_deletion_protection_enabled")
    assert protection["lb-paused"] == "MANUAL" and protection["lb-off"] == "FAIL"
    by_key = {(f.check_id, f.resource_id): f.message for f in findings}
    assert "inactive" in by_key[("slb_listener_acl_restricted", "lb-off/tcp/3389")]
    assert "locked" in by_key[("slb_listener_acl_restricted", "lb-arrears/tcp/22")]
    assert "stopped" in by_key[("slb_listener_acl_restricted", "lb-paused/tcp/22")]
    assert "DeleteProtectionForPrePayInstance" in by_key[("slb_instance_deletion_protection_enabled", "lb-paused")]

    # the remediation the API refuses for a subscription instance: the documented error, nothing changed
    slb = client(cloud)
    try:
        slb.set_load_balancer_delete_protection(slb_models.SetLoadBalancerDeleteProtectionRequest(
            region_id="cn-hangzhou", load_balancer_id="lb-paused", delete_protection="on"))
    except Exception as err:
        assert getattr(err, "code", "") == "OperationUnsupported.DeleteProtectionForPrePayInstance"
    else:
        raise AssertionError("deletion protection was enabled on a PrePay instance")
    body = slb.describe_load_balancer_attribute(slb_models.DescribeLoadBalancerAttributeRequest(
        region_id="cn-hangzhou", load_balancer_id="lb-paused")).body
    assert (body.pay_type, body.delete_protection, body.load_balancer_status) == ("PrePay", "off", "active")
