"""RAM and ActionTrail checks through the scan entry point, on emulated accounts with PASS and FAIL cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from Tea.exceptions import TeaException

from aliaudit.checks.registry import all_checks
from aliaudit.collectors.ram import CustomPolicy, PasswordPolicy
from aliaudit.config import AuditConfig
from tests.check_inputs import run_check, statuses
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, base_scenario, load

NOW = datetime.now(timezone.utc)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def account() -> dict:
    data = base_scenario()
    acct = data["accounts"][0]
    acct["root"].update({"mfa_bound": False, "last_login": ago(3)})
    acct["ram"]["users"] += [
        {"name": "alice", "created": ago(400), "last_login": ago(2),
         "login_profile": {"created": ago(400)}, "mfa_device": {"serial": "acs:ram::1:mfa/alice"},
         "groups": ["readers"],
         "access_keys": [{"id": "LTAIalice0000000001", "secret": "s1", "created": ago(30), "last_used": ago(1)}]},
        {"name": "bob", "created": ago(400), "last_login": ago(200),
         "login_profile": {"created": ago(400), "mfa_bind_required": True},
         "policies": [{"name": "AliyunOSSFullAccess"}],
         "access_keys": [{"id": "LTAIbob000000000001", "secret": "s2", "created": ago(200), "last_used": ago(150)},
                         {"id": "LTAIbob000000000002", "secret": "s3", "created": ago(10)}]},
    ]
    acct["ram"]["policies"] = [
        {"name": "GodMode", "document": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                       "Resource": "*"}]}},
        {"name": "ReadLogs", "document": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "log:Get*",
                                                                        "Resource": "*"}]}},
        {"name": "IdleAdmin", "document": {"Version": "1", "Statement": [{"Effect": "allow", "Action": ["*:*"],
                                                                         "Resource": "*"}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "GodMode", "type": "Custom"})
    acct["ram"]["password_policy"] = {"minimum_length": 14, "require_uppercase": True, "require_lowercase": False,
                                      "require_numbers": True, "require_symbols": True, "max_password_age": 0,
                                      "password_reuse_prevention": 5, "max_login_attempts": 5}
    acct["ram"]["roles"] += [
        {"name": "vendor-access", "trust_policy": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"RAM": ["acs:ram::5555666677778888:root"]}}]}},
        {"name": "ci-oidc", "trust_policy": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Federated": [f"acs:ram::{ACCOUNT}:oidc-provider/github"]},
             "Condition": {"StringEquals": {"oidc:aud": "sts.aliyuncs.com",
                                            "oidc:sub": "repo:acme/app:ref:refs/heads/main"}}}]}}]
    acct["actiontrail"] = {"trails": [{"name": "partial", "trail_region": "cn-hangzhou", "event_rw": "Write",
                                       "oss_bucket_name": "logs"}]}
    return data


def test_ram_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["ram"])
    assert {f.region for f in findings} == {"global"}
    assert by_resource(findings, "ram_user_console_mfa_enabled") == {"alice": "PASS", "bob": "FAIL"}
    assert by_resource(findings, "ram_user_console_inactive_disabled") == {"alice": "PASS", "bob": "FAIL"}
    assert by_resource(findings, "ram_user_access_key_rotated") == {
        "LTAIadminkey0000001": "FAIL", "LTAIreaderkey000001": "FAIL",  # scenario default created 2024-01-01
        "LTAIalice0000000001": "PASS", "LTAIbob000000000001": "FAIL", "LTAIbob000000000002": "PASS"}
    assert by_resource(findings, "ram_user_access_key_unused")["LTAIbob000000000001"] == "FAIL"
    assert by_resource(findings, "ram_user_access_key_unused")["LTAIalice0000000001"] == "PASS"
    assert by_resource(findings, "ram_user_single_active_key")["bob"] == "FAIL"
    assert by_resource(findings, "ram_user_single_active_key")["alice"] == "PASS"
    assert by_resource(findings, "ram_user_no_direct_policies")["bob"] == "FAIL"
    assert by_resource(findings, "ram_user_no_direct_policies")["alice"] == "PASS"
    # a person's console logon and a program's AccessKey in one user fail; a key-only user passes
    assert by_resource(findings, "ram_user_console_and_access_key_separated") == {
        "alice": "FAIL", "bob": "FAIL", "admin": "PASS", "reader": "PASS"}
    assert "LTAIalice0000000001" in next(f.message for f in findings if f.resource_id == "alice" and
                                         f.check_id == "ram_user_console_and_access_key_separated")
    # the security preference's defaults: MFA left to each user, idle credentials kept 730 days
    sp = {f.check_id: (f.status.value, f.message) for f in findings if f.resource_type == "ram:security-preference"}
    assert {k: v[0] for k, v in sp.items()} == {"ram_security_preference_mfa_enforced": "FAIL",
                                                "ram_security_preference_idle_disable": "FAIL"}
    assert "independent" in sp["ram_security_preference_mfa_enforced"][1]
    assert "MaxIdleDaysForUsers=730" in sp["ram_security_preference_idle_disable"][1]
    # a role another account may assume without an ExternalId fails; own account and a conditioned OIDC pass
    assert by_resource(findings, "ram_role_trust_policy_restricted") == {
        "auditor": "PASS", "vendor-access": "FAIL", "ci-oidc": "PASS"}
    vendor = next(f for f in findings if f.check_id == "ram_role_trust_policy_restricted"
                  and f.resource_id == "vendor-access")
    assert "5555666677778888" in vendor.message and vendor.severity.value == "high"
    # CIS 1.15: a full-admin policy attached to nothing (AttachmentCount 0) passes; the stricter check fails it
    assert by_resource(findings, "ram_policy_no_full_admin") == {"GodMode": "FAIL", "ReadLogs": "PASS",
                                                                 "IdleAdmin": "PASS"}
    assert by_resource(findings, "ram_policy_full_admin_absent") == {"GodMode": "FAIL", "ReadLogs": "PASS",
                                                                     "IdleAdmin": "FAIL"}
    pp = {f.check_id: f.status.value for f in findings if f.check_id.startswith("ram_password_policy")}
    assert pp == {"ram_password_policy_uppercase": "PASS", "ram_password_policy_lowercase": "FAIL",
                  "ram_password_policy_symbol": "PASS", "ram_password_policy_number": "PASS",
                  "ram_password_policy_min_length": "PASS", "ram_password_policy_reuse_prevention": "PASS",
                  "ram_password_policy_max_age": "PASS", "ram_password_policy_expiry_enabled": "FAIL",
                  "ram_password_policy_login_attempts": "PASS"}  # MaxPasswordAge 0: CIS 1.13 PASS, stricter FAIL
    root = {f.check_id: f.status.value for f in findings if f.resource_id == "<root>"}
    assert root == {"ram_root_account_unused": "FAIL", "ram_root_access_key_absent": "FAIL",
                    "ram_root_mfa_enabled": "FAIL"}
    fail = next(f for f in findings if f.check_id == "ram_root_mfa_enabled")
    assert fail.cis == ["1.3"] and fail.severity.value == "critical" and fail.account_id == ACCOUNT


def test_ram_checks_pass_on_a_clean_account(cloud):
    """Audited with a read-only user: every check gives its verdict, and on a clean account all PASS."""
    data = account()
    acct = data["accounts"][0]
    acct["root"] = {"mfa_bound": True, "last_login": ago(300)}
    acct["ram"]["users"] = [
        {"name": "alice", "login_profile": {}, "last_login": ago(1), "groups": ["readers"],
         "mfa_device": {"serial": "x"}},
        {"name": "auditor", "groups": ["auditors"],
         "access_keys": [{"id": "LTAIauditor00000001", "secret": "aud", "created": ago(5)}]}]
    # ReadOnlyAccess plus the one non-read action the credential report needs
    acct["ram"]["policies"] = [{"name": "CredentialReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "ram:GenerateCredentialReport", "Resource": "*"}]}}]
    acct["ram"]["groups"].append({"name": "auditors", "policies": [
        {"name": "ReadOnlyAccess"}, {"name": "CredentialReport", "type": "Custom"}]})
    acct["ram"]["password_policy"].update(require_lowercase=True, max_password_age=365)
    acct["ram"]["roles"] = [r for r in acct["ram"]["roles"] if r["name"] != "vendor-access"]
    acct["ram"]["security_preference"] = {"mfa_operation_for_login": "mandatory", "max_idle_days_for_users": 90,
                                          "max_idle_days_for_access_keys": 90}
    load(cloud, data)
    findings = scan(cloud, families=["ram"], ak="LTAIauditor00000001", secret="aud")
    assert {f.check_id for f in findings} >= {"ram_root_mfa_enabled", "ram_user_console_mfa_enabled",
                                              "ram_password_policy_max_age"}
    bad = [(f.check_id, f.resource_id, f.message) for f in findings if f.status.value != "PASS"]
    assert bad == []


def test_denied_api_gives_error_findings_not_silence(cloud):
    load(cloud, account())
    data = account()
    data["accounts"][0]["ram"]["policies"].append({"name": "NoPolicies", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GetPasswordPolicy", "ram:GetLoginProfile", "ram:GetCredentialReport"],
         "Resource": "*"}]}})
    data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoPolicies", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["ram"], ak=READER_AK, secret=READER_SECRET)
    pp = [f for f in findings if f.check_id.startswith("ram_password_policy")]
    assert pp and all(f.status.value == "ERROR" and "NoPermission" in f.message for f in pp)
    mfa = by_resource(findings, "ram_user_console_mfa_enabled")
    assert mfa["alice"] == "ERROR" and mfa["bob"] == "ERROR"


def test_thresholds_come_from_config(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=["ram_user_access_key_rotated", "ram_password_policy_min_length"],
                    config=AuditConfig.model_validate({"access_key_max_age_days": 365,
                                                       "password_policy": {"minimum_length": 16}}))
    assert by_resource(findings, "ram_user_access_key_rotated")["LTAIbob000000000001"] == "PASS"
    assert [f.status.value for f in findings if f.check_id == "ram_password_policy_min_length"] == ["FAIL"]


def test_actiontrail_trail_check(cloud):
    load(cloud, account())
    trail = "actiontrail_trail_all_regions_enabled"
    assert [f.status.value for f in scan(cloud, families=["actiontrail"]) if f.check_id == trail] == ["FAIL"]
    data = account()
    data["accounts"][0]["actiontrail"]["trails"].append({"name": "org", "oss_bucket_name": "trail-logs"})
    load(cloud, data)
    findings = scan(cloud, families=["actiontrail"])
    assert [(f.status.value, f.resource_id) for f in findings if f.check_id == trail] == [("PASS", "org")]
    # the trails' buckets are no bucket of this account here: their protection is checked where they live
    assert by_resource(findings, "actiontrail_trail_bucket_protected") == {"logs": "MANUAL", "trail-logs": "MANUAL"}


def test_every_list_api_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["ram"]["users"] += [{"name": f"bulk{i:04d}", "login_profile": {}} for i in range(1010)]
    data["accounts"][0]["ram"]["policies"] += [
        {"name": f"p{i:04d}", "document": {"Version": "1", "Statement": []}} for i in range(1005)]
    load(cloud, data)
    findings = scan(cloud, checks=["ram_user_console_mfa_enabled", "ram_policy_no_full_admin"])
    assert len(by_resource(findings, "ram_user_console_mfa_enabled")) == 2 + 1010
    assert len(by_resource(findings, "ram_policy_no_full_admin")) == 3 + 1005
    # ListPolicies: two pages of custom policies (their documents) and two pages of every policy (attachment
    # counts, for the users' direct attachments)
    assert admin.calls()["ram:ListUsers"] == 2 and admin.calls()["ram:ListPolicies"] == 2 + 2


def test_credential_report_is_paged_to_the_root_row(cloud, admin):
    data = account()
    data["accounts"][0]["ram"]["users"] += [{"name": f"many{i:04d}"} for i in range(3600)]
    load(cloud, data)
    findings = scan(cloud, checks=["ram_root_mfa_enabled"])
    assert [(f.resource_id, f.status.value) for f in findings] == [("<root>", "FAIL")]
    assert admin.calls()["ims:GetCredentialReport"] == 2


# the per-user fallback: IMS reads users by their logon name (GetLoginProfile's Status tells console access)
PER_USER = ("ims:GetUser", "ims:GetLoginProfile", "ram:GetAccessKeyLastUsed", "ram:ListPoliciesForUser")


def test_users_come_from_the_credential_report_with_one_call_per_user(cloud, admin):
    """Console, last logon and key last use for every user from the report; per user only ListAccessKeys (the
    key ids); direct attachments from the attached policies' entity lists (fewer than the users)."""
    data = account()
    data["accounts"][0]["ram"]["users"] += [
        {"name": f"u{i:03d}", "created": ago(300), "last_login": ago(100 if i % 2 else 5),
         "login_profile": {"created": ago(300)},
         "access_keys": [{"id": f"LTAIbulk{i:011d}", "secret": "x", "created": ago(50), "last_used": ago(95)}]}
        for i in range(40)]
    load(cloud, data)
    admin.request("DELETE", "calls")
    findings = scan(cloud, families=["ram"])
    calls = admin.calls()
    assert not [api for api in PER_USER if calls.get(api)], calls
    assert calls["ram:ListAccessKeys"] == 2 + 2 + 40  # admin, reader, alice, bob and the bulk users
    assert calls["ram:ListEntitiesForPolicy"] < 10
    inactive = by_resource(findings, "ram_user_console_inactive_disabled")
    assert inactive["u001"] == "FAIL" and inactive["u002"] == "PASS" and inactive["bob"] == "FAIL"
    unused = by_resource(findings, "ram_user_access_key_unused")
    assert unused["LTAIbulk00000000001"] == "FAIL" and unused["LTAIalice0000000001"] == "PASS"
    assert by_resource(findings, "ram_user_no_direct_policies")["bob"] == "FAIL"
    assert by_resource(findings, "ram_user_no_direct_policies")["u001"] == "PASS"


