"""Issue 14, items 1-3, 5, 6 and 9: the IMS credential report and the per-user reads as the cloud documents
them (sources in tests/emulator/products/ims.py), and the verdicts the product draws from them."""

from __future__ import annotations

import base64
import csv
import io
import re
import time

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from Tea.exceptions import TeaException

from aliaudit.clients import ClientFactory
from aliaudit.collectors.ram import flag, key_slots, report_user
from aliaudit.credentials.providers import StaticProvider
from aliaudit.findings import Finding
from aliaudit.scan import ScanRequest, run_scan
from aliaudit.settings import EndpointSettings
from tests.e2e.test_checks_ram import account, ago
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, load, pop_config

DENY_REPORT = {"name": "NoReport", "document": {"Version": "1", "Statement": [
    {"Effect": "Deny", "Action": ["ram:GetCredentialReport"], "Resource": "*"}]}}


def _report(cloud) -> list[dict[str, str]]:
    ims = ImsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    assert ims.generate_credential_report().body.state == "STARTED"
    time.sleep(0.3)  # the scenario's default generation time is 0.2 s
    assert ims.generate_credential_report().body.state == "COMPLETED"
    body = ims.get_credential_report(ims_models.GetCredentialReportRequest()).body
    return list(csv.DictReader(io.StringIO(base64.b64decode(body.content).decode())))


def test_the_report_speaks_the_documented_format(cloud):
    load(cloud, account())
    rows = _report(cloud)
    assert rows[0]["user"] == "<root>"
    by_user = {r["user"]: r for r in rows}
    alice = by_user["alice@tests.onaliyun.com"]  # the user principal name, not the short name
    assert (alice["password_exist"], alice["password_active"], alice["mfa_active"]) == ("TRUE", "TRUE", "TRUE")
    assert by_user["nokeys@tests.onaliyun.com"]["user_last_logon"] == "-"  # never logged on
    assert by_user["nokeys@tests.onaliyun.com"]["password_exist"] == "FALSE"
    assert "additional_access_key_3_active" in rows[0]
    assert {v for r in rows for k, v in r.items() if k.endswith(("_exist", "_active"))} <= {"TRUE", "FALSE", "N/A"}


def test_report_helpers_read_the_documented_row():
    row = {"user": "alice@example.onaliyun.com", "mfa_active": "TRUE", "password_active": "FALSE",
           "access_key_1_exist": "TRUE", "access_key_2_exist": "FALSE", "additional_access_key_1_exist": "N/A"}
    assert report_user(row) == "alice" and report_user({"user": "<root>"}) == "<root>"
    assert flag(row["mfa_active"]) and not flag(row["password_active"]) and not flag("N/A")
    assert flag("true")  # the older lower-case form still reads
    assert key_slots(row) == ["access_key_1", "access_key_2", "additional_access_key_1"]


def test_a_root_key_is_seen_in_the_documented_format(cloud):
    data = account()
    load(cloud, data)
    assert by_resource(scan(cloud, checks=["ram_root_access_key_absent"]), "ram_root_access_key_absent") == {
        "<root>": "FAIL"}
    data["accounts"][0]["root"]["mfa_bound"] = True
    load(cloud, data)
    found = scan(cloud, checks=["ram_root_mfa_enabled"])
    assert by_resource(found, "ram_root_mfa_enabled") == {"<root>": "PASS"}
    # the report can be hours old (IMS makes a new one at most every four hours): a PASS says when it was made
    assert re.search(r"\(credential report generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$", found[0].message)


def test_a_root_key_in_an_additional_slot_is_seen(cloud):
    data = account()
    root = data["accounts"][0]["root"]
    root["access_keys"] = [{"id": ROOT_AK, "secret": ROOT_SECRET}] + [
        {"id": f"LTAIrootextra{n:06d}", "secret": "x", "status": "Inactive"} for n in range(3)]
    root["access_keys"][0]["status"] = "Active"
    root["access_keys"] = root["access_keys"][1:] + root["access_keys"][:1]  # the active one in slot 4
    load(cloud, data)
    found = scan(cloud, checks=["ram_root_access_key_absent"])
    assert [(f.status.value, f.message) for f in found] == [
        ("FAIL", "the root account has AccessKeys (1 active and 3 disabled)")]


def test_generation_is_asynchronous_and_the_product_waits(cloud, admin):
    data = account()
    data["faults"] = {"credential_report_seconds": 1.5}
    load(cloud, data)
    ims = ImsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    assert ims.generate_credential_report().body.state == "STARTED"
    assert ims.generate_credential_report().body.state == "INPROGRESS"
    with pytest.raises(TeaException) as err:
        ims.get_credential_report(ims_models.GetCredentialReportRequest())
    assert err.value.code == "CredentialReportNotReady"
    load(cloud, data)
    findings = scan(cloud, families=["ram"])
    assert by_resource(findings, "ram_root_access_key_absent") == {"<root>": "FAIL"}
    assert admin.calls()["ims:GenerateCredentialReport"] >= 2
    assert admin.calls()["ims:GetCredentialReport"] == 1  # generated and read once for both datasets
    assert by_resource(findings, "ram_user_console_mfa_enabled") == {"alice": "PASS", "bob": "FAIL"}


def _scan_waiting(cloud, wait: float) -> list[Finding]:
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10,
                                report_wait_seconds=wait)
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), settings)
    return run_scan(factory, ScanRequest(account_id=ACCOUNT, regions=["cn-hangzhou"], families=["ram"]))


