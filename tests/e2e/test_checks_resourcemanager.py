"""Resource Directory guardrails through the scan entry point: the management account's root-folder control policies
that deny deleting, stopping or changing trails; members and accounts without a directory get no result; the
remediating AttachControlPolicy is recorded; a denied read gives ERROR findings."""

from __future__ import annotations

from typing import Any

from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as RmClient

from aliaudit.clients import ClientFactory
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.scan import ScanRequest, run_scan
from aliaudit.settings import EndpointSettings
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, base_scenario, load, pop_config

CHECK = "resourcemanager_guardrails_protect_audit"
D, S, U = "actiontrail:DeleteTrail", "actiontrail:StopLogging", "actiontrail:UpdateTrail"
MEMBER = "2000000000000002"
MEMBER_AK, MEMBER_SECRET = "LTAIguardmember00001", "guard-member-secret"
PROTECT = {"Version": "1", "Statement": [{"Effect": "Deny", "Resource": "*",
                                          "Action": ["actiontrail:DeleteTrail", "actiontrail:StopLogging"]}]}
FULL = {"Version": "1", "Statement": [{"Effect": "Deny", "Resource": "*", "Action": "actiontrail:*"}]}


def scenario(status: str = "Enabled", root: list[str] | None = None) -> dict[str, Any]:
    data = base_scenario()
    data["accounts"].append({"id": MEMBER, "alias": "acme-member",
                             "root": {"access_keys": [{"id": MEMBER_AK, "secret": MEMBER_SECRET}]}})
    data["resource_directory"] = {
        "id": "rd-guard01", "management_account_id": ACCOUNT, "root_folder_id": "r-guard01",
        "control_policy_status": status,
        "folders": [{"id": "fd-guardprod1", "name": "prod"}],
        "members": [{"account_id": MEMBER, "folder_id": "fd-guardprod1"}],
        "control_policies": [{"id": "cp-protectaudit1", "name": "protect-audit", "document": PROTECT},
                             {"id": "cp-trailsalldeny", "name": "trails-all", "document": FULL}],
        "attachments": {"r-guard01": root if root is not None else ["cp-FullAliyunAccess", "cp-protectaudit1"],
                        "fd-guardprod1": ["cp-FullAliyunAccess", "cp-trailsalldeny"]}}
    return data


def test_root_guardrails_per_trail_action(cloud):
    load(cloud, scenario())
    findings = scan(cloud, families=["resourcemanager"])
    # the folder-level policy denying actiontrail:* covers only prod: UpdateTrail stays open below the root
    assert by_resource(findings, CHECK) == {D: "PASS", S: "PASS", U: "FAIL"}
    by_id = {f.resource_id: f for f in findings}
    assert "protect-audit" in by_id[D].message and by_id[D].resource_name == "r-guard01"
    assert "root identities are not covered" in by_id[D].message  # (a custom control policy's EffectScope: RAM)
    assert "FullAliyunAccess" in by_id[U].message and by_id[U].severity.value == "high"
    assert {f.region for f in findings} == {"global"}


def test_feature_disabled_fails_and_members_get_no_result(cloud):
    load(cloud, scenario(status="Disabled"))
    assert by_resource(scan(cloud, checks=[CHECK]), CHECK) == {D: "FAIL", S: "FAIL", U: "FAIL"}
    load(cloud, scenario())
    # the member account reads the directory (GetResourceDirectory answers members) but does not manage it
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(MEMBER_AK, MEMBER_SECRET), settings)
    member = run_scan(factory, ScanRequest(account_id=MEMBER, regions=["cn-hangzhou"], check_ids=[CHECK],
                                           config=AuditConfig()))
    assert member == []


def test_no_directory_gives_no_result(cloud):
    load(cloud, base_scenario())
    assert scan(cloud, checks=[CHECK]) == []


def test_attach_control_policy_fixes_it_and_is_recorded(cloud, admin):
    load(cloud, scenario())
    RmClient(pop_config(cloud)).attach_control_policy(rm_models.AttachControlPolicyRequest(
        policy_id="cp-trailsalldeny", target_id="r-guard01"))
    assert by_resource(scan(cloud, checks=[CHECK]), CHECK) == {D: "PASS", S: "PASS", U: "PASS"}
    assert "AttachControlPolicy" in {e["eventName"] for e in admin.events(ACCOUNT)}


def test_denied_policy_read_gives_error_findings(cloud):
    data = scenario()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoCp", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": ["resourcemanager:GetControlPolicy"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoCp", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=[CHECK], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {D: "ERROR", S: "ERROR", U: "ERROR"}
    assert all("NoPermission" in f.message for f in findings)