def test_a_report_row_with_password_active_na_is_settled_by_get_login_profile(cloud, admin):
    """password_active "N/A" is the documented example value, its meaning for a user with a password is not
    documented: for such a row GetLoginProfile's Status decides. An active profile without MFA fails CIS 1.4 (it
    gave no result when N/A was read as "no console"); an inactive one is no console access."""
    data = account()
    data["accounts"][0]["ram"]["users"] += [
        {"name": "na-active", "created": ago(300), "last_login": ago(5),
         "login_profile": {"created": ago(300), "report_active": "N/A"}},
        {"name": "na-off", "created": ago(300), "last_login": ago(5),
         "login_profile": {"created": ago(300), "status": "Inactive", "report_active": "N/A"}}]
    load(cloud, data)
    admin.request("DELETE", "calls")
    findings = scan(cloud, checks=["ram_user_console_mfa_enabled"])
    mfa = by_resource(findings, "ram_user_console_mfa_enabled")
    assert mfa["na-active"] == "FAIL" and "na-off" not in mfa
    assert admin.calls()["ims:GetLoginProfile"] == 2  # only the two N/A rows


def test_a_security_key_answered_as_not_enabled_is_no_mfa(cloud):
    """Without the report (denied), a user's security key comes from GetUserMFAInfo, whose IsMFAEnable says whether
    the device is enabled (GetUserMFAInfoResponseBody): false is no MFA."""
    data = account()
    data["accounts"][0]["ram"]["users"] += [
        {"name": f"key-{state}", "created": ago(300), "last_login": ago(5), "login_profile": {"created": ago(300)},
         "mfa_device": {"serial": f"acs:ram::{ACCOUNT}:mfa/key-{state}", "type": "U2F", "enabled": state == "on"}}
        for state in ("on", "off")]
    data["accounts"][0]["ram"]["policies"].append({"name": "NoReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GetCredentialReport"], "Resource": "*"}]}})
    data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoReport", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=["ram_user_console_mfa_enabled"], ak=READER_AK, secret=READER_SECRET)
    mfa = by_resource(findings, "ram_user_console_mfa_enabled")
    assert (mfa["key-on"], mfa["key-off"]) == ("PASS", "FAIL")


