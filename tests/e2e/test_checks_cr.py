"""Container Registry checks (public endpoint whitelist, public repositories) through the scan entry point, plus the
emulator's writes that remediate them."""

from __future__ import annotations

from typing import Any

from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
_E, _R = "cr_instance_public_endpoint_restricted", "cr_repository_private"


def instances() -> list[dict[str, Any]]:
    return [
        {"id": "cri-prod", "name": "acme-prod", "internet": {"enabled": True, "entries": ["203.0.113.0/24"]},
         "vpcs": ["vpc-bp1prod"],
         "repositories": [{"id": "crr-api", "name": "api", "namespace": "shop"},
                          {"id": "crr-web", "name": "web", "namespace": "shop", "repo_type": "PUBLIC"}]},
        {"id": "cri-open", "name": "acme-ci", "internet": {"enabled": True, "entries": ["0.0.0.0/0"]},
         # public, but being deleted: listed (RepoStatus ALL), no result
         "repositories": [{"id": "crr-base", "name": "base-images", "namespace": "ci", "status": "DELETING",
                           "repo_type": "PUBLIC"}]},
        {"id": "cri-vpc", "name": "acme-internal", "internet": {"enabled": False, "entries": ["0.0.0.0/0"]}},
        {"id": "cri-sh", "name": "acme-sh", "region": "cn-shanghai", "internet": {"enabled": True},
         "repositories": [{"id": "crr-sh", "name": "tools", "repo_type": "PUBLIC"}]},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, cr={"instances": instances()})


def cr_client(cloud, region: str = "cn-hangzhou") -> CrClient:
    return CrClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                               region_id=region))


