"""NLB check (TLS policy of TCPSSL listeners) through the scan entry point and the official alibabacloud_nlb20220430
SDK, plus the NLB emulator's remediating write."""

from __future__ import annotations

from typing import Any

from alibabacloud_nlb20220430 import models as nlb_models
from alibabacloud_nlb20220430.client import Client as NlbClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
CHECK = "nlb_listener_tls_policy_strong"


def section() -> dict[str, Any]:
    return {
        "security_policies": [
            {"id": "spy-modern", "name": "modern", "tls_versions": ["TLSv1.2", "TLSv1.3"]},
            {"id": "spy-legacy", "name": "legacy", "tls_versions": ["TLSv1.0", "TLSv1.2"]},
        ],
        "listeners": [
            {"id": "lsn-strict", "description": "mqtts", "port": 8883,
             "security_policy_id": "tls_cipher_policy_1_2_strict_with_1_3"},
            {"id": "lsn-custom", "port": 8443, "security_policy_id": "spy-modern"},
            {"id": "lsn-default", "port": 443},  # the documented default policy, tls_cipher_policy_1_0
            {"id": "lsn-old", "port": 9443, "security_policy_id": "tls_cipher_policy_1_1"},
            {"id": "lsn-legacy", "port": 10443, "security_policy_id": "spy-legacy"},
            {"id": "lsn-tcp", "port": 80, "protocol": "TCP"},
            {"id": "lsn-udp", "port": 53, "protocol": "UDP"},
            {"id": "lsn-sh", "region": "cn-shanghai", "port": 443, "security_policy_id": "tls_cipher_policy_1_2"},
        ],
    }


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, nlb=section())


def client(cloud, region: str = "cn-hangzhou") -> NlbClient:
    return NlbClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_nlb_check_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["nlb"], regions=REGIONS)
    assert by_resource(findings, CHECK) == {
        "lsn-strict": "PASS", "lsn-custom": "PASS", "lsn-default": "FAIL", "lsn-old": "FAIL", "lsn-legacy": "FAIL",
        "lsn-sh": "PASS"}
    by_key = {f.resource_id: f for f in findings}
    assert by_key["lsn-sh"].region == "cn-shanghai" and by_key["lsn-strict"].resource_name == "mqtts"
    assert "TLSv1.0, TLSv1.1" in by_key["lsn-default"].message
    assert "custom policy spy-legacy, which allows TLSv1.0" in by_key["lsn-legacy"].message


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    for denied in ("nlb:ListSecurityPolicy", "nlb:ListListeners"):
        load(cloud, _deny(account(), [denied]))
        findings = scan(cloud, families=["nlb"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
        assert findings and {f.status.value for f in findings} == {"ERROR"}, denied
        assert all("NoPermission" in f.message for f in findings)


def test_every_list_is_paged_to_the_end(cloud, admin):
    data = account()
    sec = data["accounts"][0]["nlb"]
    sec["listeners"] += [{"id": f"lsn-bulk{i:03d}", "port": 1000 + i, "security_policy_id": "spy-modern"}
                         for i in range(110)]
    sec["security_policies"] += [{"id": f"spy-bulk{i:03d}"} for i in range(105)]
    load(cloud, data)
    findings = scan(cloud, families=["nlb"])
    assert len(by_resource(findings, CHECK)) == 5 + 110
    calls = admin.calls()
    assert calls["nlb:ListListeners"] == 2 and calls["nlb:ListSecurityPolicy"] == 2  # MaxResults 100
    assert calls["nlb:ListSystemSecurityPolicy"] == 1


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    nlb = client(cloud)
    nlb.update_listener_attribute(nlb_models.UpdateListenerAttributeRequest(
        region_id="cn-hangzhou", listener_id="lsn-default", security_policy_id="tls_cipher_policy_1_2_strict"))
    findings = scan(cloud, families=["nlb"])
    assert by_resource(findings, CHECK)["lsn-default"] == "PASS"
    assert [e["eventName"] for e in admin.events() if e["eventName"] == "UpdateListenerAttribute"] == [
        "UpdateListenerAttribute"]
    try:
        nlb.update_listener_attribute(nlb_models.UpdateListenerAttributeRequest(
            region_id="cn-hangzhou", listener_id="lsn-gone", security_policy_id="tls_cipher_policy_1_2"))
    except Exception as err:
        assert getattr(err, "code", "") == "ResourceNotFound.listener"
    else:
        raise AssertionError("an unknown listener was updated")


def test_listeners_are_regional(cloud):
    load(cloud, account())
    body = client(cloud, "cn-shanghai").list_listeners(nlb_models.ListListenersRequest(region_id="cn-shanghai")).body
    assert [x.listener_id for x in body.listeners] == ["lsn-sh"]
    far = client(cloud, "ap-southeast-1").list_listeners(
        nlb_models.ListListenersRequest(region_id="ap-southeast-1")).body
    assert far.listeners == [] and far.total_count == 0


def test_listeners_that_serve_nothing_are_manual(cloud):
    # ListenerStatus Stopping, Stopped, Deleting, Deleted (documented): not judged; Starting is judged
    data = account()
    data["accounts"][0]["nlb"]["listeners"] += [
        {"id": f"lsn-{status.lower()}", "port": 2000 + n, "status": status,
         "security_policy_id": "tls_cipher_policy_1_0"}
        for n, status in enumerate(("Stopping", "Stopped", "Deleting", "Deleted", "Starting"))]
    load(cloud, data)
    findings = by_resource(scan(cloud, families=["nlb"]), CHECK)
    expected = {"lsn-stopping": "MANUAL", "lsn-stopped": "MANUAL", "lsn-deleting": "MANUAL",
                "lsn-deleted": "MANUAL", "lsn-starting": "FAIL"}
    assert {k: findings[k] for k in expected} == expected
    assert findings["lsn-default"] == "FAIL"  # Running, unchanged