def test_without_the_credential_report_users_are_read_one_by_one(cloud, admin):
    """A role denied the credential report still gets every verdict, from the per-user calls; the root account's
    recorded use is ERROR, its MFA and keys come from the account security report (the CIS audits' Security Check)."""
    data = account()
    data["accounts"][0]["ram"]["policies"].append({"name": "NoReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GetCredentialReport", "ram:ListEntitiesForPolicy"], "Resource": "*"}]}})
    data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoReport", "type": "Custom"})
    load(cloud, data)
    expected = scan(cloud, families=["ram"])
    admin.request("DELETE", "calls")
    findings = scan(cloud, families=["ram"], ak=READER_AK, secret=READER_SECRET)
    calls = admin.calls()
    assert all(calls.get(api) for api in PER_USER), calls
    keep = [c for c in {f.check_id for f in expected} if c.startswith("ram_user_")]
    for check in keep:  # the reader's own key is in use now, so only its verdict may differ
        got, want = by_resource(findings, check), by_resource(expected, check)
        got.pop(READER_AK, None), want.pop(READER_AK, None)
        assert got == want, check
    root = {f.check_id: f.status.value for f in findings if f.resource_id == "<root>"}
    want = {f.check_id: f.status.value for f in expected if f.resource_id == "<root>"}
    assert root["ram_root_account_unused"] == "ERROR"
    assert root["ram_root_mfa_enabled"] == want["ram_root_mfa_enabled"]
    assert root["ram_root_access_key_absent"] == want["ram_root_access_key_absent"]