def test_a_report_that_never_comes_is_an_error_not_a_pass(cloud):
    """The root account's recorded use needs the credential report: ERROR. CIS 1.2 and 1.3 read the Security Check,
    which the account security report answers without it (the root key of this account is counted there)."""
    data = account()
    data["faults"] = {"credential_report_seconds": 600}
    load(cloud, data)
    findings = _scan_waiting(cloud, 0.5)
    by_check = {f.check_id: f for f in findings if f.resource_id == "<root>"}
    unused = by_check["ram_root_account_unused"]
    assert unused.status.value == "ERROR" and "not generated within 0.5 s (State INPROGRESS)" in unused.message
    keys = by_check["ram_root_access_key_absent"]
    assert keys.status.value == "FAIL" and "counts 1 root AccessKey(s)" in keys.message
    assert "not generated within 0.5 s" in keys.message
    mfa = by_check["ram_root_mfa_enabled"]  # BindMfa decides; the unread credential report is said, not blamed
    assert "the credential report could not be read" in mfa.message and "does not show it" not in mfa.message
    # the users fall back to the per-user calls and keep their verdicts
    assert by_resource(findings, "ram_user_console_mfa_enabled") == {"alice": "PASS", "bob": "FAIL"}


def _users_scenario() -> dict:
    data = account()
    users = data["accounts"][0]["ram"]["users"]
    users += [
        {"name": "disabled", "created": ago(400), "last_login": ago(300),
         "login_profile": {"created": ago(400), "status": "Inactive"}},
        {"name": "keyholder", "created": ago(400), "last_login": ago(1), "login_profile": {"created": ago(400)},
         "mfa_device": {"serial": "u2f-key-1", "type": "U2F"}},
    ]
    return data


@pytest.mark.parametrize("report", ["with the report", "without the report"])
def test_console_access_is_an_active_login_profile_and_a_security_key_is_mfa(cloud, report):
    data = _users_scenario()
    if report == "without the report":
        data["accounts"][0]["ram"]["policies"].append(DENY_REPORT)
        data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoReport", "type": "Custom"})
    load(cloud, data)
    ak, secret = (READER_AK, READER_SECRET) if report == "without the report" else (ROOT_AK, ROOT_SECRET)
    findings = scan(cloud, families=["ram"], ak=ak, secret=secret)
    mfa = by_resource(findings, "ram_user_console_mfa_enabled")
    inactive = by_resource(findings, "ram_user_console_inactive_disabled")
    assert "disabled" not in mfa and "disabled" not in inactive  # console logon disabled: not a console user
    assert mfa["keyholder"] == "PASS"  # a U2F security key is MFA
    assert mfa["alice"] == "PASS" and mfa["bob"] == "FAIL"


def test_virtual_mfa_devices_are_read_to_the_last_page(cloud, admin):
    data = account()
    data["accounts"][0]["ram"]["policies"].append(DENY_REPORT)
    data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoReport", "type": "Custom"})
    data["accounts"][0]["ram"]["users"] += [
        {"name": f"m{i:03d}", "created": ago(10), "last_login": ago(1), "login_profile": {"created": ago(10)},
         "mfa_device": {"serial": f"acs:ram::{ACCOUNT}:mfa/m{i:03d}"}} for i in range(130)]
    load(cloud, data)
    admin.request("DELETE", "calls")
    findings = scan(cloud, families=["ram"], checks=["ram_user_console_mfa_enabled"], ak=READER_AK,
                    secret=READER_SECRET)
    mfa = by_resource(findings, "ram_user_console_mfa_enabled")
    assert all(mfa[f"m{i:03d}"] == "PASS" for i in range(130))
    assert admin.calls()["ims:ListVirtualMFADevices"] == 2  # 100 a page


def test_a_report_under_four_hours_old_is_kept_and_the_security_report_is_current(cloud, admin):
    """IMS answers the same credential report for four hours (doc-detail/143477): a root key created since is not
    in it. The account security report (the RAM console's Security Check, which the CIS 1.2 audit reads) counts
    the account's keys as they are in the emulator (README: its freshness in the cloud is not documented)."""
    from alibabacloud_ram20150501 import models as ram_models  # (the RAM client creates the root's second key)
    from alibabacloud_ram20150501.client import Client as RamClient

    load(cloud, account())
    first = scan(cloud, checks=["ram_root_access_key_absent"])
    assert [(f.status.value, f.message) for f in first] == [("FAIL", "the root account has AccessKeys (1 active)")]
    RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET)).create_access_key(ram_models.CreateAccessKeyRequest())
    ims = ImsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    assert ims.get_account_security_practice_report().body.account_security_practice_info \
        .account_security_practice_user_info.root_with_access_key == 2
    kept = scan(cloud, checks=["ram_root_access_key_absent"])
    assert [f.message for f in kept] == ["the root account has AccessKeys (1 active)"]  # the report is kept
    admin.advance(4 * 3600 + 1)
    renewed = scan(cloud, checks=["ram_root_access_key_absent"])
    assert [f.message for f in renewed] == ["the root account has AccessKeys (2 active)"]


def test_root_verdicts_name_an_unreadable_security_report(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["root"]["mfa_bound"] = True
    acct["ram"]["policies"].append({"name": "NoPracticeReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ims:GetAccountSecurityPracticeReport"], "Resource": "*"}]}})
    acct["ram"]["groups"][0]["policies"].append({"name": "NoPracticeReport", "type": "Custom"})
    load(cloud, data)
    found = scan(cloud, checks=["ram_root_mfa_enabled"], ak=READER_AK, secret=READER_SECRET)
    assert [f.status.value for f in found] == ["PASS"]
    assert "the account security report could not be read: NoPermission" in found[0].message