def test_cr_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["cr"], regions=REGIONS)
    assert by_resource(findings, _E) == {"cri-prod": "PASS", "cri-open": "FAIL", "cri-vpc": "PASS", "cri-sh": "PASS"}
    assert by_resource(findings, _R) == {"crr-api": "PASS", "crr-web": "FAIL", "crr-sh": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert "0.0.0.0/0" in by_key[(_E, "cri-open")].message
    assert "empty whitelist" in by_key[(_E, "cri-sh")].message
    assert by_key[(_R, "crr-sh")].region == "cn-shanghai" and by_key[(_R, "crr-web")].resource_name == "shop/web"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["cr:ListInstanceEndpoint"]))
    findings = scan(cloud, families=["cr"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, _E) == {"cri-prod": "ERROR", "cri-open": "ERROR", "cri-vpc": "ERROR"}
    assert by_resource(findings, _R) == {"crr-api": "PASS", "crr-web": "FAIL"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")

    load(cloud, _deny(account(), ["cr:ListInstance"]))
    findings = scan(cloud, families=["cr"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in (_E, _R) for r in REGIONS)


def test_every_list_is_paged_to_the_end(cloud, admin):
    data = account()
    acct = data["accounts"][0]
    acct["cr"]["instances"] += [{"id": f"cri-bulk{i:02d}"} for i in range(31)]
    acct["cr"]["instances"][0]["repositories"] += [{"id": f"crr-bulk{i:03d}", "name": f"r{i}"} for i in range(120)]
    load(cloud, data)
    findings = scan(cloud, checks=[_E, _R])
    assert len(by_resource(findings, _E)) == 3 + 31 and len(by_resource(findings, _R)) == 2 + 120
    calls = admin.calls()
    assert calls["cr:ListInstance"] == 2  # PageSize 30: 34 instances on two pages
    assert calls["cr:ListRepository"] == 3 + 31 + 1  # one page each, two for the 122 repositories of cri-prod


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    cr = cr_client(cloud)
    cr.delete_instance_endpoint_acl_policy(cr_models.DeleteInstanceEndpointAclPolicyRequest(
        instance_id="cri-open", endpoint_type="internet", entry="0.0.0.0/0"))
    cr.create_instance_endpoint_acl_policy(cr_models.CreateInstanceEndpointAclPolicyRequest(
        instance_id="cri-open", endpoint_type="internet", entry="198.51.100.7/32"))
    cr.update_repository(cr_models.UpdateRepositoryRequest(
        instance_id="cri-prod", repo_id="crr-web", repo_type="PRIVATE", summary="storefront"))
    findings = scan(cloud, families=["cr"])
    assert by_resource(findings, _E)["cri-open"] == "PASS" and by_resource(findings, _R)["crr-web"] == "PASS"
    events = [e for e in admin.events() if e["serviceName"] == "Cr"]
    assert [(e["eventName"], e["referencedResources"]) for e in events] == [
        ("DeleteInstanceEndpointAclPolicy", {"ACS::CR::Instance": ["cri-open"]}),
        ("CreateInstanceEndpointAclPolicy", {"ACS::CR::Instance": ["cri-open"]}),
        ("UpdateRepository", {"ACS::CR::Instance": ["cri-prod"], "ACS::CR::Repository": ["crr-web"]})]
    # and the reverse: opening the endpoint to everyone makes it FAIL again
    cr.update_instance_endpoint_status(cr_models.UpdateInstanceEndpointStatusRequest(
        instance_id="cri-vpc", endpoint_type="internet", enable=True))
    assert by_resource(scan(cloud, checks=[_E]), _E)["cri-vpc"] == "FAIL"


def test_the_helm_chart_endpoint_is_judged_on_its_own(cloud, admin):
    """ModuleName Chart: the Helm charts' internet endpoint has its own switch and whitelist (the SDK models of
    ListInstanceEndpoint, UpdateInstanceEndpointStatus and the ACL policy APIs)."""
    load(cloud, base_scenario(regions=REGIONS, cr={"instances": [
        {"id": "cri-charts", "name": "acme-charts", "internet": {"enabled": False},
         "chart": {"enabled": True, "entries": ["0.0.0.0/0"]}},
        {"id": "cri-both", "name": "acme-both", "internet": {"enabled": True, "entries": ["203.0.113.0/24"]},
         "chart": {"enabled": True, "entries": ["198.51.100.0/24"]}}]}))
    findings = scan(cloud, checks=[_E])
    msgs = {f.resource_id: (f.status.value, f.message) for f in findings}
    assert msgs["cri-charts"] == ("FAIL", "access over the Internet is disabled; Helm charts: the public endpoint "
                                          "admits every address (whitelist: 0.0.0.0/0)")
    assert msgs["cri-both"] == ("PASS", "the public endpoint admits only 203.0.113.0/24; Helm charts: the public "
                                        "endpoint admits only 198.51.100.0/24")
    calls = admin.calls()
    assert calls["cr:ListInstanceEndpoint"] == 4  # each module of each instance
    cr = cr_client(cloud)
    cr.update_instance_endpoint_status(cr_models.UpdateInstanceEndpointStatusRequest(
        instance_id="cri-charts", endpoint_type="internet", module_name="Chart", enable=False))
    assert by_resource(scan(cloud, checks=[_E]), _E)["cri-charts"] == "PASS"


def test_unknown_instance_is_an_unsuccessful_answer(cloud):
    load(cloud, account())
    body = cr_client(cloud, "cn-shanghai").list_instance_endpoint(
        cr_models.ListInstanceEndpointRequest(instance_id="cri-prod")).body  # cri-prod lives in cn-hangzhou
    assert body.is_success is False and body.code == "INSTANCE_NOT_EXIST" and not body.endpoints


def test_an_instance_without_managed_endpoints_in_its_status_is_not_an_error(cloud):
    """ListInstanceEndpoint answers INSTANCE_STATUS_NOT_SUPPORT for an instance whose status supports no managed
    endpoint (Alibaba's Terraform provider: "e.g. retired instances"): no endpoint to judge, not a daily ERROR."""
    data = account()
    data["accounts"][0]["cr"]["instances"].append(
        {"id": "cri-retired", "name": "acme-old", "status": "STOPPED", "internet": {"enabled": True,
                                                                                    "entries": ["0.0.0.0/0"]}})
    load(cloud, data)
    got = {f.resource_id: f for f in scan(cloud, checks=[_E])}
    assert got["cri-retired"].status.value == "PASS"
    assert "STOPPED" in got["cri-retired"].message and "INSTANCE_STATUS_NOT_SUPPORT" in got["cri-retired"].message
    assert got["cri-open"].status.value == "FAIL"