# --- check logic on model objects (issue 15: CIS 1.13, 1.15) -----------------------------------------------------

def _policy(statement: object, attachments: int = 1, name: str = "p") -> CustomPolicy:
    return CustomPolicy(name=name, document={"Version": "1", "Statement": statement}, attachments=attachments)


def _full_admin(*policies: CustomPolicy) -> dict[str, str]:
    return statuses(run_check("ram_policy_no_full_admin", {"ram.custom_policies": list(policies)}))


def test_star_colon_star_is_full_admin():
    assert _full_admin(_policy({"Effect": "Allow", "Action": "*:*", "Resource": "*"}, name="str"),
                       _policy([{"Effect": "Allow", "Action": ["ecs:Describe*", "*:*"], "Resource": ["*"]}],
                               name="list")) == {"str": "FAIL", "list": "FAIL"}


def test_lower_case_allow_is_full_admin():
    assert _full_admin(_policy([{"Effect": "allow", "Action": "*", "Resource": "*"}])) == {"p": "FAIL"}


def test_condition_does_not_exempt_full_admin():
    mfa = {"Effect": "Allow", "Action": "*:*", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "true"}}}
    ip = {"Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}}
    assert _full_admin(_policy([mfa], name="mfa"), _policy([ip], name="ip")) == {"mfa": "FAIL", "ip": "FAIL"}


def test_narrower_statements_are_not_full_admin():
    assert _full_admin(_policy([{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}], name="ecs"),
                       _policy([{"Effect": "Deny", "Action": "*", "Resource": "*"}], name="deny"),
                       _policy([{"Effect": "Allow", "Action": "*", "Resource": "acs:oss:*:*:logs/*"}], name="res"),
                       _policy([{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}], name="not")) == {
        "ecs": "PASS", "deny": "PASS", "res": "PASS", "not": "PASS"}


def test_unattached_full_admin_passes_cis_1_15_and_fails_the_stricter_check():
    data = {"ram.custom_policies": [_policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, 0, "idle"),
                                    _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, 2, "used")]}
    cis = run_check("ram_policy_no_full_admin", data)
    assert statuses(cis) == {"idle": "PASS", "used": "FAIL"}
    assert "AttachmentCount 0" in cis[0].message
    assert statuses(run_check("ram_policy_full_admin_absent", data)) == {"idle": "FAIL", "used": "FAIL"}
    assert all_checks()["ram_policy_full_admin_absent"].meta.cis == []


def _password_policy(max_age: int) -> dict[str, PasswordPolicy]:
    return {"ram.password_policy": PasswordPolicy(
        minimum_length=14, require_lowercase=True, require_uppercase=True, require_numbers=True, require_symbols=True,
        hard_expiry=False, max_age=max_age, reuse_prevention=5, max_login_attempts=5)}


def test_disabled_max_age_passes_cis_1_13():
    cis = run_check("ram_password_policy_max_age", _password_policy(0))[0]
    assert cis.status.value == "PASS" and "disabled" in cis.message  # "either disabled or greater than 365"
    got = {age: (run_check("ram_password_policy_max_age", _password_policy(age))[0].status.value,
                 run_check("ram_password_policy_expiry_enabled", _password_policy(age))[0].status.value)
           for age in (0, 90, 365, 1095)}
    # CIS 1.13: disabled or >= 365; the stricter check (no CIS id): expiry set
    assert got == {0: ("PASS", "FAIL"), 90: ("FAIL", "PASS"), 365: ("PASS", "PASS"), 1095: ("PASS", "PASS")}
    assert all_checks()["ram_password_policy_expiry_enabled"].meta.cis == []


def test_security_preference_set_through_ims_changes_the_verdict_and_is_recorded(cloud, admin):
    from alibabacloud_ims20190815 import models as ims_models
    from alibabacloud_ims20190815.client import Client as ImsClient

    from tests.sdk import pop_config

    data = account()
    data["accounts"][0]["ram"]["security_preference"] = {"mfa_operation_for_login": "adaptive",
                                                         "max_idle_days_for_users": 60,
                                                         "max_idle_days_for_access_keys": 90}
    load(cloud, data)
    checks = ["ram_security_preference_mfa_enforced", "ram_security_preference_idle_disable"]
    before = {f.check_id: f.status.value for f in scan(cloud, checks=checks)}
    assert before == {"ram_security_preference_mfa_enforced": "FAIL", "ram_security_preference_idle_disable": "PASS"}
    ImsClient(pop_config(cloud)).set_security_preference(ims_models.SetSecurityPreferenceRequest(
        mfaoperation_for_login="mandatory"))
    after = {f.check_id: f.status.value for f in scan(cloud, checks=checks)}
    assert after["ram_security_preference_mfa_enforced"] == "PASS"
    assert "SetSecurityPreference" in {e["eventName"] for e in admin.events(ACCOUNT)}
    # the idle periods are set through the API too (SetSecurityPreferenceRequest: 90, 180, 365 or 730)
    ims = ImsClient(pop_config(cloud))
    ims.set_security_preference(ims_models.SetSecurityPreferenceRequest(max_idle_days_for_users=365))
    assert {f.check_id: f.status.value for f in scan(cloud, checks=checks)}[
        "ram_security_preference_idle_disable"] == "FAIL"
    ims.set_security_preference(ims_models.SetSecurityPreferenceRequest(max_idle_days_for_users=90))
    assert {f.check_id: f.status.value for f in scan(cloud, checks=checks)}[
        "ram_security_preference_idle_disable"] == "PASS"
    with pytest.raises(TeaException) as refused:  # (90, 180, 365 and 730 only)
        ims.set_security_preference(ims_models.SetSecurityPreferenceRequest(max_idle_days_for_access_keys=45))
    assert refused.value.code == "InvalidParameter"


def test_security_preference_denied_gives_error_findings(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"].append({"name": "NoPreference", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GetSecurityPreference"], "Resource": "*"}]}})
    acct["ram"]["groups"][0]["policies"].append({"name": "NoPreference", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=["ram_security_preference_mfa_enforced", "ram_security_preference_idle_disable"],
                    ak=READER_AK, secret=READER_SECRET)
    assert len(findings) == 2 and all(f.status.value == "ERROR" and "NoPermission" in f.message for f in findings)


def test_role_trust_fixed_with_update_role_passes_and_is_recorded(cloud, admin):
    from alibabacloud_ram20150501 import models as ram_models
    from alibabacloud_ram20150501.client import Client as RamClient

    from tests.sdk import pop_config

    load(cloud, account())
    check = ["ram_role_trust_policy_restricted"]
    assert by_resource(scan(cloud, checks=check), check[0])["vendor-access"] == "FAIL"
    fixed = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Principal": {"RAM": ["acs:ram::5555666677778888:root"]},
                                            "Condition": {"StringEquals": {"sts:ExternalId": "acme-7f3e"}}}]}
    import json

    RamClient(pop_config(cloud)).update_role(ram_models.UpdateRoleRequest(
        role_name="vendor-access", new_assume_role_policy_document=json.dumps(fixed)))
    assert by_resource(scan(cloud, checks=check), check[0])["vendor-access"] == "PASS"
    assert "UpdateRole" in {e["eventName"] for e in admin.events(ACCOUNT)}


def test_role_reads_denied_give_error_findings(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"].append({"name": "NoGetRole", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GetRole"], "Resource": "*"}]}})
    acct["ram"]["groups"][0]["policies"].append({"name": "NoGetRole", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=["ram_role_trust_policy_restricted"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "ram_role_trust_policy_restricted") == {
        "auditor": "ERROR", "vendor-access": "ERROR", "ci-oidc": "ERROR"}
    assert all("NoPermission" in f.message for f in findings)


def test_a_key_created_after_a_reused_credential_report_is_still_read(cloud, admin):
    """IMS answers the same credential report for four hours: a key created since is not in it, nor an MFA device
    unbound since. A report generated before the scan asked decides nothing: every user is read from RAM and IMS."""
    from alibabacloud_ram20150501 import models as ram_models
    from alibabacloud_ram20150501.client import Client as RamClient

    from tests.sdk import pop_config

    load(cloud, account())
    admin.advance(-600)
    try:
        scan(cloud, families=["ram"])  # (the report is generated ten minutes ago)
    finally:
        admin.advance(600)
    ram = RamClient(pop_config(cloud))
    key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="nokeys")).body.access_key.access_key_id
    ram.unbind_mfadevice(ram_models.UnbindMFADeviceRequest(user_name="alice"))
    admin.request("DELETE", "calls")
    findings = scan(cloud, families=["ram"])  # the same report again: it shows no key for nokeys, alice's MFA
    assert key in by_resource(findings, "ram_user_access_key_unused")
    assert by_resource(findings, "ram_user_console_mfa_enabled")["alice"] == "FAIL"
    assert by_resource(findings, "ram_user_single_active_key")["nokeys"] == "PASS"
    assert admin.calls()["ims:GenerateCredentialReport"] == 1  # (no new report was generated)
